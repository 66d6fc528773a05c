CREATE TABLE "console_actors" (
	"id" uuid PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
-- Written by the operator console (DATABASE_URL); the read-only role never sees who operates.
GRANT SELECT, INSERT, UPDATE, DELETE ON console_actors TO phs_writer;
--> statement-breakpoint
ALTER TABLE console_actors ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY writer_all ON console_actors FOR ALL TO phs_writer USING (true) WITH CHECK (true);

CREATE TABLE "notification_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"kind" text NOT NULL,
	"dedup_key" text NOT NULL,
	"components" text[] NOT NULL,
	"message" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"fanned_out_at" timestamp with time zone,
	CONSTRAINT "notification_events_dedup_key_unique" UNIQUE("dedup_key"),
	CONSTRAINT "notification_events_kind_check" CHECK ("notification_events"."kind" IN ('incident.opened', 'incident.updated', 'incident.resolved', 'maintenance.scheduled', 'maintenance.reminder', 'maintenance.started', 'maintenance.completed', 'maintenance.cancelled'))
);
--> statement-breakpoint
CREATE TABLE "subscriber_deliveries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"event_id" uuid NOT NULL,
	"subscriber_id" uuid NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"batch_key" text,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sent_at" timestamp with time zone,
	CONSTRAINT "subscriber_deliveries_status_check" CHECK ("subscriber_deliveries"."status" IN ('pending', 'sent', 'failed', 'skipped'))
);
--> statement-breakpoint
CREATE TABLE "subscribers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"channel" text NOT NULL,
	"address" text NOT NULL,
	"components" text[] DEFAULT '{}'::text[] NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"confirmation_sent_at" timestamp with time zone,
	"confirmed_at" timestamp with time zone,
	"unsubscribed_at" timestamp with time zone,
	"paused_at" timestamp with time zone,
	"pause_reason" text,
	"consecutive_failures" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "subscribers_channel_check" CHECK ("subscribers"."channel" IN ('email', 'webhook', 'slack')),
	CONSTRAINT "subscribers_status_check" CHECK ("subscribers"."status" IN ('pending', 'active', 'paused', 'unsubscribed')),
	CONSTRAINT "subscribers_address_check" CHECK (length("subscribers"."address") BETWEEN 3 AND 2048),
	CONSTRAINT "subscribers_components_check" CHECK (array_to_string("subscribers"."components", ',') ~ '^([a-z][a-z0-9_]{1,31}(,[a-z][a-z0-9_]{1,31})*)?$'),
	CONSTRAINT "subscribers_paused_check" CHECK (("subscribers"."status" = 'paused') = ("subscribers"."paused_at" IS NOT NULL))
);
--> statement-breakpoint
ALTER TABLE "subscriber_deliveries" ADD CONSTRAINT "subscriber_deliveries_event_id_notification_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."notification_events"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subscriber_deliveries" ADD CONSTRAINT "subscriber_deliveries_subscriber_id_subscribers_id_fk" FOREIGN KEY ("subscriber_id") REFERENCES "public"."subscribers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "notification_events_pending_idx" ON "notification_events" USING btree ("created_at") WHERE "notification_events"."fanned_out_at" IS NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "subscriber_deliveries_event_subscriber_idx" ON "subscriber_deliveries" USING btree ("event_id","subscriber_id");--> statement-breakpoint
CREATE INDEX "subscriber_deliveries_due_idx" ON "subscriber_deliveries" USING btree ("next_attempt_at") WHERE "subscriber_deliveries"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "subscriber_deliveries_subscriber_idx" ON "subscriber_deliveries" USING btree ("subscriber_id");--> statement-breakpoint
CREATE UNIQUE INDEX "subscribers_channel_address_idx" ON "subscribers" USING btree ("channel",lower("address"));--> statement-breakpoint
CREATE INDEX "subscribers_active_idx" ON "subscribers" USING btree ("status") WHERE "subscribers"."status" = 'active';--> statement-breakpoint
-- Subscriptions are written by the public subscribe routes (DATABASE_URL) and the crons;
-- the read-only role sees none of them: subscriber data is never part of a public answer.
GRANT SELECT, INSERT, UPDATE, DELETE ON subscribers, notification_events, subscriber_deliveries TO phs_writer;
--> statement-breakpoint
ALTER TABLE subscribers ENABLE ROW LEVEL SECURITY;
ALTER TABLE notification_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE subscriber_deliveries ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY writer_all ON subscribers FOR ALL TO phs_writer USING (true) WITH CHECK (true);
CREATE POLICY writer_all ON notification_events FOR ALL TO phs_writer USING (true) WITH CHECK (true);
CREATE POLICY writer_all ON subscriber_deliveries FOR ALL TO phs_writer USING (true) WITH CHECK (true);

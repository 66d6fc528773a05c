CREATE TABLE "flag_adoption_days" (
	"day" date NOT NULL,
	"flag_key" text NOT NULL,
	"evaluated" smallint[] NOT NULL,
	"enabled" smallint[] NOT NULL,
	CONSTRAINT "flag_adoption_days_day_flag_key_pk" PRIMARY KEY("day","flag_key")
);
--> statement-breakpoint
CREATE TABLE "flag_signal_hours" (
	"hour" timestamp with time zone NOT NULL,
	"flag_key" text NOT NULL,
	"signal" text NOT NULL,
	"count" bigint NOT NULL,
	"value_sum" double precision DEFAULT 0 NOT NULL,
	CONSTRAINT "flag_signal_hours_hour_flag_key_signal_pk" PRIMARY KEY("hour","flag_key","signal"),
	CONSTRAINT "flag_signal_hours_signal_check" CHECK ("flag_signal_hours"."signal" ~ '^(evaluated:(on|off)|event:[a-z][a-z0-9_.-]{0,63})$'),
	CONSTRAINT "flag_signal_hours_count_check" CHECK ("flag_signal_hours"."count" >= 0)
);
--> statement-breakpoint
ALTER TABLE "flag_rollouts" DROP CONSTRAINT "flag_rollouts_status_check";--> statement-breakpoint
DROP INDEX "flag_rollouts_live_flag_idx";--> statement-breakpoint
ALTER TABLE "feature_flags" ADD COLUMN "depends_on" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "flag_rollouts" ADD COLUMN "max_error_rate" numeric(6, 5);--> statement-breakpoint
ALTER TABLE "flag_rollouts" ADD COLUMN "min_evaluations" integer DEFAULT 100 NOT NULL;--> statement-breakpoint
ALTER TABLE "flag_rollouts" ADD COLUMN "on_error_rate" text DEFAULT 'hold' NOT NULL;--> statement-breakpoint
ALTER TABLE "flag_rollouts" ADD COLUMN "resume_after_minutes" integer DEFAULT 30 NOT NULL;--> statement-breakpoint
ALTER TABLE "flag_rollouts" ADD COLUMN "held_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "flag_rollouts" ADD COLUMN "hold_reason" text;--> statement-breakpoint
ALTER TABLE "flag_rollouts" ADD COLUMN "guard_clear_since" timestamp with time zone;--> statement-breakpoint
CREATE UNIQUE INDEX "flag_rollouts_live_flag_idx" ON "flag_rollouts" USING btree ("flag_id") WHERE "flag_rollouts"."status" IN ('active', 'paused', 'held');--> statement-breakpoint
ALTER TABLE "feature_flags" ADD CONSTRAINT "feature_flags_depends_on_check" CHECK (array_to_string("feature_flags"."depends_on", ',') ~ '^([a-z][a-z0-9_]{1,31}(,[a-z][a-z0-9_]{1,31})*)?$');--> statement-breakpoint
ALTER TABLE "flag_rollouts" ADD CONSTRAINT "flag_rollouts_held_check" CHECK (("flag_rollouts"."status" = 'held') = ("flag_rollouts"."held_at" IS NOT NULL AND "flag_rollouts"."hold_reason" IS NOT NULL));--> statement-breakpoint
ALTER TABLE "flag_rollouts" ADD CONSTRAINT "flag_rollouts_guard_check" CHECK (("flag_rollouts"."max_error_rate" IS NULL OR "flag_rollouts"."max_error_rate" BETWEEN 0 AND 1) AND "flag_rollouts"."min_evaluations" >= 1 AND "flag_rollouts"."resume_after_minutes" BETWEEN 1 AND 10080 AND "flag_rollouts"."on_error_rate" IN ('hold', 'rollback'));--> statement-breakpoint
ALTER TABLE "flag_rollouts" ADD CONSTRAINT "flag_rollouts_status_check" CHECK ("flag_rollouts"."status" IN ('active', 'paused', 'held', 'completed', 'cancelled'));--> statement-breakpoint
-- Two HyperLogLog sketches merged: the larger of each register (the union of what both saw).
CREATE OR REPLACE FUNCTION hll_merge(a smallint[], b smallint[])
RETURNS smallint[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT array_agg(greatest(x, y) ORDER BY n) FROM unnest(a, b) WITH ORDINALITY AS t(x, y, n)
$$;
--> statement-breakpoint
-- Signals are written by the Worker's flush (with DATABASE_URL) and read by the admin API.
GRANT SELECT, INSERT, UPDATE, DELETE ON flag_signal_hours, flag_adoption_days TO phs_writer;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION hll_merge(smallint[], smallint[]) TO phs_reader, phs_writer;
--> statement-breakpoint
ALTER TABLE flag_signal_hours ENABLE ROW LEVEL SECURITY;
ALTER TABLE flag_adoption_days ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY writer_all ON flag_signal_hours FOR ALL TO phs_writer USING (true) WITH CHECK (true);
CREATE POLICY writer_all ON flag_adoption_days FOR ALL TO phs_writer USING (true) WITH CHECK (true);

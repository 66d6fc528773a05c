CREATE TABLE "audit_log" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"actor_id" uuid,
	"action" text NOT NULL,
	"entity" text NOT NULL,
	"entity_key" text NOT NULL,
	"before" jsonb,
	"after" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "flag_rollouts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"flag_id" uuid NOT NULL,
	"start_percentage" integer NOT NULL,
	"end_percentage" integer NOT NULL,
	"duration_hours" integer NOT NULL,
	"interval_hours" integer NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"paused_at" timestamp with time zone,
	"applied_step" integer DEFAULT 0 NOT NULL,
	"finished_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" uuid,
	CONSTRAINT "flag_rollouts_percentages_check" CHECK ("flag_rollouts"."start_percentage" BETWEEN 0 AND 100 AND "flag_rollouts"."end_percentage" BETWEEN 0 AND 100),
	CONSTRAINT "flag_rollouts_timing_check" CHECK ("flag_rollouts"."interval_hours" > 0 AND "flag_rollouts"."duration_hours" >= "flag_rollouts"."interval_hours"),
	CONSTRAINT "flag_rollouts_status_check" CHECK ("flag_rollouts"."status" IN ('active', 'paused', 'completed', 'cancelled')),
	CONSTRAINT "flag_rollouts_paused_check" CHECK (("flag_rollouts"."status" = 'paused') = ("flag_rollouts"."paused_at" IS NOT NULL))
);
--> statement-breakpoint
ALTER TABLE "feature_flags" ADD COLUMN "salt" text DEFAULT substr(md5(gen_random_uuid()::text), 1, 16) NOT NULL;--> statement-breakpoint
ALTER TABLE "feature_flags" ADD COLUMN "full_rollout_since" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "flag_rollouts" ADD CONSTRAINT "flag_rollouts_flag_id_feature_flags_id_fk" FOREIGN KEY ("flag_id") REFERENCES "public"."feature_flags"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_log_entity_idx" ON "audit_log" USING btree ("entity","entity_key","created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "audit_log_created_at_idx" ON "audit_log" USING btree ("created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE UNIQUE INDEX "flag_rollouts_live_flag_idx" ON "flag_rollouts" USING btree ("flag_id") WHERE "flag_rollouts"."status" IN ('active', 'paused');--> statement-breakpoint
ALTER TABLE "feature_flags" ADD CONSTRAINT "feature_flags_key_check" CHECK ("feature_flags"."key" ~ '^[a-z][a-z0-9_]{2,63}$');--> statement-breakpoint
ALTER TABLE "feature_flags" ADD CONSTRAINT "feature_flags_salt_check" CHECK ("feature_flags"."salt" ~ '^[A-Za-z0-9_-]{1,64}$');
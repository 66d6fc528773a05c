CREATE TABLE "feature_flags" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"key" text NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"enabled" boolean DEFAULT false NOT NULL,
	"rollout_percentage" integer DEFAULT 100 NOT NULL,
	"user_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"customer_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" uuid,
	"updated_by" uuid,
	CONSTRAINT "feature_flags_key_unique" UNIQUE("key"),
	CONSTRAINT "feature_flags_rollout_percentage_check" CHECK ("feature_flags"."rollout_percentage" BETWEEN 0 AND 100)
);
--> statement-breakpoint
CREATE TABLE "health_check_logs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"component" text NOT NULL,
	"status" text NOT NULL,
	"response_time_ms" integer,
	"error_message" text,
	"checked_at" timestamp with time zone DEFAULT now() NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	CONSTRAINT "health_check_logs_status_check" CHECK ("health_check_logs"."status" IN ('healthy', 'degraded', 'unhealthy')),
	CONSTRAINT "health_check_logs_response_time_check" CHECK ("health_check_logs"."response_time_ms" IS NULL OR "health_check_logs"."response_time_ms" >= 0)
);
--> statement-breakpoint
CREATE TABLE "maintenance_windows" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"title" text NOT NULL,
	"description" text,
	"scheduled_start" timestamp with time zone NOT NULL,
	"scheduled_end" timestamp with time zone NOT NULL,
	"actual_start" timestamp with time zone,
	"actual_end" timestamp with time zone,
	"status" text DEFAULT 'scheduled' NOT NULL,
	"affects_portal" boolean DEFAULT true NOT NULL,
	"affects_crm" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" uuid,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	CONSTRAINT "maintenance_windows_status_check" CHECK ("maintenance_windows"."status" IN ('scheduled', 'in_progress', 'completed', 'cancelled')),
	CONSTRAINT "maintenance_windows_schedule_check" CHECK ("maintenance_windows"."scheduled_end" > "maintenance_windows"."scheduled_start")
);
--> statement-breakpoint
CREATE TABLE "system_status" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"status" text NOT NULL,
	"component" text NOT NULL,
	"message" text,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"resolved_at" timestamp with time zone,
	"created_by" uuid,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	CONSTRAINT "system_status_status_check" CHECK ("system_status"."status" IN ('operational', 'degraded', 'partial_outage', 'major_outage', 'maintenance')),
	CONSTRAINT "system_status_component_check" CHECK ("system_status"."component" IN ('api', 'database', 'stripe', 'twilio', 'email', 'portal', 'crm')),
	CONSTRAINT "system_status_resolved_after_start_check" CHECK ("system_status"."resolved_at" IS NULL OR "system_status"."resolved_at" >= "system_status"."started_at")
);
--> statement-breakpoint
CREATE INDEX "health_check_logs_component_checked_at_idx" ON "health_check_logs" USING btree ("component","checked_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "health_check_logs_checked_at_idx" ON "health_check_logs" USING btree ("checked_at");--> statement-breakpoint
CREATE INDEX "maintenance_windows_status_start_idx" ON "maintenance_windows" USING btree ("status","scheduled_start");--> statement-breakpoint
CREATE INDEX "system_status_started_at_idx" ON "system_status" USING btree ("started_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "system_status_unresolved_idx" ON "system_status" USING btree ("component","started_at") WHERE "system_status"."resolved_at" IS NULL;
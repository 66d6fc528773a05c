CREATE TABLE "alert_notifications" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"rule_id" uuid,
	"event" text NOT NULL,
	"channel" text NOT NULL,
	"payload" jsonb NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sent_at" timestamp with time zone,
	CONSTRAINT "alert_notifications_status_check" CHECK ("alert_notifications"."status" IN ('pending', 'sent', 'failed', 'skipped')),
	CONSTRAINT "alert_notifications_channel_check" CHECK ("alert_notifications"."channel" IN ('webhook', 'slack', 'pagerduty'))
);
--> statement-breakpoint
CREATE TABLE "alert_rules" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"target" text NOT NULL,
	"condition" text NOT NULL,
	"threshold_ms" integer,
	"duration_seconds" integer NOT NULL,
	"severity" text NOT NULL,
	"channels" text[] NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "alert_rules_name_unique" UNIQUE("name"),
	CONSTRAINT "alert_rules_condition_check" CHECK ("alert_rules"."condition" IN ('unhealthy', 'degraded', 'slow', 'partial_outage', 'major_outage')),
	CONSTRAINT "alert_rules_severity_check" CHECK ("alert_rules"."severity" IN ('page', 'warn')),
	CONSTRAINT "alert_rules_duration_check" CHECK ("alert_rules"."duration_seconds" >= 0),
	CONSTRAINT "alert_rules_slow_check" CHECK (("alert_rules"."condition" = 'slow') = ("alert_rules"."threshold_ms" IS NOT NULL))
);
--> statement-breakpoint
CREATE TABLE "alert_state" (
	"rule_id" uuid PRIMARY KEY NOT NULL,
	"firing" boolean DEFAULT false NOT NULL,
	"since" timestamp with time zone,
	"fired_at" timestamp with time zone,
	"resolved_at" timestamp with time zone,
	"dedup_key" text
);
--> statement-breakpoint
CREATE TABLE "health_check_daily" (
	"day" date NOT NULL,
	"component" text NOT NULL,
	"checks" integer NOT NULL,
	"healthy" integer NOT NULL,
	"degraded" integer NOT NULL,
	"unhealthy" integer NOT NULL,
	"excluded_checks" integer DEFAULT 0 NOT NULL,
	"excluded_seconds" integer DEFAULT 0 NOT NULL,
	"uptime_percent" numeric(7, 4),
	"p50_ms" integer,
	"p95_ms" integer,
	"p99_ms" integer,
	"computed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "health_check_daily_day_component_pk" PRIMARY KEY("day","component")
);
--> statement-breakpoint
CREATE TABLE "incident_updates" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"incident_id" uuid NOT NULL,
	"status" text NOT NULL,
	"message" text,
	"resolved" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" uuid,
	CONSTRAINT "incident_updates_status_check" CHECK ("incident_updates"."status" IN ('operational', 'degraded', 'partial_outage', 'major_outage', 'maintenance'))
);
--> statement-breakpoint
CREATE TABLE "system_status_archive" (
	"id" uuid PRIMARY KEY NOT NULL,
	"status" text NOT NULL,
	"component" text NOT NULL,
	"message" text,
	"started_at" timestamp with time zone NOT NULL,
	"resolved_at" timestamp with time zone NOT NULL,
	"created_by" uuid,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"updates" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"archived_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "alert_notifications" ADD CONSTRAINT "alert_notifications_rule_id_alert_rules_id_fk" FOREIGN KEY ("rule_id") REFERENCES "public"."alert_rules"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alert_state" ADD CONSTRAINT "alert_state_rule_id_alert_rules_id_fk" FOREIGN KEY ("rule_id") REFERENCES "public"."alert_rules"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "incident_updates" ADD CONSTRAINT "incident_updates_incident_id_system_status_id_fk" FOREIGN KEY ("incident_id") REFERENCES "public"."system_status"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "alert_notifications_due_idx" ON "alert_notifications" USING btree ("next_attempt_at") WHERE "alert_notifications"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "incident_updates_incident_idx" ON "incident_updates" USING btree ("incident_id","created_at");
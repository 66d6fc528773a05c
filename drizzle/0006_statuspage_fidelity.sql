DROP INDEX "audit_log_created_at_idx";--> statement-breakpoint
DROP INDEX "audit_log_entity_idx";--> statement-breakpoint
ALTER TABLE "audit_log" ADD COLUMN "seq" bigint NOT NULL GENERATED ALWAYS AS IDENTITY (sequence name "audit_log_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1);--> statement-breakpoint
ALTER TABLE "incident_updates" ADD COLUMN "phase" text DEFAULT 'investigating' NOT NULL;--> statement-breakpoint
ALTER TABLE "maintenance_windows" ADD COLUMN "components" text[];--> statement-breakpoint
ALTER TABLE "system_status" ADD COLUMN "phase" text DEFAULT 'investigating' NOT NULL;--> statement-breakpoint
CREATE INDEX "audit_log_seq_idx" ON "audit_log" USING btree ("seq" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "audit_log_entity_idx" ON "audit_log" USING btree ("entity","entity_key","seq" DESC NULLS LAST);--> statement-breakpoint
ALTER TABLE "incident_updates" ADD CONSTRAINT "incident_updates_phase_check" CHECK ("incident_updates"."phase" IN ('investigating', 'identified', 'monitoring', 'resolved'));--> statement-breakpoint
ALTER TABLE "maintenance_windows" ADD CONSTRAINT "maintenance_windows_components_check" CHECK ("maintenance_windows"."components" IS NULL OR (cardinality("maintenance_windows"."components") > 0 AND "maintenance_windows"."components" <@ ARRAY['api', 'database', 'stripe', 'twilio', 'email', 'portal', 'crm']::text[]));--> statement-breakpoint
ALTER TABLE "system_status" ADD CONSTRAINT "system_status_phase_check" CHECK ("system_status"."phase" IN ('investigating', 'identified', 'monitoring', 'resolved'));--> statement-breakpoint
-- Incidents already resolved read as resolved.
UPDATE "system_status" SET "phase" = 'resolved' WHERE "resolved_at" IS NOT NULL;--> statement-breakpoint
UPDATE "incident_updates" SET "phase" = 'resolved' WHERE "resolved";

-- Defense in depth (the spec: "use RLS to restrict modifications to admins only").
-- Two roles, created without LOGIN: an operator gives each a password and uses them as
-- DATABASE_READ_URL (public answers and OFREP: phs_reader) and DATABASE_URL (admin writes
-- and the crons: phs_writer, or the owner). Privileges say who may do what; row-level
-- security says it again, so a grant given by mistake still writes nothing. The owner that
-- runs these migrations is not bound by the policies (RLS is not forced).
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'phs_reader') THEN CREATE ROLE phs_reader NOLOGIN; END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'phs_writer') THEN CREATE ROLE phs_writer NOLOGIN; END IF;
END
$$;
--> statement-breakpoint
GRANT USAGE ON SCHEMA public TO phs_reader, phs_writer;
--> statement-breakpoint
-- What public answers read: status, the page and its formats, health, OFREP.
GRANT SELECT ON feature_flags, maintenance_windows, system_status, incident_updates, health_check_logs, health_check_daily TO phs_reader;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO phs_writer;
--> statement-breakpoint
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO phs_writer;
--> statement-breakpoint
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO phs_reader, phs_writer;
--> statement-breakpoint
ALTER TABLE feature_flags ENABLE ROW LEVEL SECURITY;
ALTER TABLE flag_rollouts ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE system_status ENABLE ROW LEVEL SECURITY;
ALTER TABLE incident_updates ENABLE ROW LEVEL SECURITY;
ALTER TABLE system_status_archive ENABLE ROW LEVEL SECURITY;
ALTER TABLE maintenance_windows ENABLE ROW LEVEL SECURITY;
ALTER TABLE health_check_logs ENABLE ROW LEVEL SECURITY;
ALTER TABLE health_check_daily ENABLE ROW LEVEL SECURITY;
ALTER TABLE alert_rules ENABLE ROW LEVEL SECURITY;
ALTER TABLE alert_state ENABLE ROW LEVEL SECURITY;
ALTER TABLE alert_notifications ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
-- The reader may read what public answers show, and write nothing anywhere.
CREATE POLICY reader_reads ON feature_flags FOR SELECT TO phs_reader USING (true);
CREATE POLICY reader_reads ON maintenance_windows FOR SELECT TO phs_reader USING (true);
CREATE POLICY reader_reads ON system_status FOR SELECT TO phs_reader USING (true);
CREATE POLICY reader_reads ON incident_updates FOR SELECT TO phs_reader USING (true);
CREATE POLICY reader_reads ON health_check_logs FOR SELECT TO phs_reader USING (true);
CREATE POLICY reader_reads ON health_check_daily FOR SELECT TO phs_reader USING (true);
--> statement-breakpoint
-- The writer may do everything the admin API and the crons do.
CREATE POLICY writer_all ON feature_flags FOR ALL TO phs_writer USING (true) WITH CHECK (true);
CREATE POLICY writer_all ON flag_rollouts FOR ALL TO phs_writer USING (true) WITH CHECK (true);
CREATE POLICY writer_all ON audit_log FOR ALL TO phs_writer USING (true) WITH CHECK (true);
CREATE POLICY writer_all ON system_status FOR ALL TO phs_writer USING (true) WITH CHECK (true);
CREATE POLICY writer_all ON incident_updates FOR ALL TO phs_writer USING (true) WITH CHECK (true);
CREATE POLICY writer_all ON system_status_archive FOR ALL TO phs_writer USING (true) WITH CHECK (true);
CREATE POLICY writer_all ON maintenance_windows FOR ALL TO phs_writer USING (true) WITH CHECK (true);
CREATE POLICY writer_all ON health_check_logs FOR ALL TO phs_writer USING (true) WITH CHECK (true);
CREATE POLICY writer_all ON health_check_daily FOR ALL TO phs_writer USING (true) WITH CHECK (true);
CREATE POLICY writer_all ON alert_rules FOR ALL TO phs_writer USING (true) WITH CHECK (true);
CREATE POLICY writer_all ON alert_state FOR ALL TO phs_writer USING (true) WITH CHECK (true);
CREATE POLICY writer_all ON alert_notifications FOR ALL TO phs_writer USING (true) WITH CHECK (true);

-- The spec's database functions. is_feature_enabled() arrives with the feature-flags work.

-- Components with unresolved incidents: the most severe open incident of each (newest on a tie).
CREATE OR REPLACE FUNCTION get_system_status()
RETURNS TABLE (component text, status text, message text, since timestamptz)
LANGUAGE sql STABLE AS $$
  SELECT DISTINCT ON (s.component) s.component, s.status, s.message, s.started_at
  FROM system_status s
  WHERE s.resolved_at IS NULL
  ORDER BY s.component,
    array_position(ARRAY['operational', 'maintenance', 'degraded', 'partial_outage', 'major_outage'], s.status) DESC,
    s.started_at DESC
$$;
--> statement-breakpoint
-- Scheduled windows starting within the next hours_ahead hours that have not already ended.
CREATE OR REPLACE FUNCTION get_upcoming_maintenance(hours_ahead integer DEFAULT 168)
RETURNS TABLE (
  id uuid, title text, description text, scheduled_start timestamptz, scheduled_end timestamptz,
  status text, affects_portal boolean, affects_crm boolean
)
LANGUAGE sql STABLE AS $$
  SELECT m.id, m.title, m.description, m.scheduled_start, m.scheduled_end, m.status, m.affects_portal, m.affects_crm
  FROM maintenance_windows m
  WHERE m.status = 'scheduled'
    AND m.scheduled_start <= now() + make_interval(hours => hours_ahead)
    AND m.scheduled_end > now()
  ORDER BY m.scheduled_start, m.id
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION log_health_check(
  component text, status text, response_time_ms integer, error_message text, metadata jsonb DEFAULT '{}'::jsonb
)
RETURNS uuid
LANGUAGE sql VOLATILE AS $$
  INSERT INTO health_check_logs (component, status, response_time_ms, error_message, metadata)
  VALUES ($1, $2, $3, $4, coalesce($5, '{}'::jsonb))
  RETURNING id
$$;

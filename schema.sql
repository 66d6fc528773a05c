-- Portal health & status: the whole database schema in one file.
--
-- The migrations in drizzle/ are what deployments apply (npm run db:migrate); this file
-- is the same schema written for reading, and a test builds one database from each and
-- compares their catalogs, so the two cannot drift apart.

-- Feature flags: a master switch, a rollout percentage and allow-lists of users and customers.
CREATE TABLE feature_flags (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  key                text NOT NULL CONSTRAINT feature_flags_key_unique UNIQUE,
  name               text NOT NULL,
  description        text,
  enabled            boolean NOT NULL DEFAULT false,
  rollout_percentage integer NOT NULL DEFAULT 100
                     CONSTRAINT feature_flags_rollout_percentage_check CHECK (rollout_percentage BETWEEN 0 AND 100),
  user_ids           uuid[] NOT NULL DEFAULT '{}'::uuid[],
  customer_ids       uuid[] NOT NULL DEFAULT '{}'::uuid[],
  metadata           jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  created_by         uuid,
  updated_by         uuid
);

-- Health probe results, one row a component a check.
CREATE TABLE health_check_logs (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  component        text NOT NULL,
  status           text NOT NULL
                   CONSTRAINT health_check_logs_status_check CHECK (status IN ('healthy', 'degraded', 'unhealthy')),
  response_time_ms integer
                   CONSTRAINT health_check_logs_response_time_check CHECK (response_time_ms IS NULL OR response_time_ms >= 0),
  error_message    text,
  checked_at       timestamptz NOT NULL DEFAULT now(),
  metadata         jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX health_check_logs_component_checked_at_idx ON health_check_logs (component, checked_at DESC NULLS LAST);
CREATE INDEX health_check_logs_checked_at_idx ON health_check_logs (checked_at);

-- Maintenance windows; portal windows in progress put /api/portal/status into maintenance mode.
CREATE TABLE maintenance_windows (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  title           text NOT NULL,
  description     text,
  scheduled_start timestamptz NOT NULL,
  scheduled_end   timestamptz NOT NULL,
  actual_start    timestamptz,
  actual_end      timestamptz,
  status          text NOT NULL DEFAULT 'scheduled'
                  CONSTRAINT maintenance_windows_status_check
                  CHECK (status IN ('scheduled', 'in_progress', 'completed', 'cancelled')),
  affects_portal  boolean NOT NULL DEFAULT true,
  affects_crm     boolean NOT NULL DEFAULT false,
  created_at      timestamptz NOT NULL DEFAULT now(),
  created_by      uuid,
  metadata        jsonb NOT NULL DEFAULT '{}'::jsonb,
  CONSTRAINT maintenance_windows_schedule_check CHECK (scheduled_end > scheduled_start)
);
CREATE INDEX maintenance_windows_status_start_idx ON maintenance_windows (status, scheduled_start);

-- Incidents: a row per known issue; resolved_at IS NULL while it is open.
CREATE TABLE system_status (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  status      text NOT NULL
              CONSTRAINT system_status_status_check
              CHECK (status IN ('operational', 'degraded', 'partial_outage', 'major_outage', 'maintenance')),
  component   text NOT NULL
              CONSTRAINT system_status_component_check
              CHECK (component IN ('api', 'database', 'stripe', 'twilio', 'email', 'portal', 'crm')),
  message     text,
  started_at  timestamptz NOT NULL DEFAULT now(),
  resolved_at timestamptz,
  created_by  uuid,
  metadata    jsonb NOT NULL DEFAULT '{}'::jsonb,
  CONSTRAINT system_status_resolved_after_start_check CHECK (resolved_at IS NULL OR resolved_at >= started_at)
);
CREATE INDEX system_status_started_at_idx ON system_status (started_at DESC NULLS LAST);
CREATE INDEX system_status_unresolved_idx ON system_status (component, started_at) WHERE resolved_at IS NULL;

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

CREATE OR REPLACE FUNCTION log_health_check(
  component text, status text, response_time_ms integer, error_message text, metadata jsonb DEFAULT '{}'::jsonb
)
RETURNS uuid
LANGUAGE sql VOLATILE AS $$
  INSERT INTO health_check_logs (component, status, response_time_ms, error_message, metadata)
  VALUES ($1, $2, $3, $4, coalesce($5, '{}'::jsonb))
  RETURNING id
$$;

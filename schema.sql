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
  updated_by         uuid,
  -- Mixed into every bucket hash, so each flag picks its own slice of users.
  salt               text NOT NULL DEFAULT substr(md5(gen_random_uuid()::text), 1, 16)
                     CONSTRAINT feature_flags_salt_check CHECK (salt ~ '^[A-Za-z0-9_-]{1,64}$'),
  -- When the flag last became enabled at 100 % (kept by a trigger); null otherwise.
  full_rollout_since timestamptz,
  -- The spec's "Documentation" practice: owner, first full release (kept by the trigger,
  -- never cleared), and the date by which the flag should be gone.
  owner              text CONSTRAINT feature_flags_owner_check CHECK (owner IS NULL OR length(owner) BETWEEN 1 AND 200),
  released_at        timestamptz,
  remove_by          date,
  -- Prerequisites: flags that must be on for the same user and customer (acyclic, checked on write).
  requires           text[] NOT NULL DEFAULT '{}'::text[],
  -- Components the feature relies on: its rollout holds while any is down.
  depends_on         text[] NOT NULL DEFAULT '{}'::text[]
                     CONSTRAINT feature_flags_depends_on_check
                     CHECK (array_to_string(depends_on, ',') ~ '^([a-z][a-z0-9_]{1,31}(,[a-z][a-z0-9_]{1,31})*)?$'),
  CONSTRAINT feature_flags_key_check CHECK (key ~ '^[a-z][a-z0-9_]{2,63}$'),
  CONSTRAINT feature_flags_requires_check CHECK (cardinality(requires) <= 10 AND NOT (key = ANY (requires))
    AND array_to_string(requires, ',') ~ '^([a-z][a-z0-9_]{2,63}(,[a-z][a-z0-9_]{2,63})*)?$')
);

-- Gradual rollouts: the flag's percentage is a pure function of the plan and the time.
-- started_at moves forward by the length of each pause, so a pause stops the clock.
CREATE TABLE flag_rollouts (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  flag_id          uuid NOT NULL
                   CONSTRAINT flag_rollouts_flag_id_feature_flags_id_fk REFERENCES feature_flags (id) ON DELETE CASCADE,
  start_percentage integer NOT NULL,
  end_percentage   integer NOT NULL,
  duration_hours   integer NOT NULL,
  interval_hours   integer NOT NULL,
  status           text NOT NULL DEFAULT 'active',
  started_at       timestamptz NOT NULL DEFAULT now(),
  paused_at        timestamptz,
  applied_step     integer NOT NULL DEFAULT 0,
  finished_at      timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now(),
  created_by       uuid,
  -- The guard: hold (or roll back a step) while the flag's error rate over the current step
  -- passes max_error_rate (once there are min_evaluations), or while a component the flag
  -- depends on is down; resume once it has been clear for resume_after_minutes. A held
  -- plan's clock stands still, as a paused one's does.
  max_error_rate       numeric(6, 5),
  min_evaluations      integer NOT NULL DEFAULT 100,
  on_error_rate        text NOT NULL DEFAULT 'hold',
  resume_after_minutes integer NOT NULL DEFAULT 30,
  held_at              timestamptz,
  hold_reason          text,
  guard_clear_since    timestamptz,
  CONSTRAINT flag_rollouts_percentages_check
    CHECK (start_percentage BETWEEN 0 AND 100 AND end_percentage BETWEEN 0 AND 100),
  CONSTRAINT flag_rollouts_timing_check CHECK (interval_hours > 0 AND duration_hours >= interval_hours),
  CONSTRAINT flag_rollouts_status_check CHECK (status IN ('active', 'paused', 'held', 'completed', 'cancelled')),
  CONSTRAINT flag_rollouts_held_check CHECK ((status = 'held') = (held_at IS NOT NULL AND hold_reason IS NOT NULL)),
  CONSTRAINT flag_rollouts_guard_check CHECK ((max_error_rate IS NULL OR max_error_rate BETWEEN 0 AND 1) AND min_evaluations >= 1
    AND resume_after_minutes BETWEEN 1 AND 10080 AND on_error_rate IN ('hold', 'rollback')),
  CONSTRAINT flag_rollouts_paused_check CHECK ((status = 'paused') = (paused_at IS NOT NULL))
);
-- At most one live plan per flag.
CREATE UNIQUE INDEX flag_rollouts_live_flag_idx ON flag_rollouts (flag_id) WHERE status IN ('active', 'paused', 'held');

-- Every admin change and automatic step, written in the same transaction as the change.
CREATE TABLE audit_log (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  actor_id   uuid,
  action     text NOT NULL,
  entity     text NOT NULL,
  entity_key text NOT NULL,
  before     jsonb,
  after      jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- Taken after the change's row locks: the order changes were applied in.
  seq        bigint NOT NULL GENERATED ALWAYS AS IDENTITY (sequence name "audit_log_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1)
);
CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_key, seq DESC NULLS LAST);
CREATE INDEX audit_log_seq_idx ON audit_log (seq DESC NULLS LAST);

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
  -- The components the window takes down, when named; null means what the two flags imply.
  components      text[]
                  CONSTRAINT maintenance_windows_components_check
                  CHECK (components IS NULL OR (cardinality(components) > 0 AND array_to_string(components, ',') ~ '^[a-z][a-z0-9_]{1,31}(,[a-z][a-z0-9_]{1,31})*$')),
  CONSTRAINT maintenance_windows_schedule_check CHECK (scheduled_end > scheduled_start)
);
CREATE INDEX maintenance_windows_status_start_idx ON maintenance_windows (status, scheduled_start);

-- Incidents: a row per known issue; resolved_at IS NULL while it is open.
CREATE TABLE system_status (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  status      text NOT NULL
              CONSTRAINT system_status_status_check
              CHECK (status IN ('operational', 'degraded', 'partial_outage', 'major_outage', 'maintenance')),
  -- Which components exist is the registry's (src/components/registry.ts); here, their form.
  component   text NOT NULL
              CONSTRAINT system_status_component_check
              CHECK (component ~ '^[a-z][a-z0-9_]{1,31}$'),
  message     text,
  started_at  timestamptz NOT NULL DEFAULT now(),
  resolved_at timestamptz,
  created_by  uuid,
  metadata    jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- Statuspage's phases; a resolved incident (resolved_at set) reads as resolved.
  phase       text NOT NULL DEFAULT 'investigating'
              CONSTRAINT system_status_phase_check
              CHECK (phase IN ('investigating', 'identified', 'monitoring', 'resolved')),
  CONSTRAINT system_status_resolved_after_start_check CHECK (resolved_at IS NULL OR resolved_at >= started_at)
);
CREATE INDEX system_status_started_at_idx ON system_status (started_at DESC NULLS LAST);
CREATE INDEX system_status_unresolved_idx ON system_status (component, started_at) WHERE resolved_at IS NULL;

-- Each change to an incident, so it shows how it evolved.
CREATE TABLE incident_updates (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  incident_id uuid NOT NULL
              CONSTRAINT incident_updates_incident_id_system_status_id_fk REFERENCES system_status (id) ON DELETE CASCADE,
  status      text NOT NULL
              CONSTRAINT incident_updates_status_check
              CHECK (status IN ('operational', 'degraded', 'partial_outage', 'major_outage', 'maintenance')),
  message     text,
  resolved    boolean NOT NULL DEFAULT false,
  created_at  timestamptz NOT NULL DEFAULT now(),
  created_by  uuid,
  phase       text NOT NULL DEFAULT 'investigating'
              CONSTRAINT incident_updates_phase_check
              CHECK (phase IN ('investigating', 'identified', 'monitoring', 'resolved'))
);
CREATE INDEX incident_updates_incident_idx ON incident_updates (incident_id, created_at);

-- Resolved incidents past retention (90 days), with their timeline.
CREATE TABLE system_status_archive (
  id          uuid PRIMARY KEY,
  status      text NOT NULL,
  component   text NOT NULL,
  message     text,
  started_at  timestamptz NOT NULL,
  resolved_at timestamptz NOT NULL,
  created_by  uuid,
  metadata    jsonb NOT NULL DEFAULT '{}'::jsonb,
  updates     jsonb NOT NULL DEFAULT '[]'::jsonb,
  archived_at timestamptz NOT NULL DEFAULT now()
);

-- Daily roll-up of health_check_logs per component, kept after the raw logs expire.
CREATE TABLE health_check_daily (
  day              date NOT NULL,
  component        text NOT NULL,
  checks           integer NOT NULL,
  healthy          integer NOT NULL,
  degraded         integer NOT NULL,
  unhealthy        integer NOT NULL,
  -- Checks inside completed maintenance windows on the component's surface, left out of uptime.
  excluded_checks  integer NOT NULL DEFAULT 0,
  excluded_seconds integer NOT NULL DEFAULT 0,
  uptime_percent   numeric(7, 4),
  p50_ms           integer,
  p95_ms           integer,
  p99_ms           integer,
  computed_at      timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT health_check_daily_day_component_pk PRIMARY KEY (day, component)
);

-- Feature signals, per flag and hour: evaluations by result, and the events applications
-- report ("error", "conversion", …); flushed from memory at most once a minute per isolate.
CREATE TABLE flag_signal_hours (
  hour      timestamptz NOT NULL,
  flag_key  text NOT NULL,
  signal    text NOT NULL,
  count     bigint NOT NULL,
  value_sum double precision NOT NULL DEFAULT 0,
  CONSTRAINT flag_signal_hours_hour_flag_key_signal_pk PRIMARY KEY (hour, flag_key, signal),
  CONSTRAINT flag_signal_hours_signal_check CHECK (signal ~ '^(evaluated:(on|off)|event:[a-z][a-z0-9_.-]{0,63})$'),
  CONSTRAINT flag_signal_hours_count_check CHECK (count >= 0)
);

-- Adoption per flag and day: HyperLogLog sketches of the customers evaluated and enabled.
CREATE TABLE flag_adoption_days (
  day       date NOT NULL,
  flag_key  text NOT NULL,
  evaluated smallint[] NOT NULL,
  enabled   smallint[] NOT NULL,
  CONSTRAINT flag_adoption_days_day_flag_key_pk PRIMARY KEY (day, flag_key)
);

-- Subscribers: people and systems told about incidents and maintenance. Only what sending
-- needs is kept: the address, the components, and when it was confirmed.
CREATE TABLE subscribers (
  id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  channel              text NOT NULL CONSTRAINT subscribers_channel_check CHECK (channel IN ('email', 'webhook', 'slack')),
  address              text NOT NULL CONSTRAINT subscribers_address_check CHECK (length(address) BETWEEN 3 AND 2048),
  components           text[] NOT NULL DEFAULT '{}'::text[]
                       CONSTRAINT subscribers_components_check
                       CHECK (array_to_string(components, ',') ~ '^([a-z][a-z0-9_]{1,31}(,[a-z][a-z0-9_]{1,31})*)?$'),
  status               text NOT NULL DEFAULT 'pending'
                       CONSTRAINT subscribers_status_check CHECK (status IN ('pending', 'active', 'paused', 'unsubscribed')),
  created_at           timestamptz NOT NULL DEFAULT now(),
  confirmation_sent_at timestamptz,
  confirmed_at         timestamptz,
  unsubscribed_at      timestamptz,
  paused_at            timestamptz,
  pause_reason         text,
  consecutive_failures integer NOT NULL DEFAULT 0,
  CONSTRAINT subscribers_paused_check CHECK ((status = 'paused') = (paused_at IS NOT NULL))
);
CREATE UNIQUE INDEX subscribers_channel_address_idx ON subscribers (channel, address);
CREATE INDEX subscribers_active_idx ON subscribers (status) WHERE status = 'active';

-- What subscribers are told: one row per change, fanned out to deliveries by the cron.
CREATE TABLE notification_events (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  kind          text NOT NULL CONSTRAINT notification_events_kind_check CHECK (kind IN ('incident.opened', 'incident.updated', 'incident.resolved',
                  'maintenance.scheduled', 'maintenance.reminder', 'maintenance.started', 'maintenance.completed', 'maintenance.cancelled')),
  dedup_key     text NOT NULL CONSTRAINT notification_events_dedup_key_unique UNIQUE,
  components    text[] NOT NULL,
  message       jsonb NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  fanned_out_at timestamptz
);
CREATE INDEX notification_events_pending_idx ON notification_events (created_at) WHERE fanned_out_at IS NULL;

-- One message to one subscriber: leased, retried with backoff, sent once.
CREATE TABLE subscriber_deliveries (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id        uuid NOT NULL
                  CONSTRAINT subscriber_deliveries_event_id_notification_events_id_fk REFERENCES notification_events (id) ON DELETE CASCADE,
  subscriber_id   uuid NOT NULL
                  CONSTRAINT subscriber_deliveries_subscriber_id_subscribers_id_fk REFERENCES subscribers (id) ON DELETE CASCADE,
  status          text NOT NULL DEFAULT 'pending'
                  CONSTRAINT subscriber_deliveries_status_check CHECK (status IN ('pending', 'sent', 'failed', 'skipped')),
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  batch_key       text,
  last_error      text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  sent_at         timestamptz
);
CREATE UNIQUE INDEX subscriber_deliveries_event_subscriber_idx ON subscriber_deliveries (event_id, subscriber_id);
CREATE INDEX subscriber_deliveries_due_idx ON subscriber_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX subscriber_deliveries_subscriber_idx ON subscriber_deliveries (subscriber_id);

-- The spec's recommended alerts, as data.
CREATE TABLE alert_rules (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name             text NOT NULL CONSTRAINT alert_rules_name_unique UNIQUE,
  target           text NOT NULL, -- a component, 'any' or 'overall'
  condition        text NOT NULL
                   CONSTRAINT alert_rules_condition_check
                   CHECK (condition IN ('unhealthy', 'degraded', 'slow', 'partial_outage', 'major_outage')),
  threshold_ms     integer,
  duration_seconds integer NOT NULL CONSTRAINT alert_rules_duration_check CHECK (duration_seconds >= 0),
  severity         text NOT NULL CONSTRAINT alert_rules_severity_check CHECK (severity IN ('page', 'warn')),
  channels         text[] NOT NULL,
  enabled          boolean NOT NULL DEFAULT true,
  created_at       timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT alert_rules_slow_check CHECK ((condition = 'slow') = (threshold_ms IS NOT NULL))
);

-- Where each rule stands, so a rerun never notifies twice.
CREATE TABLE alert_state (
  rule_id     uuid PRIMARY KEY
              CONSTRAINT alert_state_rule_id_alert_rules_id_fk REFERENCES alert_rules (id) ON DELETE CASCADE,
  firing      boolean NOT NULL DEFAULT false,
  since       timestamptz,
  fired_at    timestamptz,
  resolved_at timestamptz,
  dedup_key   text
);

-- The outbox of notifications, delivered and retried by the cron.
CREATE TABLE alert_notifications (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  rule_id         uuid CONSTRAINT alert_notifications_rule_id_alert_rules_id_fk REFERENCES alert_rules (id) ON DELETE SET NULL,
  event           text NOT NULL,
  channel         text NOT NULL
                  CONSTRAINT alert_notifications_channel_check CHECK (channel IN ('webhook', 'slack', 'pagerduty')),
  payload         jsonb NOT NULL,
  status          text NOT NULL DEFAULT 'pending'
                  CONSTRAINT alert_notifications_status_check CHECK (status IN ('pending', 'sent', 'failed', 'skipped')),
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_error      text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  sent_at         timestamptz
);
CREATE INDEX alert_notifications_due_idx ON alert_notifications (next_attempt_at) WHERE status = 'pending';

-- Who an actor id is, for people the operator console signs in (a Cloudflare Access
-- identity's id is derived from its email); the audit log shows the name.
CREATE TABLE console_actors (
  id            uuid PRIMARY KEY,
  name          text NOT NULL,
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at  timestamptz NOT NULL DEFAULT now()
);

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

-- Flag evaluation in SQL, computing exactly what src/flags/bucket.ts and evaluate.ts compute.
-- The bucket hash is FNV-1a (32-bit) over the UTF-8 bytes of salt || ':' || id, finished
-- with MurmurHash3's fmix32, modulo 100. Only documented integer operations are used (no
-- hashtext(), whose output may change between Postgres versions).

-- (a * b) mod 2^32 for a, b in [0, 2^32), without overflowing bigint.
CREATE OR REPLACE FUNCTION flag_mul32(a bigint, b bigint)
RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT ((a * (b & 65535)) + (((a * (b >> 16)) & 65535) << 16)) & 4294967295
$$;
CREATE OR REPLACE FUNCTION flag_bucket(salt text, id text)
RETURNS integer
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  input bytea := convert_to(salt || ':' || id, 'UTF8');
  h bigint := 2166136261;
BEGIN
  FOR i IN 0 .. length(input) - 1 LOOP
    h := ((h # get_byte(input, i)) * 16777619) & 4294967295;
  END LOOP;
  h := h # (h >> 16);
  h := flag_mul32(h, 2246822507);
  h := h # (h >> 13);
  h := flag_mul32(h, 3266489909);
  h := h # (h >> 16);
  RETURN (h % 100)::integer;
END
$$;
-- The spec's evaluation order, with prerequisites after the master switch (as LaunchDarkly
-- orders them): disabled; a prerequisite off for this user and customer; user whitelist;
-- customer whitelist; rollout. The rollout hashes the customer id when given (a whole
-- customer sees the same thing), else the user id; 0 % is always off and 100 % always on;
-- with no id, off. Prerequisites form no cycle (checked on write), so the recursion ends.
CREATE OR REPLACE FUNCTION is_feature_enabled(feature_key text, user_id uuid DEFAULT NULL, customer_id uuid DEFAULT NULL)
RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
DECLARE
  f feature_flags%ROWTYPE;
  hashed text := coalesce(customer_id, user_id)::text;
BEGIN
  SELECT * INTO f FROM feature_flags WHERE key = feature_key;
  IF NOT FOUND OR NOT f.enabled THEN
    RETURN false;
  END IF;
  IF EXISTS (SELECT 1 FROM unnest(f.requires) AS r(k) WHERE NOT is_feature_enabled(r.k, user_id, customer_id)) THEN
    RETURN false;
  END IF;
  IF user_id IS NOT NULL AND user_id = ANY (f.user_ids) THEN
    RETURN true;
  END IF;
  IF customer_id IS NOT NULL AND customer_id = ANY (f.customer_ids) THEN
    RETURN true;
  END IF;
  IF f.rollout_percentage >= 100 THEN
    RETURN true;
  END IF;
  IF f.rollout_percentage <= 0 OR hashed IS NULL THEN
    RETURN false;
  END IF;
  RETURN flag_bucket(f.salt, hashed) < f.rollout_percentage;
END
$$;
-- Remembers since when a flag has been fully on (for the stale-flag report), and when it
-- was first fully released (never cleared: the spec's "track when feature was fully released").
CREATE OR REPLACE FUNCTION feature_flags_track_full_rollout()
RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.enabled AND NEW.rollout_percentage = 100 THEN
    IF TG_OP = 'UPDATE' AND OLD.enabled AND OLD.rollout_percentage = 100 THEN
      NEW.full_rollout_since := OLD.full_rollout_since;
    ELSE
      NEW.full_rollout_since := coalesce(NEW.full_rollout_since, now());
    END IF;
    NEW.released_at := coalesce(NEW.released_at, NEW.full_rollout_since);
  ELSE
    NEW.full_rollout_since := NULL;
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER feature_flags_track_full_rollout
BEFORE INSERT OR UPDATE ON feature_flags
FOR EACH ROW EXECUTE FUNCTION feature_flags_track_full_rollout();

-- The spec's six recommended alerts (pages to PagerDuty, warnings to Slack, all to the webhook).
INSERT INTO alert_rules (name, target, condition, threshold_ms, duration_seconds, severity, channels) VALUES
  ('Database Unhealthy',      'database', 'unhealthy',      NULL, 120, 'page', ARRAY['pagerduty', 'webhook']),
  ('Major Outage',            'overall',  'major_outage',   NULL,  60, 'page', ARRAY['pagerduty', 'webhook']),
  ('Payment Processing Down', 'stripe',   'unhealthy',      NULL, 300, 'page', ARRAY['pagerduty', 'webhook']),
  ('Degraded Performance',    'any',      'degraded',       NULL, 600, 'warn', ARRAY['slack', 'webhook']),
  ('Partial Outage',          'overall',  'partial_outage', NULL, 300, 'warn', ARRAY['slack', 'webhook']),
  ('Slow Database',           'database', 'slow',           1000, 900, 'warn', ARRAY['slack', 'webhook']);

-- Defense in depth: a read-only role for public answers, a writer for admin changes and
-- the crons, and row-level security that says it again (see drizzle/0007_database_roles.sql).
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'phs_reader') THEN CREATE ROLE phs_reader NOLOGIN; END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'phs_writer') THEN CREATE ROLE phs_writer NOLOGIN; END IF;
END
$$;
-- Two HyperLogLog sketches merged: the larger of each register (the union of what both saw).
CREATE OR REPLACE FUNCTION hll_merge(a smallint[], b smallint[])
RETURNS smallint[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT array_agg(greatest(x, y) ORDER BY n) FROM unnest(a, b) WITH ORDINALITY AS t(x, y, n)
$$;

GRANT USAGE ON SCHEMA public TO phs_reader, phs_writer;
-- What public answers read: status, the page and its formats, health, OFREP.
GRANT SELECT ON feature_flags, maintenance_windows, system_status, incident_updates, health_check_logs, health_check_daily TO phs_reader;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO phs_writer;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO phs_writer;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO phs_reader, phs_writer;
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
ALTER TABLE flag_signal_hours ENABLE ROW LEVEL SECURITY;
ALTER TABLE flag_adoption_days ENABLE ROW LEVEL SECURITY;
ALTER TABLE subscribers ENABLE ROW LEVEL SECURITY;
ALTER TABLE notification_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE subscriber_deliveries ENABLE ROW LEVEL SECURITY;
ALTER TABLE console_actors ENABLE ROW LEVEL SECURITY;
-- The reader may read what public answers show, and write nothing anywhere.
CREATE POLICY reader_reads ON feature_flags FOR SELECT TO phs_reader USING (true);
CREATE POLICY reader_reads ON maintenance_windows FOR SELECT TO phs_reader USING (true);
CREATE POLICY reader_reads ON system_status FOR SELECT TO phs_reader USING (true);
CREATE POLICY reader_reads ON incident_updates FOR SELECT TO phs_reader USING (true);
CREATE POLICY reader_reads ON health_check_logs FOR SELECT TO phs_reader USING (true);
CREATE POLICY reader_reads ON health_check_daily FOR SELECT TO phs_reader USING (true);
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
CREATE POLICY writer_all ON flag_signal_hours FOR ALL TO phs_writer USING (true) WITH CHECK (true);
CREATE POLICY writer_all ON flag_adoption_days FOR ALL TO phs_writer USING (true) WITH CHECK (true);
CREATE POLICY writer_all ON subscribers FOR ALL TO phs_writer USING (true) WITH CHECK (true);
CREATE POLICY writer_all ON notification_events FOR ALL TO phs_writer USING (true) WITH CHECK (true);
CREATE POLICY writer_all ON subscriber_deliveries FOR ALL TO phs_writer USING (true) WITH CHECK (true);
CREATE POLICY writer_all ON console_actors FOR ALL TO phs_writer USING (true) WITH CHECK (true);

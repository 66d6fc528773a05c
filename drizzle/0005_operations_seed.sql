-- The spec's six recommended alerts. Pages go to PagerDuty, warnings to Slack; both also
-- to the generic webhook. Channels that are not configured are skipped (and logged).
INSERT INTO alert_rules (name, target, condition, threshold_ms, duration_seconds, severity, channels) VALUES
  ('Database Unhealthy',      'database', 'unhealthy',      NULL, 120, 'page', ARRAY['pagerduty', 'webhook']),
  ('Major Outage',            'overall',  'major_outage',   NULL,  60, 'page', ARRAY['pagerduty', 'webhook']),
  ('Payment Processing Down', 'stripe',   'unhealthy',      NULL, 300, 'page', ARRAY['pagerduty', 'webhook']),
  ('Degraded Performance',    'any',      'degraded',       NULL, 600, 'warn', ARRAY['slack', 'webhook']),
  ('Partial Outage',          'overall',  'partial_outage', NULL, 300, 'warn', ARRAY['slack', 'webhook']),
  ('Slow Database',           'database', 'slow',           1000, 900, 'warn', ARRAY['slack', 'webhook'])
ON CONFLICT (name) DO NOTHING;
--> statement-breakpoint
-- Incidents that existed before timelines did get their opening entry.
INSERT INTO incident_updates (incident_id, status, message, resolved, created_at, created_by)
SELECT s.id, s.status, s.message, false, s.started_at, s.created_by FROM system_status s
WHERE NOT EXISTS (SELECT 1 FROM incident_updates u WHERE u.incident_id = s.id);

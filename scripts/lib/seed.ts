// Demo data for `npm run dev`. Idempotent: fixed ids and keys, so a rerun adds nothing;
// the demo maintenance window is moved forward only once it has passed.
import { withClient } from "./postgres.ts";

export const DEMO_ACTOR = "00000000-0000-4000-8000-000000000001";

const FLAGS = [
  ["portal_analytics", "Analytics", "Usage analytics dashboard for customers", true, 100],
  ["portal_messaging", "Messaging", "In-portal messaging with the support team", true, 100],
  ["portal_dark_mode", "Dark mode", "Dark colour scheme toggle", true, 50],
  ["portal_ai_chat", "AI chat", "AI assistant in the portal (beta)", false, 0],
] as const;

export async function seedDemoData(url: string): Promise<void> {
  await withClient(url, async (client) => {
    await client.query("BEGIN");
    for (const [key, name, description, enabled, rollout] of FLAGS) {
      await client.query(
        `INSERT INTO feature_flags (key, name, description, enabled, rollout_percentage, created_by, updated_by)
         VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (key) DO NOTHING`,
        [key, name, description, enabled, rollout, DEMO_ACTOR],
      );
    }
    await client.query(
      `INSERT INTO maintenance_windows (id, title, description, scheduled_start, scheduled_end, affects_portal, affects_crm, created_by)
       VALUES ('7d3c9a2e-5b1f-4c8e-9a6d-2f4e8b1c0a01', 'Database upgrade', 'Upgrading to PostgreSQL 17',
               date_trunc('hour', now()) + interval '3 days 2 hours', date_trunc('hour', now()) + interval '3 days 5 hours', true, false, $1)
       ON CONFLICT (id) DO UPDATE SET status = 'scheduled', actual_start = NULL, actual_end = NULL,
         scheduled_start = excluded.scheduled_start, scheduled_end = excluded.scheduled_end
       WHERE maintenance_windows.scheduled_end < now()`,
      [DEMO_ACTOR],
    );
    await client.query(
      `INSERT INTO system_status (id, status, component, message, started_at, resolved_at, created_by, metadata)
       VALUES ('7d3c9a2e-5b1f-4c8e-9a6d-2f4e8b1c0a02', 'degraded', 'stripe', 'Slow API responses',
               now() - interval '2 days', now() - interval '2 days' + interval '40 minutes', $1,
               '{"avgResponseTime": 3500, "threshold": 2000}'::jsonb)
       ON CONFLICT (id) DO NOTHING`,
      [DEMO_ACTOR],
    );
    await client.query(
      `INSERT INTO incident_updates (id, incident_id, status, message, resolved, created_at, created_by)
       SELECT v.id::uuid, s.id, 'degraded', v.message, v.resolved, s.started_at + v.after::interval, $1
       FROM system_status s,
            (VALUES ('7d3c9a2e-5b1f-4c8e-9a6d-2f4e8b1c0a03', 'Slow API responses from Stripe; payments are slower but working', false, '0 minutes'),
                    ('7d3c9a2e-5b1f-4c8e-9a6d-2f4e8b1c0a04', 'Stripe response times are back to normal', true, '40 minutes')) AS v(id, message, resolved, after)
       WHERE s.id = '7d3c9a2e-5b1f-4c8e-9a6d-2f4e8b1c0a02'
       ON CONFLICT (id) DO NOTHING`,
      [DEMO_ACTOR],
    );
    await seedHealthHistory(client);
    await client.query("COMMIT");
  });
}

/**
 * A day of probe rounds (every 10 minutes, up to 20 minutes ago, so the first real round
 * is still the freshest) and 89 days of roll-ups, so the status page and the console's
 * charts have something to show. Only into empty history: a rerun adds nothing.
 */
async function seedHealthHistory(client: { query(text: string, values?: unknown[]): Promise<unknown> }): Promise<void> {
  await client.query(
    `INSERT INTO health_check_logs (component, status, response_time_ms, checked_at)
     SELECT c.component,
            CASE WHEN c.component = 'stripe' AND r.n BETWEEN 40 AND 43 THEN 'degraded' ELSE 'healthy' END,
            round(c.base * (1 + 0.35 * sin(r.n / 9.0 + c.phase) + 0.15 * ((r.n * 37 + c.phase * 11) % 10) / 10.0)
                  * CASE WHEN c.component = 'stripe' AND r.n BETWEEN 40 AND 43 THEN 8 ELSE 1 END)::int,
            date_trunc('minute', now()) - interval '20 minutes' - r.n * interval '10 minutes'
     FROM (VALUES ('api', 40, 0), ('database', 12, 1), ('stripe', 280, 2), ('twilio', 190, 3), ('email', 150, 4)) AS c(component, base, phase),
          generate_series(0, 142) AS r(n)
     WHERE NOT EXISTS (SELECT 1 FROM health_check_logs)`,
  );
  await client.query(
    `INSERT INTO health_check_daily (day, component, checks, healthy, degraded, unhealthy, uptime_percent, p50_ms, p95_ms, p99_ms)
     SELECT d.day, c.component, 1440, 1440 - d.bad, d.bad, 0,
            round(100.0 * (1440 - d.bad) / 1440, 4), c.base, round(c.base * 1.8)::int, round(c.base * 2.6)::int
     FROM (VALUES ('api', 40), ('database', 12), ('stripe', 280), ('twilio', 190), ('email', 150)) AS c(component, base),
          LATERAL (SELECT (current_date - g)::date AS day, CASE WHEN g % 23 = 5 THEN 40 ELSE 0 END AS bad FROM generate_series(1, 89) AS g) AS d
     WHERE NOT EXISTS (SELECT 1 FROM health_check_daily)
     ON CONFLICT DO NOTHING`,
  );
}

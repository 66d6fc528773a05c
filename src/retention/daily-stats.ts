// Per component and UTC day: checks by status, uptime and response-time percentiles.
// Uptime counts healthy and degraded checks as up (degraded is slow but working) and
// leaves out checks inside completed maintenance windows on the component's surface:
// a portal window covers every component, a CRM-only window the ones the CRM uses too.
import { sql, type SQL } from "drizzle-orm";
import { probedOnSurface } from "../components/components.ts";

export interface DailyStats {
  day: string;
  component: string;
  checks: number;
  healthy: number;
  degraded: number;
  unhealthy: number;
  excludedChecks: number;
  excludedSeconds: number;
  uptimePercent: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
}

/**
 * Whether window `w` covers the component named by `component` (both SQL expressions,
 * ours): the components it names, or else what its portal / CRM flags imply — the probed
 * components on that surface, from the registry, as array parameters.
 */
const onSurface = (w: string, component: string) => {
  const [window, name] = [sql.raw(w), sql.raw(component)];
  return sql`(CASE WHEN ${window}.components IS NOT NULL THEN ${name} = ANY (${window}.components)
      ELSE (${window}.affects_portal AND ${name} = ANY (${sql.param(probedOnSurface("portal"))}::text[]))
        OR (${window}.affects_crm AND ${name} = ANY (${sql.param(probedOnSurface("crm"))}::text[])) END)`;
};

/** Postgres sends bigint (counts) as text; numbers otherwise. */
type Numeric = number | string;

/** A row of dailyStatsQuery, as the driver returns it. */
export interface DailyStatsRow extends Record<string, unknown> {
  day: string;
  component: string;
  checks: Numeric;
  healthy: Numeric;
  degraded: Numeric;
  unhealthy: Numeric;
  excluded_checks: Numeric;
  excluded_seconds: Numeric;
  uptime_percent: Numeric | null;
  p50_ms: Numeric | null;
  p95_ms: Numeric | null;
  p99_ms: Numeric | null;
}

/** A SELECT of DailyStatsRow rows for checks in [from, to). */
export function dailyStatsQuery(from: Date, to: Date): SQL {
  return sql`
    WITH logs AS (
      SELECT l.component, l.status, l.response_time_ms, (l.checked_at AT TIME ZONE 'UTC')::date AS day,
             EXISTS (
               SELECT 1 FROM maintenance_windows m
               WHERE m.status = 'completed'
                 AND l.checked_at >= coalesce(m.actual_start, m.scheduled_start)
                 AND l.checked_at < coalesce(m.actual_end, m.scheduled_end)
                 AND ${onSurface("m", "l.component")}
             ) AS excluded
      FROM health_check_logs l
      WHERE l.checked_at >= ${from.toISOString()}::timestamptz AND l.checked_at < ${to.toISOString()}::timestamptz
    )
    SELECT to_char(day, 'YYYY-MM-DD') AS day, component,
           count(*)::int AS checks,
           (count(*) FILTER (WHERE status = 'healthy'))::int AS healthy,
           (count(*) FILTER (WHERE status = 'degraded'))::int AS degraded,
           (count(*) FILTER (WHERE status = 'unhealthy'))::int AS unhealthy,
           (count(*) FILTER (WHERE excluded))::int AS excluded_checks,
           coalesce((
             SELECT sum(extract(epoch FROM
                      least(coalesce(m.actual_end, m.scheduled_end), (day + 1)::timestamp AT TIME ZONE 'UTC')
                    - greatest(coalesce(m.actual_start, m.scheduled_start), day::timestamp AT TIME ZONE 'UTC')))::int
             FROM maintenance_windows m
             WHERE m.status = 'completed'
               AND coalesce(m.actual_start, m.scheduled_start) < (day + 1)::timestamp AT TIME ZONE 'UTC'
               AND coalesce(m.actual_end, m.scheduled_end) > day::timestamp AT TIME ZONE 'UTC'
               AND ${onSurface("m", "component")}
           ), 0) AS excluded_seconds,
           round(100.0 * count(*) FILTER (WHERE NOT excluded AND status <> 'unhealthy')
                 / nullif(count(*) FILTER (WHERE NOT excluded), 0), 4)::float8 AS uptime_percent,
           round(percentile_cont(0.50) WITHIN GROUP (ORDER BY response_time_ms) FILTER (WHERE NOT excluded))::int AS p50_ms,
           round(percentile_cont(0.95) WITHIN GROUP (ORDER BY response_time_ms) FILTER (WHERE NOT excluded))::int AS p95_ms,
           round(percentile_cont(0.99) WITHIN GROUP (ORDER BY response_time_ms) FILTER (WHERE NOT excluded))::int AS p99_ms
    FROM logs
    GROUP BY day, component`;
}

export function toDailyStats(row: DailyStatsRow): DailyStats {
  const num = (v: Numeric | null) => (v === null || v === undefined ? null : Number(v));
  return {
    day: row.day,
    component: row.component,
    checks: Number(row.checks),
    healthy: Number(row.healthy),
    degraded: Number(row.degraded),
    unhealthy: Number(row.unhealthy),
    excludedChecks: Number(row.excluded_checks),
    excludedSeconds: Number(row.excluded_seconds),
    uptimePercent: num(row.uptime_percent),
    p50Ms: num(row.p50_ms),
    p95Ms: num(row.p95_ms),
    p99Ms: num(row.p99_ms),
  };
}

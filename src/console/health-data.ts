// What the console's health page reads: the latest probe of each component, the last 24
// hours by hour, the 90-day roll-ups, the alert rules with recent notifications, and the
// probe rounds the minute cron logged.
import { and, desc, eq, gte, sql } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { alertNotifications, alertRules, alertState, healthCheckDaily, type HealthStatus } from "../db/schema.ts";

export interface LatestProbe {
  component: string;
  status: HealthStatus;
  responseTimeMs: number | null;
  errorMessage: string | null;
  checkedAt: Date;
}

export interface HourFigures {
  component: string;
  hour: Date;
  checks: number;
  healthy: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export interface ProbeRound {
  checkedAt: Date;
  components: number;
  unhealthy: number;
}

const HOUR_MS = 3_600_000;

export async function healthOverview(db: Database, now: Date) {
  const dayAgo = new Date(now.getTime() - 24 * HOUR_MS);
  const ninetyDaysAgo = new Date(now.getTime() - 89 * 24 * HOUR_MS).toISOString().slice(0, 10);
  const [latest, hours, days, rules, notifications, rounds] = await Promise.all([
    db.execute<{ component: string; status: HealthStatus; response_time_ms: number | null; error_message: string | null; checked_at: string }>(sql`
      SELECT DISTINCT ON (component) component, status, response_time_ms, error_message, checked_at
      FROM health_check_logs WHERE checked_at > ${dayAgo} ORDER BY component, checked_at DESC`),
    db.execute<{ component: string; hour: string; checks: number; healthy: number; p50: number | null; p95: number | null; p99: number | null }>(sql`
      SELECT component, date_trunc('hour', checked_at) AS hour, count(*)::int AS checks,
             (count(*) FILTER (WHERE status = 'healthy'))::int AS healthy,
             round(percentile_cont(0.5) WITHIN GROUP (ORDER BY response_time_ms))::int AS p50,
             round(percentile_cont(0.95) WITHIN GROUP (ORDER BY response_time_ms))::int AS p95,
             round(percentile_cont(0.99) WITHIN GROUP (ORDER BY response_time_ms))::int AS p99
      FROM health_check_logs WHERE checked_at > ${dayAgo} GROUP BY 1, 2 ORDER BY 1, 2`),
    db.select().from(healthCheckDaily).where(gte(healthCheckDaily.day, ninetyDaysAgo)).orderBy(healthCheckDaily.component, healthCheckDaily.day),
    db
      .select({ rule: alertRules, state: alertState })
      .from(alertRules)
      .leftJoin(alertState, eq(alertState.ruleId, alertRules.id))
      .where(and(eq(alertRules.enabled, true)))
      .orderBy(alertRules.name),
    db.select().from(alertNotifications).orderBy(desc(alertNotifications.createdAt)).limit(20),
    db.execute<{ checked_at: string; components: number; unhealthy: number }>(sql`
      SELECT checked_at, count(*)::int AS components, (count(*) FILTER (WHERE status <> 'healthy'))::int AS unhealthy
      FROM health_check_logs WHERE checked_at > ${new Date(now.getTime() - HOUR_MS)} GROUP BY checked_at ORDER BY checked_at DESC LIMIT 15`),
  ]);
  return {
    latest: latest.rows.map(
      (r): LatestProbe => ({
        component: r.component,
        status: r.status,
        responseTimeMs: r.response_time_ms,
        errorMessage: r.error_message,
        checkedAt: new Date(r.checked_at),
      }),
    ),
    hours: hours.rows.map((r): HourFigures => ({ ...r, hour: new Date(r.hour) })),
    days,
    rules,
    notifications,
    rounds: rounds.rows.map((r): ProbeRound => ({ checkedAt: new Date(r.checked_at), components: r.components, unhealthy: r.unhealthy })),
  };
}

export type HealthOverview = Awaited<ReturnType<typeof healthOverview>>;

// The spec's daily health report for one UTC day: per component uptime and response-time
// percentiles (from the roll-up, or computed from the logs when the day is not rolled up
// yet, e.g. today), the incidents and the maintenance windows that touched the day.
import { and, asc, eq, gt, lt, or, isNull, sql } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { healthCheckDaily, maintenanceWindows, systemStatus } from "../db/schema.ts";
import { maintenanceView, type MaintenanceView } from "../maintenance/view.ts";
import { dailyStatsQuery, toDailyStats, type DailyStats, type DailyStatsRow } from "../retention/daily-stats.ts";

export interface DailyReport {
  date: string;
  source: "rollup" | "logs";
  components: Omit<DailyStats, "day">[];
  incidents: { id: string; component: string; status: string; message: string | null; startedAt: string; resolvedAt: string | null }[];
  maintenance: MaintenanceView[];
}

export async function dailyReport(db: Database, date: string): Promise<DailyReport> {
  const from = new Date(`${date}T00:00:00.000Z`);
  const to = new Date(from.getTime() + 86_400_000);
  const stored = await db.select().from(healthCheckDaily).where(eq(healthCheckDaily.day, date)).orderBy(asc(healthCheckDaily.component));
  let source: DailyReport["source"] = "rollup";
  let stats: DailyStats[] = stored.map((r) => ({
    day: String(r.day),
    component: r.component,
    checks: r.checks,
    healthy: r.healthy,
    degraded: r.degraded,
    unhealthy: r.unhealthy,
    excludedChecks: r.excludedChecks,
    excludedSeconds: r.excludedSeconds,
    uptimePercent: r.uptimePercent === null ? null : Number(r.uptimePercent),
    p50Ms: r.p50Ms,
    p95Ms: r.p95Ms,
    p99Ms: r.p99Ms,
  }));
  if (stats.length === 0) {
    source = "logs";
    const live = await db.execute<DailyStatsRow>(sql`SELECT * FROM (${dailyStatsQuery(from, to)}) s ORDER BY component`);
    stats = live.rows.map(toDailyStats);
  }
  const [incidents, windows] = await Promise.all([
    db
      .select()
      .from(systemStatus)
      .where(and(lt(systemStatus.startedAt, to), or(isNull(systemStatus.resolvedAt), gt(systemStatus.resolvedAt, from))))
      .orderBy(asc(systemStatus.startedAt)),
    db
      .select()
      .from(maintenanceWindows)
      .where(and(lt(maintenanceWindows.scheduledStart, to), gt(maintenanceWindows.scheduledEnd, from)))
      .orderBy(asc(maintenanceWindows.scheduledStart)),
  ]);
  return {
    date,
    source,
    components: stats.map(({ day: _day, ...rest }) => rest),
    incidents: incidents.map((i) => ({
      id: i.id,
      component: i.component,
      status: i.status,
      message: i.message,
      startedAt: i.startedAt.toISOString(),
      resolvedAt: i.resolvedAt?.toISOString() ?? null,
    })),
    maintenance: windows.map(maintenanceView),
  };
}

/** The report as a few lines, for a chat message. */
export function dailyReportLines(report: DailyReport): string[] {
  const uptime = (u: number | null) => (u === null ? "n/a" : `${u.toFixed(3)} %`);
  return [
    ...report.components.map((c) => `${c.component}: ${uptime(c.uptimePercent)} up, p50 ${c.p50Ms ?? "–"} ms, p95 ${c.p95Ms ?? "–"} ms (${c.checks} checks)`),
    ...(report.components.length === 0 ? ["No health checks were recorded that day"] : []),
    report.incidents.length
      ? `${report.incidents.length} incident(s): ${report.incidents.map((i) => `${i.component} ${i.status}${i.resolvedAt ? "" : " (open)"}`).join(", ")}`
      : "No incidents",
    report.maintenance.length ? `Maintenance: ${report.maintenance.map((m) => `${m.title} (${m.status})`).join(", ")}` : "No maintenance",
  ];
}

// Keeps a probe round in health_check_logs: one row per component, one INSERT.
import type { Database } from "../db/client.ts";
import { healthCheckLogs } from "../db/schema.ts";
import type { HealthReport } from "./check-health.ts";

export async function recordHealthRound(db: Database, report: HealthReport, checkedAt: Date): Promise<number> {
  const rows = Object.entries(report.components).map(([component, health]) => ({
    component,
    status: health.status,
    responseTimeMs: health.responseTime,
    errorMessage: health.status === "healthy" ? null : (health.message ?? null),
    checkedAt,
    metadata: { overall: report.status },
  }));
  await db.insert(healthCheckLogs).values(rows);
  return rows.length;
}

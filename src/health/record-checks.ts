// Keeps probe rounds in health_check_logs. Every row gets its id when the round is taken,
// before any write is tried: the same round may reach Postgres directly, or later from
// the outage buffer, or both (a write that timed out and landed anyway), and the ids make
// the second arrival a no-op. Rows go in as one JSON parameter, so a back-fill of many
// rounds is still one statement and one round trip.
import { sql } from "drizzle-orm";
import type { Database, Transaction } from "../db/client.ts";
import type { HealthStatus } from "../db/schema.ts";
import type { HealthReport } from "./check-health.ts";

export interface LogRow {
  id: string;
  component: string;
  status: HealthStatus;
  responseTimeMs: number | null;
  errorMessage: string | null;
  /** ISO-8601 */
  checkedAt: string;
  metadata: Record<string, unknown>;
}

/** One probe round, as it is logged or buffered. */
export interface ProbeRoundRecord {
  id: string;
  /** ISO-8601; every row of the round has this checkedAt. */
  at: string;
  rows: LogRow[];
}

export function toRoundRecord(report: HealthReport, checkedAt: Date): ProbeRoundRecord {
  const at = checkedAt.toISOString();
  return {
    id: crypto.randomUUID(),
    at,
    rows: Object.entries(report.components).map(([component, health]) => ({
      id: crypto.randomUUID(),
      component,
      status: health.status,
      responseTimeMs: health.responseTime,
      errorMessage: health.status === "healthy" ? null : (health.message ?? null),
      checkedAt: at,
      metadata: { overall: report.status },
    })),
  };
}

/** Inserts rows oldest first; a row already there (same id) is left as it is. Answers how many were new. */
export async function insertLogRows(db: Database | Transaction, rows: LogRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  const ordered = [...rows].sort((a, b) => Date.parse(a.checkedAt) - Date.parse(b.checkedAt));
  const result = await db.execute(sql`
    INSERT INTO health_check_logs (id, component, status, response_time_ms, error_message, checked_at, metadata)
    SELECT r.id, r.component, r.status, r."responseTimeMs", r."errorMessage", r."checkedAt", coalesce(r.metadata, '{}'::jsonb)
    FROM jsonb_to_recordset(${JSON.stringify(ordered)}::jsonb)
      AS r(id uuid, component text, status text, "responseTimeMs" integer, "errorMessage" text, "checkedAt" timestamptz, metadata jsonb)
    ORDER BY r."checkedAt", r.component
    ON CONFLICT (id) DO NOTHING`);
  return result.rowCount ?? 0;
}

/** Logs one round directly. */
export async function recordHealthRound(db: Database, report: HealthReport, checkedAt: Date): Promise<number> {
  return insertLogRows(db, toRoundRecord(report, checkedAt).rows);
}

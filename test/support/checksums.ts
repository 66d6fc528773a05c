// A checksum of every table, to prove a refused request changed nothing.
import { sql } from "./harness.ts";

export const TABLES = [
  "feature_flags",
  "flag_rollouts",
  "audit_log",
  "system_status",
  "incident_updates",
  "system_status_archive",
  "maintenance_windows",
  "health_check_logs",
  "health_check_daily",
  "alert_rules",
  "alert_state",
  "alert_notifications",
];

export async function tableChecksums(databaseUrl: string): Promise<Record<string, string>> {
  const rows = await sql<{ name: string; sum: string }>(
    databaseUrl,
    TABLES.map((t) => `SELECT '${t}' AS name, coalesce(md5(string_agg(x::text, '|' ORDER BY x::text)), 'empty') AS sum FROM ${t} x`).join(" UNION ALL "),
  );
  return Object.fromEntries(rows.map((r) => [r.name, r.sum]));
}

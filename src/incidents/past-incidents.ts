// Incidents that happened while the database could not record them. When the outage
// buffer's rounds are written back, a component that failed `openAfter` consecutive
// checks among them gets the automatic incident it would have had, opened and resolved at
// the times its checks say. A run of failures still going at the last buffered round is
// left to the every-minute automatic incidents, except the database's own: its outage
// ended when Postgres took a write again. Serialized with automatic incidents by the same
// advisory lock, and skipped where an automatic incident already covers the time, so a
// write-back offered twice records nothing twice.
import { sql } from "drizzle-orm";
import type { Transaction } from "../db/client.ts";
import type { Component } from "../db/schema.ts";
import type { ProbeRoundRecord } from "../health/record-checks.ts";
import { AUTO_INCIDENT_LOCK, openAutomaticIncident, type AutoIncidentPolicy } from "./auto-incidents.ts";
import { resolveInTransaction } from "./incidents.ts";

export interface UnhealthyRun {
  component: string;
  start: Date;
  end: Date;
  checks: number;
  lastError: string | null;
}

export function unhealthyRuns(rounds: ProbeRoundRecord[], openAfter: number, databaseBackAt: Date): UnhealthyRun[] {
  const ordered = [...rounds].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const open = new Map<string, { start: Date; checks: number; lastError: string | null }>();
  const runs: UnhealthyRun[] = [];
  for (const round of ordered) {
    for (const row of round.rows) {
      const current = open.get(row.component);
      if (row.status === "unhealthy") {
        open.set(row.component, {
          start: current?.start ?? new Date(round.at),
          checks: (current?.checks ?? 0) + 1,
          lastError: row.errorMessage ?? current?.lastError ?? null,
        });
      } else if (current) {
        if (current.checks >= openAfter) runs.push({ component: row.component, ...current, end: new Date(round.at) });
        open.delete(row.component);
      }
    }
  }
  const database = open.get("database");
  if (database && database.checks >= openAfter) runs.push({ component: "database", ...database, end: databaseBackAt });
  return runs;
}

export async function recordPastIncidents(tx: Transaction, rounds: ProbeRoundRecord[], now: Date, policy: AutoIncidentPolicy): Promise<string[]> {
  const runs = unhealthyRuns(rounds, policy.openAfter, now);
  if (runs.length === 0) return [];
  await tx.execute(sql`SELECT pg_advisory_xact_lock(${AUTO_INCIDENT_LOCK})`);
  const recorded: string[] = [];
  for (const run of runs) {
    const covered = await tx.execute(sql`
      SELECT 1 FROM system_status
      WHERE component = ${run.component} AND metadata->>'automatic' = 'true'
        AND started_at <= ${run.end.toISOString()}::timestamptz AND coalesce(resolved_at, 'infinity') >= ${run.start.toISOString()}::timestamptz
      LIMIT 1`);
    if (covered.rows.length > 0) continue;
    const incident = await openAutomaticIncident(
      tx,
      {
        component: run.component as Component,
        message: `${run.component} failed ${run.checks} consecutive health checks${run.lastError ? `: ${run.lastError}` : ""} (recorded after the database recovered)`,
        at: run.start,
        metadata: { recordedAfterOutage: true, consecutiveUnhealthy: run.checks, openAfter: policy.openAfter },
      },
      { announce: false },
    );
    await resolveInTransaction(tx, incident.id, "Recovered", null, run.end, { announce: false });
    recorded.push(run.component);
  }
  return recorded;
}

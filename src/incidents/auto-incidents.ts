// Sustained failures open an incident on their own: `openAfter` consecutive unhealthy
// checks of a component open one; `resolveAfter` consecutive healthy ones resolve it.
// The numbers go in the incident's metadata. Runs are serialized by an advisory lock,
// so overlapping runs never open the same incident twice.
import { sql } from "drizzle-orm";
import { probedIds } from "../components/components.ts";
import type { Database, Transaction } from "../db/client.ts";
import { incidentUpdates, systemStatus, type Component } from "../db/schema.ts";
import { recordAudit } from "../audit/record.ts";
import { announceIncident } from "../subscriptions/announce.ts";
import { resolveInTransaction } from "./incidents.ts";

export const AUTO_INCIDENT_LOCK = 7_251_005;

export interface AutoIncidentPolicy {
  openAfter: number;
  resolveAfter: number;
}

export interface AutoIncidentRun {
  opened: string[];
  resolved: string[];
}

export async function applyAutoIncidents(db: Database, now: Date, policy: AutoIncidentPolicy): Promise<AutoIncidentRun> {
  const depth = Math.max(policy.openAfter, policy.resolveAfter);
  return db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(${AUTO_INCIDENT_LOCK})`);
    const recent = await tx.execute<{ component: string; statuses: string[]; last_error: string | null; open_id: string | null }>(sql`
      SELECT c.component,
             array(SELECT l.status FROM health_check_logs l WHERE l.component = c.component AND l.checked_at <= ${now.toISOString()}::timestamptz
                   ORDER BY l.checked_at DESC LIMIT ${depth}) AS statuses,
             (SELECT l.error_message FROM health_check_logs l WHERE l.component = c.component AND l.status = 'unhealthy'
                   ORDER BY l.checked_at DESC LIMIT 1) AS last_error,
             (SELECT s.id FROM system_status s WHERE s.component = c.component AND s.resolved_at IS NULL
                   AND s.metadata->>'automatic' = 'true' LIMIT 1) AS open_id
      FROM unnest(${sql.param(probedIds())}::text[]) AS c(component)`);
    const run: AutoIncidentRun = { opened: [], resolved: [] };
    for (const row of recent.rows) {
      const latest = (n: number) => row.statuses.slice(0, n);
      if (!row.open_id && row.statuses.length >= policy.openAfter && latest(policy.openAfter).every((s) => s === "unhealthy")) {
        await openAutomaticIncident(tx, {
          component: row.component as Component,
          message: `${row.component} failed ${policy.openAfter} consecutive health checks${row.last_error ? `: ${row.last_error}` : ""}`,
          at: now,
          metadata: { consecutiveUnhealthy: policy.openAfter, openAfter: policy.openAfter, resolveAfter: policy.resolveAfter },
        });
        run.opened.push(row.component);
      } else if (row.open_id && row.statuses.length >= policy.resolveAfter && latest(policy.resolveAfter).every((s) => s === "healthy")) {
        await resolveInTransaction(tx, row.open_id, `Recovered: ${policy.resolveAfter} consecutive healthy checks`, null, now);
        run.resolved.push(row.component);
      }
    }
    return run;
  });
}

/** Opens an automatic incident (the database's a major outage, others partial) with its first update and audit row. */
export async function openAutomaticIncident(
  tx: Transaction,
  input: { component: Component; message: string; at: Date; metadata: Record<string, unknown> },
  options: { announce?: boolean } = {},
) {
  const [incident] = await tx
    .insert(systemStatus)
    .values({
      component: input.component,
      status: input.component === "database" ? "major_outage" : "partial_outage",
      message: input.message,
      startedAt: input.at,
      metadata: { automatic: true, ...input.metadata },
    })
    .returning();
  await tx.insert(incidentUpdates).values({ incidentId: incident!.id, status: incident!.status, message: input.message, createdAt: input.at });
  if (options.announce !== false) await announceIncident(tx, "incident.opened", incident!);
  await recordAudit(tx, {
    actorId: null,
    action: "incident.open",
    entity: "incident",
    entityKey: incident!.id,
    before: null,
    after: { component: input.component, automatic: true, ...input.metadata },
  });
  return incident!;
}

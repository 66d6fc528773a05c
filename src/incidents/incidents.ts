// Incidents (system_status rows) with a timeline of updates: opening, each change of
// status or message, and the resolution, each with its time and actor, written in the
// same transaction as the change and its audit row.
import { asc, desc, eq, inArray, isNotNull, isNull, type SQL } from "drizzle-orm";
import type { Database, Transaction } from "../db/client.ts";
import {
  incidentUpdates,
  systemStatus,
  type Component,
  type IncidentPhase,
  type IncidentStatus,
  type IncidentUpdate,
  type SystemStatusRow,
} from "../db/schema.ts";
import { recordAudit } from "../audit/record.ts";
import { announceIncident } from "../subscriptions/announce.ts";
import { DomainError } from "../lib/domain-error.ts";

export interface IncidentView {
  id: string;
  component: Component;
  status: IncidentStatus;
  /** Statuspage's phase: investigating, identified, monitoring, resolved. */
  phase: IncidentPhase;
  message: string | null;
  startedAt: string;
  resolvedAt: string | null;
  createdBy: string | null;
  metadata: Record<string, unknown>;
  updates: { status: IncidentStatus; phase: IncidentPhase; message: string | null; resolved: boolean; at: string; actorId: string | null }[];
}

/** The phases an open incident moves through by hand; "resolved" comes with resolving it. */
export const OPEN_PHASES = ["investigating", "identified", "monitoring"] as const;

export function incidentView(row: SystemStatusRow, updates: IncidentUpdate[]): IncidentView {
  return {
    id: row.id,
    component: row.component,
    status: row.status,
    phase: row.resolvedAt ? "resolved" : row.phase,
    message: row.message,
    startedAt: row.startedAt.toISOString(),
    resolvedAt: row.resolvedAt?.toISOString() ?? null,
    createdBy: row.createdBy,
    metadata: row.metadata,
    updates: updates.map((u) => ({
      status: u.status,
      phase: u.resolved ? "resolved" : u.phase,
      message: u.message,
      resolved: u.resolved,
      at: u.createdAt.toISOString(),
      actorId: u.createdBy,
    })),
  };
}

const incidentNotFound = (id: string) => new DomainError("not_found", "INCIDENT_NOT_FOUND", `No incident with id '${id}'`);

async function withTimeline(db: Database | Transaction, rows: SystemStatusRow[]): Promise<IncidentView[]> {
  if (rows.length === 0) return [];
  const updates = await db
    .select()
    .from(incidentUpdates)
    .where(
      inArray(
        incidentUpdates.incidentId,
        rows.map((r) => r.id),
      ),
    )
    .orderBy(asc(incidentUpdates.createdAt), asc(incidentUpdates.id));
  return rows.map((row) =>
    incidentView(
      row,
      updates.filter((u) => u.incidentId === row.id),
    ),
  );
}

export async function listIncidents(db: Database, state: "open" | "resolved" | "all" = "all", limit = 100): Promise<IncidentView[]> {
  const where: SQL | undefined = state === "open" ? isNull(systemStatus.resolvedAt) : state === "resolved" ? isNotNull(systemStatus.resolvedAt) : undefined;
  const rows = await db.select().from(systemStatus).where(where).orderBy(desc(systemStatus.startedAt)).limit(limit);
  return withTimeline(db, rows);
}

export async function getIncident(db: Database, id: string): Promise<IncidentView> {
  const [row] = await db.select().from(systemStatus).where(eq(systemStatus.id, id));
  if (!row) throw incidentNotFound(id);
  return (await withTimeline(db, [row]))[0]!;
}

export interface NewIncident {
  component: Component;
  status: IncidentStatus;
  message: string;
  phase?: (typeof OPEN_PHASES)[number];
  metadata?: Record<string, unknown>;
}

export async function openIncident(db: Database, input: NewIncident, actorId: string | null, now = new Date()): Promise<IncidentView> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(systemStatus)
      .values({
        component: input.component,
        status: input.status,
        phase: input.phase ?? "investigating",
        message: input.message,
        metadata: input.metadata ?? {},
        startedAt: now,
        createdBy: actorId,
      })
      .returning();
    await tx
      .insert(incidentUpdates)
      .values({ incidentId: row!.id, status: input.status, phase: row!.phase, message: input.message, createdAt: now, createdBy: actorId });
    const view = (await withTimeline(tx, [row!]))[0]!;
    await announceIncident(tx, "incident.opened", row!);
    await recordAudit(tx, {
      actorId,
      action: "incident.open",
      entity: "incident",
      entityKey: row!.id,
      before: null,
      after: { component: row!.component, status: row!.status, phase: row!.phase, message: row!.message },
    });
    return view;
  });
}

async function lockOpenIncident(tx: Transaction, id: string, action: string): Promise<SystemStatusRow> {
  const [row] = await tx.select().from(systemStatus).where(eq(systemStatus.id, id)).for("update");
  if (!row) throw incidentNotFound(id);
  if (row.resolvedAt)
    throw new DomainError("conflict", "INCIDENT_RESOLVED", `Cannot ${action} an incident that was resolved at ${row.resolvedAt.toISOString()}`);
  return row;
}

export async function updateIncident(
  db: Database,
  id: string,
  patch: { status?: IncidentStatus; phase?: (typeof OPEN_PHASES)[number]; message?: string },
  actorId: string | null,
  now = new Date(),
): Promise<IncidentView> {
  return db.transaction(async (tx) => {
    const before = await lockOpenIncident(tx, id, "update");
    const [after] = await tx
      .update(systemStatus)
      .set({
        ...(patch.status && { status: patch.status }),
        ...(patch.phase && { phase: patch.phase }),
        ...(patch.message !== undefined && { message: patch.message }),
      })
      .where(eq(systemStatus.id, id))
      .returning();
    const [update] = await tx
      .insert(incidentUpdates)
      .values({ incidentId: id, status: after!.status, phase: after!.phase, message: after!.message, createdAt: now, createdBy: actorId })
      .returning({ id: incidentUpdates.id });
    await announceIncident(tx, "incident.updated", after!, update!.id);
    await recordAudit(tx, {
      actorId,
      action: "incident.update",
      entity: "incident",
      entityKey: id,
      before: { status: before.status, phase: before.phase, message: before.message },
      after: { status: after!.status, phase: after!.phase, message: after!.message },
    });
    return (await withTimeline(tx, [after!]))[0]!;
  });
}

export async function resolveIncident(db: Database, id: string, message: string | undefined, actorId: string | null, now = new Date()): Promise<IncidentView> {
  return db.transaction(async (tx) => await resolveInTransaction(tx, id, message, actorId, now));
}

/** `announce: false` for an incident recorded after the fact (an outage's, on recovery): nobody is told about the past. */
export async function resolveInTransaction(
  tx: Transaction,
  id: string,
  message: string | undefined,
  actorId: string | null,
  now: Date,
  options: { announce?: boolean } = {},
): Promise<IncidentView> {
  const before = await lockOpenIncident(tx, id, "resolve");
  const resolvedAt = now < before.startedAt ? before.startedAt : now;
  const [after] = await tx.update(systemStatus).set({ resolvedAt, phase: "resolved" }).where(eq(systemStatus.id, id)).returning();
  await tx.insert(incidentUpdates).values({
    incidentId: id,
    status: after!.status,
    phase: "resolved",
    message: message ?? "Resolved",
    resolved: true,
    createdAt: resolvedAt,
    createdBy: actorId,
  });
  // Subscribers read the resolution's own words, not the last update's.
  if (options.announce !== false) await announceIncident(tx, "incident.resolved", { ...after!, message: message ?? null });
  await recordAudit(tx, {
    actorId,
    action: "incident.resolve",
    entity: "incident",
    entityKey: id,
    before: { resolvedAt: null },
    after: { resolvedAt: resolvedAt.toISOString(), message: message ?? "Resolved" },
  });
  return (await withTimeline(tx, [after!]))[0]!;
}

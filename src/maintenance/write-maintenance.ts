// Scheduling and running maintenance windows. Each change is one transaction with its
// audit row. The spec's advice (48 h notice, a 50 % buffer over the expected duration)
// is checked but not enforced: a window that misses it is accepted with warnings.
import { and, desc, eq, gte, inArray, lte, type SQL } from "drizzle-orm";
import type { Database, Transaction } from "../db/client.ts";
import { maintenanceWindows, type Component, type MaintenanceWindow } from "../db/schema.ts";
import { recordAudit } from "../audit/record.ts";
import { DomainError } from "../lib/domain-error.ts";
import { maintenanceView, type MaintenanceView } from "./view.ts";
import { announceMaintenance } from "../subscriptions/announce.ts";

export const NOTICE_HOURS = 48;
export const BUFFER_FACTOR = 1.5;

export interface MaintenanceInput {
  title: string;
  description?: string | null;
  scheduledStart: Date;
  scheduledEnd: Date;
  affectsPortal?: boolean;
  affectsCRM?: boolean;
  /** Name the components taken down (Statuspage's model); null or absent: the two flags decide. */
  components?: Component[] | null;
  metadata?: Record<string, unknown>;
}

export type MaintenancePatch = Partial<MaintenanceInput>;

export interface MaintenanceChange {
  window: MaintenanceView;
  warnings: string[];
}

export function maintenanceNotFound(id: string): DomainError {
  return new DomainError("not_found", "MAINTENANCE_NOT_FOUND", `No maintenance window with id '${id}'`);
}

/** The spec's scheduling advice, as warnings. */
export function schedulingWarnings(input: Pick<MaintenanceInput, "scheduledStart" | "scheduledEnd" | "metadata">, now: Date): string[] {
  const warnings: string[] = [];
  const noticeHours = (input.scheduledStart.getTime() - now.getTime()) / 3_600_000;
  if (noticeHours < NOTICE_HOURS) {
    warnings.push(`Less than ${NOTICE_HOURS} hours' notice (${Math.max(0, Math.floor(noticeHours))} h): the spec asks for ${NOTICE_HOURS}+ hours`);
  }
  const expected = Number(input.metadata?.expectedDurationMinutes);
  const windowMinutes = (input.scheduledEnd.getTime() - input.scheduledStart.getTime()) / 60_000;
  if (Number.isFinite(expected) && expected > 0 && windowMinutes < expected * BUFFER_FACTOR) {
    warnings.push(
      `The window (${Math.round(windowMinutes)} min) leaves less than a 50 % buffer over the expected ${expected} min; the spec suggests ${Math.ceil(expected * BUFFER_FACTOR)} min`,
    );
  }
  return warnings;
}

async function lockWindow(tx: Transaction, id: string): Promise<MaintenanceWindow> {
  const [row] = await tx.select().from(maintenanceWindows).where(eq(maintenanceWindows.id, id)).for("update");
  if (!row) throw maintenanceNotFound(id);
  return row;
}

function stateConflict(window: MaintenanceWindow, action: string): DomainError {
  return new DomainError("conflict", "MAINTENANCE_STATE_CONFLICT", `Cannot ${action} a maintenance window that is ${window.status.replace("_", " ")}`);
}

export async function createMaintenance(db: Database, input: MaintenanceInput, actorId: string | null, now = new Date()): Promise<MaintenanceChange> {
  if (input.scheduledEnd <= input.scheduledStart) throw new DomainError("invalid", "VALIDATION_ERROR", "scheduledEnd: must be after scheduledStart");
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(maintenanceWindows)
      .values({
        title: input.title,
        description: input.description ?? null,
        scheduledStart: input.scheduledStart,
        scheduledEnd: input.scheduledEnd,
        affectsPortal: input.affectsPortal ?? true,
        affectsCrm: input.affectsCRM ?? false,
        components: input.components ? [...new Set(input.components)] : null,
        metadata: input.metadata ?? {},
        createdBy: actorId,
      })
      .returning();
    const view = maintenanceView(row!);
    // A window recorded after the fact is no news to anyone.
    if (row!.scheduledEnd > now) await announceMaintenance(tx, "maintenance.scheduled", row!);
    await recordAudit(tx, { actorId, action: "maintenance.create", entity: "maintenance", entityKey: row!.id, before: null, after: view });
    return { window: view, warnings: schedulingWarnings(input, now) };
  });
}

export async function updateMaintenance(
  db: Database,
  id: string,
  patch: MaintenancePatch,
  actorId: string | null,
  now = new Date(),
): Promise<MaintenanceChange> {
  return db.transaction(async (tx) => {
    const before = await lockWindow(tx, id);
    if (before.status === "completed" || before.status === "cancelled") throw stateConflict(before, "change");
    const scheduledStart = patch.scheduledStart ?? before.scheduledStart;
    const scheduledEnd = patch.scheduledEnd ?? before.scheduledEnd;
    if (scheduledEnd <= scheduledStart) throw new DomainError("invalid", "VALIDATION_ERROR", "scheduledEnd: must be after scheduledStart");
    const [after] = await tx
      .update(maintenanceWindows)
      .set({
        ...(patch.title !== undefined && { title: patch.title }),
        ...(patch.description !== undefined && { description: patch.description }),
        ...(patch.affectsPortal !== undefined && { affectsPortal: patch.affectsPortal }),
        ...(patch.affectsCRM !== undefined && { affectsCrm: patch.affectsCRM }),
        ...(patch.components !== undefined && { components: patch.components ? [...new Set(patch.components)] : null }),
        ...(patch.metadata !== undefined && { metadata: patch.metadata }),
        scheduledStart,
        scheduledEnd,
      })
      .where(eq(maintenanceWindows.id, id))
      .returning();
    const view = maintenanceView(after!);
    // Subscribers told of a window hear of a new time or a new set of components (a
    // subscriber of a component the window no longer covers hears it too: see below).
    const moved = before.scheduledStart.getTime() !== scheduledStart.getTime() || before.scheduledEnd.getTime() !== scheduledEnd.getTime();
    const coverage = (w: MaintenanceWindow) => JSON.stringify([w.affectsPortal, w.affectsCrm, w.components]);
    if ((moved || coverage(before) !== coverage(after!)) && after!.status === "scheduled") {
      await announceMaintenance(tx, "maintenance.scheduled", after!, `changed:${now.toISOString()}`, before);
    }
    await recordAudit(tx, { actorId, action: "maintenance.update", entity: "maintenance", entityKey: id, before: maintenanceView(before), after: view });
    const timesChanged = patch.scheduledStart !== undefined || patch.scheduledEnd !== undefined || patch.metadata !== undefined;
    const warnings = timesChanged && after!.status === "scheduled" ? schedulingWarnings({ scheduledStart, scheduledEnd, metadata: after!.metadata }, now) : [];
    return { window: view, warnings };
  });
}

export async function deleteMaintenance(db: Database, id: string, actorId: string | null): Promise<void> {
  await db.transaction(async (tx) => {
    const before = await lockWindow(tx, id);
    if (before.status === "in_progress") throw stateConflict(before, "delete");
    // Deleting a window people were told about is, for them, a cancellation.
    if (before.status === "scheduled") await announceMaintenance(tx, "maintenance.cancelled", before);
    await tx.delete(maintenanceWindows).where(eq(maintenanceWindows.id, id));
    await recordAudit(tx, { actorId, action: "maintenance.delete", entity: "maintenance", entityKey: id, before: maintenanceView(before), after: null });
  });
}

type Transition = "start" | "complete" | "cancel";
const FROM: Record<Transition, MaintenanceWindow["status"]> = { start: "scheduled", complete: "in_progress", cancel: "scheduled" };
const ANNOUNCED = { start: "maintenance.started", complete: "maintenance.completed", cancel: "maintenance.cancelled" } as const;

/** start: scheduled → in_progress; complete: in_progress → completed; cancel: scheduled → cancelled. */
export async function transitionMaintenance(
  db: Database,
  id: string,
  transition: Transition,
  actorId: string | null,
  now = new Date(),
): Promise<MaintenanceView> {
  return db.transaction(async (tx) => {
    const before = await lockWindow(tx, id);
    if (before.status !== FROM[transition]) throw stateConflict(before, transition);
    const set =
      transition === "start"
        ? { status: "in_progress" as const, actualStart: now }
        : transition === "complete"
          ? { status: "completed" as const, actualEnd: now }
          : { status: "cancelled" as const };
    const [after] = await tx.update(maintenanceWindows).set(set).where(eq(maintenanceWindows.id, id)).returning();
    await announceMaintenance(tx, ANNOUNCED[transition], after!);
    const view = maintenanceView(after!);
    await recordAudit(tx, { actorId, action: `maintenance.${transition}`, entity: "maintenance", entityKey: id, before: maintenanceView(before), after: view });
    return view;
  });
}

export interface MaintenanceQuery {
  status?: MaintenanceWindow["status"][];
  from?: Date;
  to?: Date;
}

export async function listMaintenance(db: Database, query: MaintenanceQuery = {}): Promise<MaintenanceView[]> {
  const conditions: SQL[] = [];
  if (query.status?.length) conditions.push(inArray(maintenanceWindows.status, query.status));
  if (query.from) conditions.push(gte(maintenanceWindows.scheduledEnd, query.from));
  if (query.to) conditions.push(lte(maintenanceWindows.scheduledStart, query.to));
  const rows = await db
    .select()
    .from(maintenanceWindows)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(maintenanceWindows.scheduledStart));
  return rows.map(maintenanceView);
}

export async function getMaintenance(db: Database, id: string): Promise<MaintenanceView> {
  const [row] = await db.select().from(maintenanceWindows).where(eq(maintenanceWindows.id, id));
  if (!row) throw maintenanceNotFound(id);
  return maintenanceView(row);
}

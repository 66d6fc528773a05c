// Changes subscribers hear about, written in the same transaction as the change itself,
// once each (a dedup key per change): an incident opened, updated or resolved; a window
// scheduled, started, completed or cancelled, and the reminder a day before it starts. The
// cron fans each out to the subscribers of the components it touches (./fanout.ts).
import { sql } from "drizzle-orm";
import { allComponents, componentById, windowCovers } from "../components/components.ts";
import type { Transaction } from "../db/client.ts";
import type { MaintenanceWindow, NOTIFICATION_KINDS, SystemStatusRow } from "../db/schema.ts";

export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** What every channel renders a notification from: public facts only. */
export type Announcement =
  | {
      type: "incident";
      id: string;
      component: string;
      componentName: string;
      status: string;
      phase: string;
      message: string | null;
      startedAt: string;
      resolvedAt: string | null;
    }
  | {
      type: "maintenance";
      id: string;
      title: string;
      description: string | null;
      scheduledStart: string;
      scheduledEnd: string;
      componentNames: string[];
    };

/** Whether it is new (false: announced before). */
async function announce(tx: Transaction, kind: NotificationKind, dedupKey: string, components: string[], message: Announcement): Promise<boolean> {
  const { rows } = await tx.execute(sql`
    INSERT INTO notification_events (kind, dedup_key, components, message)
    VALUES (${kind}, ${dedupKey}, ${sql.param(components)}::text[], ${JSON.stringify(message)}::jsonb)
    ON CONFLICT (dedup_key) DO NOTHING
    RETURNING 1`);
  return rows.length > 0;
}

export async function announceIncident(
  tx: Transaction,
  kind: "incident.opened" | "incident.updated" | "incident.resolved",
  incident: Pick<SystemStatusRow, "id" | "component" | "status" | "phase" | "message" | "startedAt" | "resolvedAt">,
  /** The timeline entry an update announces (one message per update). */
  updateId?: string,
): Promise<void> {
  await announce(tx, kind, `${kind}:${updateId ?? incident.id}`, [incident.component], {
    type: "incident",
    id: incident.id,
    component: incident.component,
    componentName: componentById(incident.component)?.name ?? incident.component,
    status: incident.status,
    phase: incident.phase,
    message: incident.message,
    startedAt: incident.startedAt.toISOString(),
    resolvedAt: incident.resolvedAt?.toISOString() ?? null,
  });
}

type Coverage = Pick<MaintenanceWindow, "affectsPortal" | "affectsCrm" | "components">;

export async function announceMaintenance(
  tx: Transaction,
  kind: "maintenance.scheduled" | "maintenance.reminder" | "maintenance.started" | "maintenance.completed" | "maintenance.cancelled",
  window: Pick<MaintenanceWindow, "id" | "title" | "description" | "scheduledStart" | "scheduledEnd" | "affectsPortal" | "affectsCrm" | "components">,
  /** Tells a change apart from the first announcement of its kind (a window moved, or a reminder for a new start). */
  variant?: string,
  /** The window's coverage before a change: its subscribers are told too (the window may no longer concern them). */
  previously?: Coverage,
): Promise<boolean> {
  const coveredBy = (w: Coverage) =>
    allComponents().filter((c) => windowCovers({ affectsPortal: w.affectsPortal, affectsCRM: w.affectsCrm, components: w.components }, c.id));
  const covered = coveredBy(window);
  const told = new Set([...covered, ...(previously ? coveredBy(previously) : [])].map((c) => c.id));
  return announce(tx, kind, variant ? `${kind}:${window.id}:${variant}` : `${kind}:${window.id}`, [...told], {
    type: "maintenance",
    id: window.id,
    title: window.title,
    description: window.description,
    scheduledStart: window.scheduledStart.toISOString(),
    scheduledEnd: window.scheduledEnd.toISOString(),
    componentNames: covered.map((c) => c.name),
  });
}

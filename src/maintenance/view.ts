import type { Component, MaintenanceWindow } from "../db/schema.ts";

export interface MaintenanceView {
  id: string;
  title: string;
  description: string | null;
  scheduledStart: string;
  scheduledEnd: string;
  actualStart: string | null;
  actualEnd: string | null;
  status: MaintenanceWindow["status"];
  affectsPortal: boolean;
  affectsCRM: boolean;
  /** The components the window takes down, when named; null: what affectsPortal / affectsCRM imply. */
  components: Component[] | null;
  metadata: Record<string, unknown>;
  createdAt: string;
  createdBy: string | null;
}

export function maintenanceView(w: MaintenanceWindow): MaintenanceView {
  return {
    id: w.id,
    title: w.title,
    description: w.description,
    scheduledStart: w.scheduledStart.toISOString(),
    scheduledEnd: w.scheduledEnd.toISOString(),
    actualStart: w.actualStart?.toISOString() ?? null,
    actualEnd: w.actualEnd?.toISOString() ?? null,
    status: w.status,
    affectsPortal: w.affectsPortal,
    affectsCRM: w.affectsCrm,
    components: (w.components as Component[] | null) ?? null,
    metadata: w.metadata,
    createdAt: w.createdAt.toISOString(),
    createdBy: w.createdBy,
  };
}

// Atlassian Statuspage's public API v2 shapes, so aggregators and chat integrations that
// read Statuspage read this service unchanged. Mapping from this service's states:
// incidents are "investigating" while open and "resolved" after; impact comes from the
// incident status (degraded → minor, partial_outage → major, major_outage → critical);
// maintenance statuses map one to one (cancelled windows are left out).
import type { IncidentEntry, MaintenanceEntry, PageData } from "./page-data.ts";
import { incidentImpact, PAGE_COMPONENTS, windowCovers, type PageModel } from "./page-model.ts";

export interface PageInfo {
  id: string;
  name: string;
  url: string;
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

export function v2Page(info: PageInfo, data: PageData) {
  return { id: info.id, name: info.name, url: info.url, time_zone: "Etc/UTC", updated_at: data.now.toISOString() };
}

export function v2Status(model: PageModel) {
  return { indicator: model.indicator, description: model.description };
}

export function v2Components(info: PageInfo, model: PageModel, data: PageData) {
  return model.components.map((c, position) => ({
    id: c.id,
    name: c.name,
    status: c.state,
    created_at: "2025-10-22T00:00:00.000Z",
    updated_at: (data.latest[c.id]?.checkedAt ?? data.now).toISOString(),
    position: position + 1,
    description: c.description,
    showcase: true,
    start_date: null,
    group_id: null,
    page_id: info.id,
    group: false,
    only_show_if_degraded: false,
  }));
}

const componentRef = (info: PageInfo, id: string) => {
  const c = PAGE_COMPONENTS.find((p) => p.id === id);
  return { id, name: c?.name ?? id, status: "operational", page_id: info.id, position: PAGE_COMPONENTS.findIndex((p) => p.id === id) + 1 };
};

export function v2Incident(info: PageInfo, incident: IncidentEntry) {
  const resolved = incident.resolvedAt !== null;
  return {
    id: incident.id,
    name: incident.message ?? `${incident.component} ${incident.status.replace("_", " ")}`,
    status: resolved ? "resolved" : "investigating",
    created_at: incident.startedAt.toISOString(),
    updated_at: (incident.updates.at(-1)?.at ?? incident.startedAt).toISOString(),
    monitoring_at: null,
    resolved_at: iso(incident.resolvedAt),
    impact: incidentImpact(incident.status),
    shortlink: `${info.url}/#incident-${incident.id}`,
    started_at: incident.startedAt.toISOString(),
    page_id: info.id,
    incident_updates: [...incident.updates].reverse().map((u, i) => ({
      id: `${incident.id}-${incident.updates.length - i}`,
      status: u.resolved ? "resolved" : "investigating",
      body: u.message ?? "",
      incident_id: incident.id,
      created_at: u.at.toISOString(),
      updated_at: u.at.toISOString(),
      display_at: u.at.toISOString(),
      affected_components: null,
    })),
    components: [componentRef(info, incident.component)],
  };
}

export function v2Maintenance(info: PageInfo, window: MaintenanceEntry) {
  const components = PAGE_COMPONENTS.filter((c) => windowCovers(window, c.id)).map((c) => componentRef(info, c.id));
  const status = window.status === "in_progress" ? "in_progress" : window.status === "completed" ? "completed" : "scheduled";
  return {
    id: window.id,
    name: window.title,
    status,
    created_at: window.createdAt.toISOString(),
    updated_at: (window.actualEnd ?? window.actualStart ?? window.createdAt).toISOString(),
    monitoring_at: null,
    resolved_at: iso(window.actualEnd),
    impact: "maintenance",
    shortlink: `${info.url}/#maintenance-${window.id}`,
    started_at: (window.actualStart ?? window.scheduledStart).toISOString(),
    page_id: info.id,
    scheduled_for: window.scheduledStart.toISOString(),
    scheduled_until: window.scheduledEnd.toISOString(),
    incident_updates: window.description
      ? [{ id: `${window.id}-1`, status, body: window.description, incident_id: window.id, created_at: window.createdAt.toISOString(), updated_at: window.createdAt.toISOString(), display_at: window.createdAt.toISOString(), affected_components: null }]
      : [],
    components,
  };
}

export function v2Summary(info: PageInfo, model: PageModel, data: PageData) {
  return {
    page: v2Page(info, data),
    status: v2Status(model),
    components: v2Components(info, model, data),
    incidents: model.activeIncidents.map((i) => v2Incident(info, i)),
    scheduled_maintenances: [...model.activeMaintenance, ...model.upcomingMaintenance].map((w) => v2Maintenance(info, w)),
  };
}

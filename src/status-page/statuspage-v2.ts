// Atlassian Statuspage's public API v2 shapes, field for field as real pages serve them
// (compared with live summary.json, incidents.json and components.json captures), so
// aggregators, widgets and chat integrations that read Statuspage read this unchanged.
//
// Mapping: an incident's status is its phase (investigating, identified, monitoring,
// resolved); its impact comes from its severity (degraded → minor, partial_outage → major,
// major_outage → critical); every update names the component it moved, from which state to
// which. Maintenance: scheduled / in_progress / completed (cancelled windows are left out),
// impact "maintenance", and the updates a real page would have posted — "scheduled" when
// the window was created, "in_progress" when it started, "completed" when it ended.
import type { IncidentEntry, MaintenanceEntry, PageData } from "./page-data.ts";
import { windowCovers } from "../components/components.ts";
import { componentState, incidentImpact, type ComponentState, type PageModel } from "./page-model.ts";

export interface PageInfo {
  id: string;
  name: string;
  url: string;
}

/** How many incidents and maintenances the list endpoints give, as Statuspage's do. */
const LIST_LIMIT = 50;

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

type V2Component = ReturnType<typeof v2Components>[number];

interface Update {
  id: string;
  status: string;
  body: string;
  at: Date;
  affected: { code: string; name: string; old_status: ComponentState; new_status: ComponentState }[];
  notify: boolean;
}

function v2Update(parentId: string, u: Update) {
  return {
    id: u.id,
    status: u.status,
    body: u.body,
    incident_id: parentId,
    created_at: u.at.toISOString(),
    updated_at: u.at.toISOString(),
    display_at: u.at.toISOString(),
    affected_components: u.affected,
    deliver_notifications: u.notify,
    custom_tweet: null,
    tweet_id: null,
  };
}

/** The fields incidents and maintenances share, in Statuspage's order. */
function v2Event(
  info: PageInfo,
  e: {
    id: string;
    name: string;
    status: string;
    createdAt: Date;
    monitoringAt: Date | null;
    resolvedAt: Date | null;
    impact: string;
    anchor: string;
    startedAt: Date;
    updates: Update[];
    components: V2Component[];
  },
) {
  const newestFirst = [...e.updates].sort((a, b) => b.at.getTime() - a.at.getTime());
  return {
    id: e.id,
    name: e.name,
    status: e.status,
    created_at: e.createdAt.toISOString(),
    updated_at: (newestFirst[0]?.at ?? e.createdAt).toISOString(),
    monitoring_at: iso(e.monitoringAt),
    resolved_at: iso(e.resolvedAt),
    impact: e.impact,
    shortlink: `${info.url}/#${e.anchor}`,
    started_at: e.startedAt.toISOString(),
    page_id: info.id,
    incident_updates: newestFirst.map((u) => v2Update(e.id, u)),
    components: e.components,
    reminder_intervals: null,
  };
}

const byId = (components: V2Component[]) => new Map(components.map((c) => [c.id, c]));

export function v2Incident(info: PageInfo, incident: IncidentEntry, components: V2Component[]) {
  const component = byId(components).get(incident.component);
  const name = component?.name ?? incident.component;
  let previous: ComponentState = "operational";
  const updates: Update[] = incident.updates.map((u, i) => {
    const next = u.resolved ? "operational" : componentState(u.status);
    const update: Update = {
      id: u.id ?? `${incident.id}-${i + 1}`,
      status: u.resolved ? "resolved" : u.phase,
      body: u.message ?? "",
      at: u.at,
      affected: [{ code: incident.component, name, old_status: previous, new_status: next }],
      notify: true,
    };
    previous = next;
    return update;
  });
  return v2Event(info, {
    id: incident.id,
    name: incident.message ?? `${name}: ${incident.status.replace("_", " ")}`,
    status: incident.resolvedAt ? "resolved" : incident.phase,
    createdAt: incident.startedAt,
    monitoringAt: incident.updates.find((u) => u.phase === "monitoring")?.at ?? null,
    resolvedAt: incident.resolvedAt,
    impact: incidentImpact(incident.status),
    anchor: `incident-${incident.id}`,
    startedAt: incident.startedAt,
    updates,
    components: component ? [component] : [],
  });
}

export function v2Maintenance(info: PageInfo, window: MaintenanceEntry, components: V2Component[]) {
  const covered = components.filter((c) => windowCovers(window, c.id));
  const affected = (from: ComponentState, to: ComponentState) => covered.map((c) => ({ code: c.id, name: c.name, old_status: from, new_status: to }));
  const status = window.status === "in_progress" ? "in_progress" : window.status === "completed" ? "completed" : "scheduled";
  const updates: Update[] = [
    {
      id: `${window.id}-scheduled`,
      status: "scheduled",
      body: window.description ?? "We will be undergoing scheduled maintenance during this time.",
      at: window.createdAt,
      affected: affected("operational", "operational"),
      notify: true,
    },
  ];
  if (window.actualStart && status !== "scheduled") {
    updates.push({
      id: `${window.id}-in-progress`,
      status: "in_progress",
      body: "Scheduled maintenance is currently in progress. We will provide updates as necessary.",
      at: window.actualStart,
      affected: affected("operational", "under_maintenance"),
      notify: false,
    });
  }
  if (window.actualEnd && status === "completed") {
    updates.push({
      id: `${window.id}-completed`,
      status: "completed",
      body: "The scheduled maintenance has been completed.",
      at: window.actualEnd,
      affected: affected("under_maintenance", "operational"),
      notify: true,
    });
  }
  return {
    ...v2Event(info, {
      id: window.id,
      name: window.title,
      status,
      createdAt: window.createdAt,
      monitoringAt: null,
      resolvedAt: window.actualEnd,
      impact: "maintenance",
      anchor: `maintenance-${window.id}`,
      startedAt: window.actualStart ?? window.scheduledStart,
      updates,
      components: covered,
    }),
    scheduled_for: window.scheduledStart.toISOString(),
    scheduled_until: window.scheduledEnd.toISOString(),
  };
}

/** Every endpoint's body, built from one page model. */
export function v2Endpoints(info: PageInfo, model: PageModel, data: PageData) {
  const page = v2Page(info, data);
  const components = v2Components(info, model, data);
  const incident = (i: IncidentEntry) => v2Incident(info, i, components);
  const maintenance = (w: MaintenanceEntry) => v2Maintenance(info, w, components);
  const recentMaintenance = [...data.maintenance]
    .filter((w) => w.status !== "cancelled")
    .sort((a, b) => b.scheduledStart.getTime() - a.scheduledStart.getTime())
    .slice(0, LIST_LIMIT);
  return {
    summary: {
      page,
      components,
      incidents: model.activeIncidents.map(incident),
      scheduled_maintenances: [...model.activeMaintenance, ...model.upcomingMaintenance].map(maintenance),
      status: v2Status(model),
    },
    status: { page, status: v2Status(model) },
    components: { page, components },
    incidents: { page, incidents: data.incidents.slice(0, LIST_LIMIT).map(incident) },
    unresolved: { page, incidents: model.activeIncidents.map(incident) },
    maintenances: { page, scheduled_maintenances: recentMaintenance.map(maintenance) },
    upcoming: { page, scheduled_maintenances: model.upcomingMaintenance.map(maintenance) },
    active: { page, scheduled_maintenances: model.activeMaintenance.map(maintenance) },
  };
}

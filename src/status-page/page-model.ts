// What the public page and the Statuspage-compatible formats say, derived from PageData:
// each component's state, the overall indicator, and which incidents and windows to show.
// States follow Atlassian Statuspage's vocabulary so its consumers can read them unchanged.
import type { HealthStatus, IncidentStatus } from "../db/schema.ts";
import { systemStatus } from "../status/system-status.ts";
import { allComponents, windowCovers } from "../components/components.ts";
import type { IncidentEntry, MaintenanceEntry, PageData } from "./page-data.ts";

export type ComponentState = "operational" | "under_maintenance" | "degraded_performance" | "partial_outage" | "major_outage";
/** Statuspage's status.indicator; "maintenance" while a window is in progress and nothing is worse. */
export type Indicator = "none" | "minor" | "major" | "critical" | "maintenance";

const SEVERITY: ComponentState[] = ["operational", "under_maintenance", "degraded_performance", "partial_outage", "major_outage"];
const worse = (a: ComponentState, b: ComponentState) => (SEVERITY.indexOf(b) > SEVERITY.indexOf(a) ? b : a);

export const STATE_LABEL: Record<ComponentState, string> = {
  operational: "Operational",
  under_maintenance: "Under maintenance",
  degraded_performance: "Degraded performance",
  partial_outage: "Partial outage",
  major_outage: "Major outage",
};

const HEALTH_STATE: Record<HealthStatus, ComponentState> = { healthy: "operational", degraded: "degraded_performance", unhealthy: "major_outage" };

const INCIDENT_STATE: Record<IncidentStatus, ComponentState> = {
  operational: "operational",
  maintenance: "under_maintenance",
  degraded: "degraded_performance",
  partial_outage: "partial_outage",
  major_outage: "major_outage",
};

/** An overall or incident status in Statuspage's component vocabulary. */
export function componentState(status: IncidentStatus): ComponentState {
  return INCIDENT_STATE[status];
}

export function incidentImpact(status: IncidentStatus): "none" | "minor" | "major" | "critical" | "maintenance" {
  return ({ operational: "none", maintenance: "maintenance", degraded: "minor", partial_outage: "major", major_outage: "critical" } as const)[status];
}

export interface ComponentModel {
  id: string;
  name: string;
  description: string;
  state: ComponentState;
  responseTimeMs: number | null;
}

export interface PageModel {
  /** The overall state, by the same rule as /api/portal/status's systemStatus. */
  state: IncidentStatus;
  indicator: Indicator;
  description: string;
  components: ComponentModel[];
  activeIncidents: IncidentEntry[];
  recentIncidents: IncidentEntry[];
  activeMaintenance: MaintenanceEntry[];
  upcomingMaintenance: MaintenanceEntry[];
  pastMaintenance: MaintenanceEntry[];
}

const OVERALL: Record<IncidentStatus, readonly [Indicator, string]> = {
  major_outage: ["critical", "Major System Outage"],
  partial_outage: ["major", "Partial System Outage"],
  degraded: ["minor", "Minor Service Outage"],
  maintenance: ["maintenance", "Service Under Maintenance"],
  operational: ["none", "All Systems Operational"],
};

export function buildPageModel(data: PageData): PageModel {
  const activeIncidents = data.incidents.filter((i) => !i.resolvedAt);
  const activeMaintenance = data.maintenance.filter((m) => m.status === "in_progress");
  const components = allComponents().map(({ id, name, description }) => {
    const check = data.latest[id];
    let state: ComponentState = check ? HEALTH_STATE[check.status] : "operational";
    for (const incident of activeIncidents) if (incident.component === id) state = worse(state, INCIDENT_STATE[incident.status]);
    if (activeMaintenance.some((m) => windowCovers(m, id))) state = worse(state, "under_maintenance");
    return { id, name, description, state, responseTimeMs: check?.responseTimeMs ?? null };
  });

  const state = systemStatus({
    maintenance: activeMaintenance.length > 0,
    incidents: activeIncidents.map((i) => i.status),
    health: Object.values(data.latest).map((l) => l.status),
  });
  const [indicator, description] = OVERALL[state];

  return {
    state,
    indicator,
    description,
    components,
    activeIncidents,
    recentIncidents: data.incidents.filter((i) => i.resolvedAt),
    activeMaintenance,
    upcomingMaintenance: data.maintenance.filter((m) => m.status === "scheduled" && m.scheduledEnd > data.now),
    pastMaintenance: data.maintenance.filter((m) => m.status === "completed"),
  };
}

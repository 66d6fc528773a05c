// Turns a snapshot into the spec's /api/portal/status answer.
import type { IncidentStatus } from "../db/schema.ts";
import type { StatusSnapshot } from "./load-status.ts";
import type { VersionInfo } from "./version.ts";

const SEVERITY: IncidentStatus[] = ["operational", "maintenance", "degraded", "partial_outage", "major_outage"];

export function worstStatus(statuses: IncidentStatus[]): IncidentStatus {
  return statuses.reduce<IncidentStatus>(
    (worst, s) => (SEVERITY.indexOf(s) > SEVERITY.indexOf(worst) ? s : worst),
    "operational",
  );
}

export function buildStatus(snapshot: StatusSnapshot, version: VersionInfo, now: Date) {
  const maintenanceMode = snapshot.currentMaintenance !== null;
  return {
    maintenanceMode,
    currentMaintenance: snapshot.currentMaintenance,
    upcomingMaintenance: snapshot.upcomingMaintenance,
    featureFlags: snapshot.featureFlags,
    version,
    knownIssues: snapshot.knownIssues,
    systemStatus: maintenanceMode ? ("maintenance" as const) : worstStatus(snapshot.knownIssues.map((i) => i.status)),
    timestamp: now.toISOString(),
  };
}

export type PortalStatus = ReturnType<typeof buildStatus>;

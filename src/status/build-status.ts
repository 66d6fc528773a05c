// Turns a snapshot into the spec's /api/portal/status answer.
import type { StatusSnapshot } from "./load-status.ts";
import { systemStatus } from "./system-status.ts";
import type { VersionInfo } from "./version.ts";

export function buildStatus(snapshot: StatusSnapshot, version: VersionInfo, now: Date) {
  const maintenanceMode = snapshot.currentMaintenance !== null;
  return {
    maintenanceMode,
    currentMaintenance: snapshot.currentMaintenance,
    upcomingMaintenance: snapshot.upcomingMaintenance,
    featureFlags: snapshot.featureFlags,
    version,
    knownIssues: snapshot.knownIssues,
    systemStatus: systemStatus({ maintenance: maintenanceMode, incidents: snapshot.knownIssues.map((i) => i.status), health: Object.values(snapshot.health) }),
    timestamp: now.toISOString(),
  };
}

export type PortalStatus = ReturnType<typeof buildStatus>;

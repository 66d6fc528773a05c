// The one rule for the overall state, shared by /api/portal/status, the status page and
// every format built on it: the worst of maintenance in progress, the open incidents and
// the latest probe round of each component, when that round is fresh. Probes follow
// /api/portal/health's rules (one unhealthy component is a partial outage, two or more a
// major one), so /status and /health cannot disagree about the same round.
import type { HealthStatus, IncidentStatus } from "../db/schema.ts";
import { overallStatus } from "../health/overall.ts";

/** Cron runs every minute; a round older than two runs no longer describes the present. */
export const HEALTH_FRESH_MS = 2 * 60_000;

const SEVERITY: IncidentStatus[] = ["operational", "maintenance", "degraded", "partial_outage", "major_outage"];

export function worstStatus(statuses: IncidentStatus[]): IncidentStatus {
  return statuses.reduce<IncidentStatus>((worst, s) => (SEVERITY.indexOf(s) > SEVERITY.indexOf(worst) ? s : worst), "operational");
}

export function systemStatus(facts: { maintenance: boolean; incidents: IncidentStatus[]; health: HealthStatus[] }): IncidentStatus {
  return worstStatus([
    ...(facts.maintenance ? (["maintenance"] as const) : []),
    ...facts.incidents,
    ...(facts.health.length > 0 ? [overallStatus(facts.health)] : []),
  ]);
}

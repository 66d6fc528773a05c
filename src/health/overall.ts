// The spec's rules for the overall state and the HTTP code that carries it.
import type { HealthStatus } from "../db/schema.ts";

export type OverallStatus = "operational" | "degraded" | "partial_outage" | "major_outage";

export function overallStatus(statuses: HealthStatus[]): OverallStatus {
  const unhealthy = statuses.filter((s) => s === "unhealthy").length;
  if (unhealthy >= 2) return "major_outage";
  if (unhealthy === 1) return "partial_outage";
  if (statuses.includes("degraded")) return "degraded";
  return "operational";
}

export function httpStatusFor(status: OverallStatus): 200 | 503 {
  return status === "operational" || status === "degraded" ? 200 : 503;
}

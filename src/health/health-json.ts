// /api/portal/health as IETF "Health Check Response Format for HTTP APIs"
// (draft-inadarei-api-health-check, media type application/health+json).
import type { HealthStatus } from "../db/schema.ts";
import type { HealthReport } from "./check-health.ts";

export const HEALTH_JSON = "application/health+json";

const STATUS: Record<HealthStatus, "pass" | "warn" | "fail"> = { healthy: "pass", degraded: "warn", unhealthy: "fail" };

export function wantsHealthJson(accept: string | undefined): boolean {
  return (accept ?? "").split(",").some((part) => part.trim().split(";")[0]!.toLowerCase() === HEALTH_JSON);
}

export function toHealthJson(report: HealthReport, version: { app: string; build: string }) {
  const overall = report.status === "operational" ? "pass" : report.status === "degraded" ? "warn" : "fail";
  return {
    status: overall,
    version: "1",
    releaseId: `${version.app}+${version.build}`,
    serviceId: "portal-health-status",
    description: "Portal health: database, payments, SMS and email",
    checks: Object.fromEntries(
      Object.entries(report.components).map(([component, health]) => [
        `${component}:responseTime`,
        [
          {
            componentId: component,
            componentType: component === "database" ? "datastore" : component === "api" ? "system" : "component",
            observedValue: health.responseTime,
            observedUnit: "ms",
            status: STATUS[health.status],
            time: health.lastChecked,
            ...(health.message ? { output: health.message } : {}),
          },
        ],
      ]),
    ),
    notes: [`Overall: ${report.status}`],
  };
}

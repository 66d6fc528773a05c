// /api/portal/health as IETF "Health Check Response Format for HTTP APIs"
// (draft-inadarei-api-health-check, media type application/health+json).
import type { HealthStatus } from "../db/schema.ts";
import type { HealthReport } from "./check-health.ts";

export const HEALTH_JSON = "application/health+json";

const STATUS: Record<HealthStatus, "pass" | "warn" | "fail"> = { healthy: "pass", degraded: "warn", unhealthy: "fail" };

/**
 * Content negotiation (RFC 9110 §12.5.1) between application/json, the default, and
 * application/health+json: the IETF form only when the client names it explicitly, with a
 * weight above zero and at least as high as application/json's (a wildcard never picks it).
 */
export function wantsHealthJson(accept: string | undefined): boolean {
  const ranges = (accept ?? "")
    .split(",")
    .map((part) => {
      const [range = "", ...params] = part.split(";").map((p) => p.trim());
      const q = params.find((p) => /^q=/i.test(p));
      const weight = q ? Number(q.slice(2)) : 1;
      return { range: range.toLowerCase(), weight: Number.isFinite(weight) ? Math.min(1, Math.max(0, weight)) : 0 };
    })
    .filter((r) => r.range !== "");
  const weightOf = (type: string) => {
    const [major] = type.split("/");
    const exact = ranges.find((r) => r.range === type);
    if (exact) return { weight: exact.weight, named: true };
    const wildcard = ranges.find((r) => r.range === `${major}/*`) ?? ranges.find((r) => r.range === "*/*");
    return { weight: wildcard?.weight ?? (ranges.length === 0 ? 1 : 0), named: false };
  };
  const health = weightOf(HEALTH_JSON);
  const json = weightOf("application/json");
  return health.named && health.weight > 0 && health.weight >= json.weight;
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

import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { componentIds, probedIds } from "../components/components.ts";
import { HEALTH_STATUSES, INCIDENT_STATUSES } from "../db/schema.ts";
import type { AppEnv } from "../env.ts";
import { success } from "../http/envelope.ts";
import { CACHED_HEADERS, errorResponse, notModified, PUBLIC, successEnvelope, tooManyRequests } from "../http/openapi.ts";
import { versionInfo } from "../status/version.ts";
import { serveCached, type Producer } from "../edge/edge-cache.ts";
import { HEALTH_CACHE } from "../edge/public-policies.ts";
import { sharedProbeRound } from "./check-health.ts";
import { HEALTH_JSON, toHealthJson, wantsHealthJson } from "./health-json.ts";
import { httpStatusFor } from "./overall.ts";

const ComponentHealth = z
  .object({
    status: z.enum(HEALTH_STATUSES),
    responseTime: z.number().int().openapi({ description: "Milliseconds the probe took", example: 45 }),
    lastChecked: z.string().datetime().openapi({ example: "2025-10-22T12:00:00.000Z" }),
    message: z.string().max(200).optional().openapi({ description: "Why the component is not healthy (sanitized)" }),
  })
  .openapi("ComponentHealth");

const Health = z
  .object({
    status: z.enum(["operational", "degraded", "partial_outage", "major_outage"]),
    // One entry per probed component of the registry.
    components: z.object(Object.fromEntries(probedIds().map((id) => [id, ComponentHealth]))),
    lastIncident: z.union([
      z.object({
        component: z.enum(componentIds()),
        status: z.enum(INCIDENT_STATUSES),
        message: z.string().nullable(),
        timestamp: z.string().datetime(),
      }),
      z.null(),
    ]),
    timestamp: z.string().datetime(),
  })
  .openapi("Health");

const HealthEnvelope = successEnvelope(Health, "HealthResponse");

const HealthCheck = z.object({
  componentId: z.string(),
  componentType: z.enum(["datastore", "system", "component"]),
  observedValue: z.number(),
  observedUnit: z.literal("ms"),
  status: z.enum(["pass", "warn", "fail"]),
  time: z.string().datetime(),
  output: z.string().optional(),
});
const HealthJson = z
  .object({
    status: z.enum(["pass", "warn", "fail"]),
    version: z.string(),
    releaseId: z.string(),
    serviceId: z.string(),
    description: z.string(),
    checks: z.record(z.string(), z.array(HealthCheck)),
    notes: z.array(z.string()),
  })
  .openapi("HealthCheckResponse", { description: "draft-inadarei-api-health-check (application/health+json)" });

export const healthRoute = createRoute({
  method: "get",
  operationId: "getHealth",
  path: "/api/portal/health",
  tags: ["Public"],
  ...PUBLIC,
  summary: "System health",
  description:
    "Probes the database, Stripe, Twilio and Resend in parallel. 200 while operational or degraded, 503 during a partial or major outage; the body has the same shape either way.",
  responses: {
    200: {
      description: "Operational or degraded. With `Accept: application/health+json`, the IETF health check format (draft-inadarei-api-health-check) instead.",
      headers: { ...CACHED_HEADERS, Vary: { description: "Accept: two representations of one URL", schema: { type: "string" } } },
      content: { "application/json": { schema: HealthEnvelope }, "application/health+json": { schema: HealthJson } },
    },
    304: notModified,
    503: {
      description: "Partial or major outage (same shapes as 200)",
      headers: { ...CACHED_HEADERS },
      content: { "application/json": { schema: HealthEnvelope }, "application/health+json": { schema: HealthJson } },
    },
    429: tooManyRequests(),
    500: errorResponse("Unexpected failure"),
  },
});

/** The /health answer: a probe round (shared with any under way), in the form Accept asks for. */
export const produceHealth: Producer = async (ctx) => {
  const report = await sharedProbeRound(ctx.config, ctx.database, ctx.requestStartedAt);
  const database = report.components.database;
  const slowest = Math.max(...Object.values(report.components).map((c) => c.responseTime));
  const healthJson = wantsHealthJson(ctx.headers.get("accept") ?? undefined);
  const body = healthJson ? toHealthJson(report, versionInfo(ctx.config, ctx.env)) : success(report);
  return new Response(JSON.stringify(body), {
    status: httpStatusFor(report.status),
    headers: {
      "Content-Type": healthJson ? `${HEALTH_JSON}; charset=utf-8` : "application/json",
      // Two representations of one URL, chosen by Accept: caches must key on it.
      Vary: "Accept",
      "Server-Timing": `${database ? `db;dur=${database.responseTime};desc="database probe", ` : ""}probes;dur=${slowest};desc="probe round"`,
    },
  });
};

// Declared for the document; the answer comes from the edge cache or the producer.
export const healthRoutes = new OpenAPIHono<AppEnv>().openapi(healthRoute, (c) => serveCached(c, HEALTH_CACHE, produceHealth) as never);

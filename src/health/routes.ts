import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { COMPONENTS, HEALTH_STATUSES, INCIDENT_STATUSES } from "../db/schema.ts";
import type { AppEnv } from "../env.ts";
import { success } from "../http/envelope.ts";
import { CACHED_HEADERS, errorResponse, notModified, PUBLIC, successEnvelope, tooManyRequests } from "../http/openapi.ts";
import { setMetric } from "hono/timing";
import { versionInfo } from "../status/version.ts";
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
    components: z.object({
      api: ComponentHealth,
      database: ComponentHealth,
      stripe: ComponentHealth,
      twilio: ComponentHealth,
      email: ComponentHealth,
    }),
    lastIncident: z.union([
      z.object({
        component: z.enum(COMPONENTS),
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

export const healthRoutes = new OpenAPIHono<AppEnv>().openapi(healthRoute, async (c) => {
  // Two representations of one URL, chosen by Accept: caches must key on it.
  c.header("Vary", "Accept");
  const report = await sharedProbeRound(c.env, c.get("database"), c.get("requestStartedAt"));
  const { database, stripe, twilio, email } = report.components;
  setMetric(c, "db", database.responseTime, "database probe");
  setMetric(c, "probes", Math.max(database.responseTime, stripe.responseTime, twilio.responseTime, email.responseTime), "probe round");
  if (wantsHealthJson(c.req.header("accept"))) {
    // Declared in the route's responses; the typed helpers only know the JSON envelope.
    return c.body(JSON.stringify(toHealthJson(report, versionInfo(c.env))), httpStatusFor(report.status), {
      "Content-Type": `${HEALTH_JSON}; charset=utf-8`,
    }) as never;
  }
  return c.json(success(report), httpStatusFor(report.status));
});

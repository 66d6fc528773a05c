import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { COMPONENTS, HEALTH_STATUSES, INCIDENT_STATUSES } from "../db/schema.ts";
import type { AppEnv } from "../env.ts";
import { success } from "../http/envelope.ts";
import { errorResponse, successEnvelope } from "../http/openapi.ts";
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
    lastIncident: z
      .object({
        component: z.enum(COMPONENTS),
        status: z.enum(INCIDENT_STATUSES),
        message: z.string().nullable(),
        timestamp: z.string().datetime(),
      })
      .nullable(),
    timestamp: z.string().datetime(),
  })
  .openapi("Health");

const HealthEnvelope = successEnvelope(Health, "HealthResponse");

export const healthRoute = createRoute({
  method: "get",
  path: "/api/portal/health",
  tags: ["Public"],
  summary: "System health",
  description:
    "Probes the database, Stripe, Twilio and Resend in parallel. 200 while operational or degraded, 503 during a partial or major outage; the body has the same shape either way.",
  responses: {
    200: {
      description: "Operational or degraded. With `Accept: application/health+json`, the IETF health check format (draft-inadarei-api-health-check) instead.",
      content: { "application/json": { schema: HealthEnvelope }, "application/health+json": { schema: z.record(z.string(), z.unknown()) } },
    },
    503: { description: "Partial or major outage", content: { "application/json": { schema: HealthEnvelope } } },
    429: errorResponse("Over the client's rate limit; see Retry-After"),
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
    return c.body(JSON.stringify(toHealthJson(report, versionInfo(c.env))), httpStatusFor(report.status), { "Content-Type": `${HEALTH_JSON}; charset=utf-8` }) as never;
  }
  return c.json(success(report), httpStatusFor(report.status));
});

import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { endTime, startTime } from "hono/timing";
import { COMPONENTS, INCIDENT_STATUSES, MAINTENANCE_STATUSES } from "../db/schema.ts";
import type { AppEnv } from "../env.ts";
import { success } from "../http/envelope.ts";
import { ApiError } from "../http/errors.ts";
import { logEvent } from "../lib/log.ts";
import { sanitizeErrorMessage } from "../lib/sanitize.ts";
import { errorResponse, successEnvelope } from "../http/openapi.ts";
import { buildStatus } from "./build-status.ts";
import { loadStatusSnapshot } from "./load-status.ts";
import { versionInfo } from "./version.ts";

const Maintenance = z
  .object({
    id: z.string().uuid(),
    title: z.string(),
    description: z.string().nullable(),
    scheduledStart: z.string().datetime(),
    scheduledEnd: z.string().datetime(),
    actualStart: z.string().datetime().nullable().optional(),
    status: z.enum(MAINTENANCE_STATUSES),
    affectsPortal: z.boolean(),
    affectsCRM: z.boolean(),
  })
  .openapi("MaintenanceWindow");

const PortalStatus = z
  .object({
    maintenanceMode: z.boolean(),
    currentMaintenance: Maintenance.nullable(),
    upcomingMaintenance: z.array(Maintenance).openapi({ description: "Scheduled windows starting within the next 7 days" }),
    featureFlags: z
      .record(z.string(), z.boolean())
      .openapi({ description: "Every flag; true only when enabled at 100% rollout", example: { portal_analytics: true, portal_dark_mode: false } }),
    version: z.object({ app: z.string(), api: z.literal("v1"), build: z.string(), deployedAt: z.string().nullable() }),
    knownIssues: z.array(
      z.object({
        id: z.string().uuid(),
        component: z.enum(COMPONENTS),
        status: z.enum(INCIDENT_STATUSES),
        message: z.string().nullable(),
        startedAt: z.string().datetime(),
      }),
    ),
    systemStatus: z.enum(INCIDENT_STATUSES),
    timestamp: z.string().datetime(),
  })
  .openapi("PortalStatus");

// When the database fails, the last good answer is served with these two added.
const StaleMarkers = z.object({
  stale: z.literal(true).optional().openapi({ description: "Present when this is the last good answer, served because the database failed" }),
  generatedAt: z.string().datetime().optional().openapi({ description: "When a stale answer was generated" }),
});

export const statusRoute = createRoute({
  method: "get",
  path: "/api/portal/status",
  tags: ["Public"],
  summary: "Portal status",
  description: "Maintenance mode, upcoming maintenance, feature flags, version and known issues, read in one database round trip.",
  responses: {
    200: { description: "Current portal status", content: { "application/json": { schema: successEnvelope(PortalStatus, "PortalStatusResponse").extend(StaleMarkers.shape) } } },
    429: errorResponse("Over the client's rate limit; see Retry-After"),
    500: errorResponse("Unexpected failure"),
    503: errorResponse("The database cannot be reached and no recent answer is cached"),
  },
});

export const statusRoutes = new OpenAPIHono<AppEnv>().openapi(statusRoute, async (c) => {
  const now = new Date();
  startTime(c, "db", "status query");
  const snapshot = await loadStatusSnapshot(c.get("database")(), now).catch((error: unknown) => {
    logEvent("warn", "status_database_unavailable", { requestId: c.get("requestId"), message: sanitizeErrorMessage(error) });
    throw new ApiError(503, "DATABASE_UNAVAILABLE", "Status is temporarily unavailable; try again shortly");
  });
  endTime(c, "db");
  if (snapshot.currentMaintenance) {
    // Clients that honour Retry-After come back once the window is due to end.
    const seconds = Math.ceil((new Date(snapshot.currentMaintenance.scheduledEnd).getTime() - now.getTime()) / 1000);
    c.header("Retry-After", String(Math.max(1, seconds)));
  }
  return c.json(success(buildStatus(snapshot, versionInfo(c.env), now)), 200);
});

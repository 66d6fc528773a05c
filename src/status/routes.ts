import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { componentIds } from "../components/components.ts";
import { INCIDENT_STATUSES, MAINTENANCE_STATUSES } from "../db/schema.ts";
import type { AppEnv } from "../env.ts";
import { success } from "../http/envelope.ts";
import { CACHED_HEADERS, errorResponse, notModified, PUBLIC, successEnvelope, tooManyRequests } from "../http/openapi.ts";
import { sharedProbeRound } from "../health/check-health.ts";
import { serveCached, type Producer } from "../edge/edge-cache.ts";
import { STATUS_CACHE } from "../edge/public-policies.ts";
import { degradedHeaders, staleMarkers } from "../outage/degraded-answer.ts";
import { lastKnownDeps, readOrLastKnown } from "../outage/last-known.ts";
import { buildStatus } from "./build-status.ts";
import { loadStatusSnapshot, type StatusSnapshot } from "./load-status.ts";
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
    currentMaintenance: z.union([Maintenance, z.null()]),
    upcomingMaintenance: z.array(Maintenance).openapi({ description: "Scheduled windows starting within the next 7 days" }),
    featureFlags: z
      .record(z.string(), z.boolean())
      .openapi({ description: "Every flag; true only when enabled at 100% rollout", example: { portal_analytics: true, portal_dark_mode: false } }),
    version: z.object({ app: z.string(), api: z.literal("v1"), build: z.string(), deployedAt: z.string().nullable() }),
    knownIssues: z.array(
      z.object({
        id: z.string().uuid(),
        component: z.enum(componentIds()),
        status: z.enum(INCIDENT_STATUSES),
        message: z.string().nullable(),
        startedAt: z.string().datetime(),
      }),
    ),
    systemStatus: z.enum(INCIDENT_STATUSES),
    timestamp: z.string().datetime(),
  })
  .openapi("PortalStatus");

// When the database cannot be read, the answer is built from the last known state.
const StaleMarkers = z.object({
  stale: z
    .literal(true)
    .optional()
    .openapi({ description: "Present when the database could not be read: the data is the last known state, systemStatus still counts the live probes" }),
  generatedAt: z
    .string()
    .datetime()
    .nullable()
    .optional()
    .openapi({ description: "When a stale answer's data was read from the database; null when nothing was known" }),
  unavailableSince: z.string().datetime().optional().openapi({ description: "Since when the database has been unavailable, as far as this service knows" }),
});

export const statusRoute = createRoute({
  method: "get",
  operationId: "getPortalStatus",
  path: "/api/portal/status",
  tags: ["Public"],
  ...PUBLIC,
  summary: "Portal status",
  description:
    "Maintenance mode, upcoming maintenance, feature flags, version and known issues, read in one database round trip. systemStatus is the worst of maintenance in progress, open incidents and the latest probe round when it is at most two minutes old. While the database cannot be read, the last known state is answered with `stale: true`, and systemStatus counts a live probe round.",
  responses: {
    200: {
      description: "Current portal status",
      headers: { ...CACHED_HEADERS, "Retry-After": { description: "During maintenance: seconds until the window is due to end", schema: { type: "integer" } } },
      content: { "application/json": { schema: successEnvelope(PortalStatus, "PortalStatusResponse").extend(StaleMarkers.shape) } },
    },
    304: notModified,
    429: tooManyRequests(),
    500: errorResponse("Unexpected failure"),
  },
});

/** What is known while nothing was ever read: no window, no flag, no issue. */
const NOTHING_KNOWN: StatusSnapshot = { currentMaintenance: null, upcomingMaintenance: [], featureFlags: {}, knownIssues: [], health: {} };

/** The /status answer: from the database, or while it cannot be read, from the last known state with live probes. */
export const produceStatus: Producer = async (ctx) => {
  const now = new Date();
  const reading = await readOrLastKnown(lastKnownDeps(ctx.config, ctx.env), "status", now, () => loadStatusSnapshot(ctx.database(), now));
  const headers: Record<string, string> = { "Content-Type": "application/json", "Server-Timing": `db;dur=${Date.now() - now.getTime()};desc="status query"` };
  let snapshot: StatusSnapshot;
  if (reading.live) {
    snapshot = reading.value;
  } else {
    // The probes do not need the database (its own probe says it is down): they stay live.
    const report = await sharedProbeRound(ctx.config, ctx.database, ctx.requestStartedAt, 10_000);
    snapshot = { ...(reading.value ?? NOTHING_KNOWN), health: Object.fromEntries(Object.entries(report.components).map(([name, h]) => [name, h.status])) };
    Object.assign(headers, degradedHeaders(reading, now));
  }
  if (snapshot.currentMaintenance) {
    // Clients that honour Retry-After come back once the window is due to end.
    const seconds = Math.ceil((new Date(snapshot.currentMaintenance.scheduledEnd).getTime() - now.getTime()) / 1000);
    headers["Retry-After"] = String(Math.max(1, seconds));
  }
  const body = success(buildStatus(snapshot, versionInfo(ctx.config, ctx.env), now));
  return new Response(JSON.stringify(reading.live ? body : { ...body, ...staleMarkers(reading) }), { status: 200, headers });
};

// Declared for the document; the answer comes from the edge cache or the producer.
export const statusRoutes = new OpenAPIHono<AppEnv>().openapi(statusRoute, (c) => serveCached(c, STATUS_CACHE, produceStatus) as never);

// The status page and its formats in the OpenAPI document. They are plain Hono routes
// (HTML, feeds, calendar, SVG, Statuspage v2 JSON), so they are declared here, next to
// the shapes of the Statuspage v2 bodies, and registered on the app's registry.
import { componentIds } from "../components/components.ts";
import { z, type OpenAPIHono } from "@hono/zod-openapi";
import { INCIDENT_PHASES } from "../db/schema.ts";
import { CACHED_HEADERS, notModified, PUBLIC, tooManyRequests } from "../http/openapi.ts";

const COMPONENT_STATES = ["operational", "under_maintenance", "degraded_performance", "partial_outage", "major_outage"] as const;
const Time = z.string().datetime();

const Page = z.object({ id: z.string(), name: z.string(), url: z.string(), time_zone: z.string(), updated_at: Time }).openapi("StatuspagePage");
const Status = z.object({ indicator: z.enum(["none", "minor", "major", "critical", "maintenance"]), description: z.string() }).openapi("StatuspageStatus");
const Component = z
  .object({
    id: z.string(),
    name: z.string(),
    status: z.enum(COMPONENT_STATES),
    created_at: Time,
    updated_at: Time,
    position: z.number().int(),
    description: z.string().nullable(),
    showcase: z.boolean(),
    start_date: z.string().nullable(),
    group_id: z.string().nullable(),
    page_id: z.string(),
    group: z.boolean(),
    only_show_if_degraded: z.boolean(),
  })
  .openapi("StatuspageComponent");
const Update = z
  .object({
    id: z.string(),
    status: z.enum([...INCIDENT_PHASES, "scheduled", "in_progress", "completed"]),
    body: z.string(),
    incident_id: z.string(),
    created_at: Time,
    updated_at: Time,
    display_at: Time,
    affected_components: z.union([
      z.array(z.object({ code: z.string(), name: z.string(), old_status: z.enum(COMPONENT_STATES), new_status: z.enum(COMPONENT_STATES) })),
      z.null(),
    ]),
    deliver_notifications: z.boolean(),
    custom_tweet: z.null(),
    tweet_id: z.null(),
  })
  .openapi("StatuspageIncidentUpdate");
const eventFields = {
  id: z.string(),
  name: z.string(),
  created_at: Time,
  updated_at: Time,
  monitoring_at: Time.nullable(),
  resolved_at: Time.nullable(),
  shortlink: z.string(),
  started_at: Time,
  page_id: z.string(),
  incident_updates: z.array(Update),
  components: z.array(Component),
  reminder_intervals: z.null(),
};
const Incident = z
  .object({ ...eventFields, status: z.enum(INCIDENT_PHASES), impact: z.enum(["none", "minor", "major", "critical", "maintenance"]) })
  .openapi("StatuspageIncident");
const Maintenance = z
  .object({
    ...eventFields,
    status: z.enum(["scheduled", "in_progress", "completed"]),
    impact: z.literal("maintenance"),
    scheduled_for: Time,
    scheduled_until: Time,
  })
  .openapi("StatuspageScheduledMaintenance");
// Answers built from the last known state while the database is down say so.
const staleMarkers = {
  stale: z.literal(true).optional(),
  generatedAt: Time.nullable().optional(),
  unavailableSince: Time.optional(),
};
const body = (name: string, shape: z.ZodRawShape) => z.object({ page: Page, ...shape, ...staleMarkers }).openapi(name);

const V2: [string, string, string, z.ZodType][] = [
  [
    "/api/v2/summary.json",
    "getStatuspageSummary",
    "Summary: status, components, unresolved incidents, active and upcoming maintenance",
    body("StatuspageSummary", { components: z.array(Component), incidents: z.array(Incident), scheduled_maintenances: z.array(Maintenance), status: Status }),
  ],
  ["/api/v2/status.json", "getStatuspageStatus", "The overall indicator", body("StatuspageStatusResponse", { status: Status })],
  ["/api/v2/components.json", "getStatuspageComponents", "Every component and its state", body("StatuspageComponents", { components: z.array(Component) })],
  ["/api/v2/incidents.json", "getStatuspageIncidents", "The 50 most recent incidents", body("StatuspageIncidents", { incidents: z.array(Incident) })],
  [
    "/api/v2/incidents/unresolved.json",
    "getStatuspageUnresolvedIncidents",
    "Incidents not yet resolved",
    body("StatuspageUnresolvedIncidents", { incidents: z.array(Incident) }),
  ],
  [
    "/api/v2/scheduled-maintenances.json",
    "getStatuspageScheduledMaintenances",
    "The 50 most recent maintenances, completed included",
    body("StatuspageScheduledMaintenances", { scheduled_maintenances: z.array(Maintenance) }),
  ],
  [
    "/api/v2/scheduled-maintenances/upcoming.json",
    "getStatuspageUpcomingMaintenances",
    "Maintenance that has not started",
    body("StatuspageUpcomingMaintenances", { scheduled_maintenances: z.array(Maintenance) }),
  ],
  [
    "/api/v2/scheduled-maintenances/active.json",
    "getStatuspageActiveMaintenances",
    "Maintenance in progress",
    body("StatuspageActiveMaintenances", { scheduled_maintenances: z.array(Maintenance) }),
  ],
];

const text = (type: string, description: string) => ({ description, headers: CACHED_HEADERS, content: { [type]: { schema: z.string() } } });

export function registerStatusPageDocs(registry: OpenAPIHono["openAPIRegistry"]): void {
  const common = { method: "get" as const, ...PUBLIC };
  const cachedResponses = { 304: notModified, 429: tooManyRequests() };
  for (const [path, operationId, summary, schema] of V2) {
    registry.registerPath({
      ...common,
      path,
      operationId,
      summary,
      tags: ["Statuspage v2"],
      description: "Atlassian Statuspage public API v2, field for field, so its consumers read this service unchanged.",
      responses: { 200: { description: summary, headers: CACHED_HEADERS, content: { "application/json": { schema } } }, ...cachedResponses },
    });
  }
  registry.registerPath({
    ...common,
    path: "/",
    operationId: "getStatusPage",
    summary: "The status page",
    tags: ["Status page"],
    responses: { 200: text("text/html", "Server-rendered HTML, no script"), ...cachedResponses },
  });
  registry.registerPath({
    ...common,
    path: "/feed.rss",
    operationId: "getRssFeed",
    summary: "Incidents and maintenance (RSS 2.0)",
    tags: ["Status page"],
    responses: { 200: text("application/rss+xml", "RSS 2.0"), ...cachedResponses },
  });
  registry.registerPath({
    ...common,
    path: "/feed.atom",
    operationId: "getAtomFeed",
    summary: "Incidents and maintenance (Atom 1.0)",
    tags: ["Status page"],
    responses: { 200: text("application/atom+xml", "Atom 1.0"), ...cachedResponses },
  });
  registry.registerPath({
    ...common,
    path: "/maintenance.ics",
    operationId: "getMaintenanceCalendar",
    summary: "Current and upcoming maintenance (iCalendar)",
    tags: ["Status page"],
    responses: { 200: text("text/calendar", "RFC 5545 calendar"), ...cachedResponses },
  });
  registry.registerPath({
    ...common,
    path: "/badge.svg",
    operationId: "getBadge",
    summary: "A badge of the overall state, or of one component",
    tags: ["Status page"],
    request: { query: z.object({ component: z.enum(["overall", ...componentIds()]).optional() }) },
    responses: {
      200: text("image/svg+xml", "SVG badge"),
      ...cachedResponses,
      404: { description: "Unknown component (an SVG saying so)", content: { "image/svg+xml": { schema: z.string() } } },
    },
  });
}

// Admin routes for incidents and their timelines.
import { componentIds } from "../components/components.ts";
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { INCIDENT_PHASES, INCIDENT_STATUSES } from "../db/schema.ts";
import type { AppEnv } from "../env.ts";
import { success } from "../http/envelope.ts";
import { JsonObject, Text } from "../http/input.ts";
import { adminErrors, errorResponse, jsonBody, jsonContent, successEnvelope } from "../http/openapi.ts";
import { getIncident, listIncidents, OPEN_PHASES, openIncident, resolveIncident, updateIncident } from "./incidents.ts";

const Message = Text({ max: 2000, min: 1, trim: true, multiline: true });
const Phase = z
  .enum(OPEN_PHASES)
  .openapi({ description: "Statuspage's phase: investigating (default), identified, monitoring; resolving an incident makes it resolved" });
export const NewIncident = z
  .strictObject({
    component: z.enum(componentIds()),
    status: z.enum(INCIDENT_STATUSES),
    message: Message,
    phase: Phase.optional(),
    metadata: JsonObject().optional(),
  })
  .openapi("NewIncident", {
    example: {
      component: "stripe",
      status: "degraded",
      message: "Stripe API experiencing slow response times",
      metadata: { avgResponseTime: 3500, threshold: 2000 },
    },
  });
export const IncidentPatch = z
  .strictObject({ status: z.enum(INCIDENT_STATUSES).optional(), phase: Phase.optional(), message: Message.optional() })
  .refine((p) => p.status !== undefined || p.phase !== undefined || p.message !== undefined, { message: "give status, phase or message" })
  .openapi("IncidentPatch");
export const Resolution = z.strictObject({ message: Message.optional() }).openapi("IncidentResolution");

const Incident = z
  .object({
    id: z.uuid(),
    component: z.enum(componentIds()),
    status: z.enum(INCIDENT_STATUSES),
    phase: z.enum(INCIDENT_PHASES),
    message: z.string().nullable(),
    startedAt: z.string(),
    resolvedAt: z.string().nullable(),
    createdBy: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
    updates: z.array(
      z.object({
        status: z.enum(INCIDENT_STATUSES),
        phase: z.enum(INCIDENT_PHASES),
        message: z.string().nullable(),
        resolved: z.boolean(),
        at: z.string(),
        actorId: z.string().nullable(),
      }),
    ),
  })
  .openapi("Incident");

const IdParam = z.object({ id: z.uuid().openapi({ param: { name: "id", in: "path" } }) });
const tags = ["Admin: incidents"];
const security = [{ adminToken: [] }];
const incidentResponse = (description: string) => jsonContent(successEnvelope(Incident, "IncidentResponse"), description);
const notFound = { 404: errorResponse("No incident with that id") };
const resolved = { 409: errorResponse("The incident is already resolved (INCIDENT_RESOLVED)") };

export const incidentRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: "get",
      path: "/api/admin/incidents",
      operationId: "listIncidents",
      tags,
      security,
      summary: "List incidents with their timelines, newest first",
      request: {
        query: z.strictObject({ state: z.enum(["open", "resolved", "all"]).default("all"), limit: z.coerce.number().int().min(1).max(500).default(100) }),
      },
      responses: { 200: jsonContent(successEnvelope(z.array(Incident), "IncidentList"), "Incidents"), ...adminErrors },
    }),
    async (c) => {
      const { state, limit } = c.req.valid("query");
      return c.json(success(await listIncidents(c.get("database")(), state, limit)), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/admin/incidents",
      operationId: "openIncident",
      tags,
      security,
      summary: "Open an incident",
      request: { body: jsonBody(NewIncident) },
      responses: { 201: incidentResponse("The new incident"), ...adminErrors },
    }),
    async (c) => c.json(success(await openIncident(c.get("database")(), c.req.valid("json"), c.get("actorId"))), 201),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/api/admin/incidents/{id}",
      operationId: "getIncident",
      tags,
      security,
      summary: "Read an incident and its timeline",
      request: { params: IdParam },
      responses: { 200: incidentResponse("The incident"), ...notFound, ...adminErrors },
    }),
    async (c) => c.json(success(await getIncident(c.get("database")(), c.req.valid("param").id)), 200),
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/api/admin/incidents/{id}",
      operationId: "updateIncident",
      tags,
      security,
      summary: "Post an update: a new status, phase and/or message",
      request: { params: IdParam, body: jsonBody(IncidentPatch) },
      responses: { 200: incidentResponse("The incident with the update on its timeline"), ...notFound, ...resolved, ...adminErrors },
    }),
    async (c) => c.json(success(await updateIncident(c.get("database")(), c.req.valid("param").id, c.req.valid("json"), c.get("actorId"))), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/admin/incidents/{id}/resolve",
      operationId: "resolveIncident",
      tags,
      security,
      summary: "Resolve an incident",
      request: { params: IdParam, body: { required: false, content: { "application/json": { schema: Resolution } } } },
      responses: { 200: incidentResponse("The resolved incident"), ...notFound, ...resolved, ...adminErrors },
    }),
    async (c) => c.json(success(await resolveIncident(c.get("database")(), c.req.valid("param").id, c.req.valid("json")?.message, c.get("actorId"))), 200),
  );

// Admin routes for maintenance windows.
import { componentIds } from "../components/components.ts";
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { MAINTENANCE_STATUSES } from "../db/schema.ts";
import type { AppEnv } from "../env.ts";
import { success } from "../http/envelope.ts";
import { Instant, JsonObject, Text } from "../http/input.ts";
import { adminErrors, errorResponse, jsonBody, jsonContent, successEnvelope } from "../http/openapi.ts";
import { createMaintenance, deleteMaintenance, getMaintenance, listMaintenance, transitionMaintenance, updateMaintenance } from "./write-maintenance.ts";

const Title = Text({ max: 200, min: 1, trim: true });
const Description = Text({ max: 5000, multiline: true });
const Components = z.array(z.enum(componentIds())).min(1).max(componentIds().length).openapi({
  description:
    "The components the window takes down (Statuspage's model). Without it, affectsPortal covers api, database, stripe, twilio, email and portal; affectsCRM covers api, database, twilio, email and crm. null clears it.",
});
const Metadata = JsonObject().openapi({
  description: "Free-form. Understood keys: expectedDurationMinutes (for the 50 % buffer check), autoStart, autoComplete, waitForOperator",
});

export const NewWindow = z
  .strictObject({
    title: Title,
    description: Description.nullable().optional(),
    scheduledStart: Instant,
    scheduledEnd: Instant,
    affectsPortal: z.boolean().optional(),
    affectsCRM: z.boolean().optional(),
    components: Components.nullable().optional(),
    metadata: Metadata.optional(),
  })
  .refine((w) => new Date(w.scheduledEnd) > new Date(w.scheduledStart), { message: "must be after scheduledStart", path: ["scheduledEnd"] })
  .openapi("NewMaintenanceWindow", {
    example: {
      title: "Database upgrade",
      description: "Upgrading to PostgreSQL 17",
      scheduledStart: "2026-12-05T02:00:00Z",
      scheduledEnd: "2026-12-05T05:00:00Z",
      affectsPortal: true,
      affectsCRM: false,
      metadata: { expectedDurationMinutes: 120 },
    },
  });

const WindowPatch = z
  .strictObject({
    title: Title.optional(),
    description: Description.nullable().optional(),
    scheduledStart: Instant.optional(),
    scheduledEnd: Instant.optional(),
    affectsPortal: z.boolean().optional(),
    affectsCRM: z.boolean().optional(),
    components: Components.nullable().optional(),
    metadata: Metadata.optional(),
  })
  .refine((p) => Object.keys(p).length > 0, { message: "give at least one field to change" })
  .openapi("MaintenanceWindowPatch");

const Window = z
  .object({
    id: z.uuid(),
    title: z.string(),
    description: z.string().nullable(),
    scheduledStart: z.string(),
    scheduledEnd: z.string(),
    actualStart: z.string().nullable(),
    actualEnd: z.string().nullable(),
    status: z.enum(MAINTENANCE_STATUSES),
    affectsPortal: z.boolean(),
    affectsCRM: z.boolean(),
    components: z.array(z.enum(componentIds())).nullable(),
    metadata: z.record(z.string(), z.unknown()),
    createdAt: z.string(),
    createdBy: z.string().nullable(),
  })
  .openapi("MaintenanceWindowDetail");

const IdParam = z.object({ id: z.uuid().openapi({ param: { name: "id", in: "path" } }) });
const ListQuery = z.strictObject({
  status: z
    .string()
    .optional()
    .refine((s) => !s || s.split(",").every((v) => (MAINTENANCE_STATUSES as readonly string[]).includes(v)), {
      message: `must be a comma-separated list of ${MAINTENANCE_STATUSES.join(", ")}`,
    }),
  from: Instant.optional(),
  to: Instant.optional(),
});

const tags = ["Admin: maintenance"];
const security = [{ adminToken: [] }];
const windowResponse = (description: string) => jsonContent(successEnvelope(Window, "MaintenanceWindowResponse"), description);
const notFound = { 404: errorResponse("No window with that id") };
const conflict = { 409: errorResponse("Not allowed in the window's current state (MAINTENANCE_STATE_CONFLICT names it)") };
const toDates = <T extends { scheduledStart?: string; scheduledEnd?: string }>(body: T) => ({
  ...body,
  scheduledStart: body.scheduledStart === undefined ? undefined : new Date(body.scheduledStart),
  scheduledEnd: body.scheduledEnd === undefined ? undefined : new Date(body.scheduledEnd),
});

export const maintenanceRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: "get",
      path: "/api/admin/maintenance",
      operationId: "listMaintenanceWindows",
      tags,
      security,
      summary: "List maintenance windows, latest first",
      request: { query: ListQuery },
      responses: { 200: jsonContent(successEnvelope(z.array(Window), "MaintenanceWindowList"), "Windows"), ...adminErrors },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const windows = await listMaintenance(c.get("database")(), {
        status: q.status ? (q.status.split(",") as (typeof MAINTENANCE_STATUSES)[number][]) : undefined,
        from: q.from ? new Date(q.from) : undefined,
        to: q.to ? new Date(q.to) : undefined,
      });
      return c.json(success(windows), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/admin/maintenance",
      operationId: "scheduleMaintenanceWindow",
      tags,
      security,
      summary: "Schedule a maintenance window",
      description: "Shorter than 48 hours' notice, or less than a 50 % buffer over metadata.expectedDurationMinutes, is accepted with warnings.",
      request: { body: jsonBody(NewWindow) },
      responses: { 201: windowResponse("The new window"), ...adminErrors },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const change = await createMaintenance(
        c.get("database")(),
        { ...body, scheduledStart: new Date(body.scheduledStart), scheduledEnd: new Date(body.scheduledEnd) },
        c.get("actorId"),
      );
      return c.json(success(change.window, change.warnings), 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/api/admin/maintenance/{id}",
      operationId: "getMaintenanceWindow",
      tags,
      security,
      summary: "Read a maintenance window",
      request: { params: IdParam },
      responses: { 200: windowResponse("The window"), ...notFound, ...adminErrors },
    }),
    async (c) => c.json(success(await getMaintenance(c.get("database")(), c.req.valid("param").id)), 200),
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/api/admin/maintenance/{id}",
      operationId: "updateMaintenanceWindow",
      tags,
      security,
      summary: "Change a scheduled or running window",
      request: { params: IdParam, body: jsonBody(WindowPatch) },
      responses: { 200: windowResponse("The changed window"), ...notFound, ...conflict, ...adminErrors },
    }),
    async (c) => {
      const change = await updateMaintenance(c.get("database")(), c.req.valid("param").id, toDates(c.req.valid("json")), c.get("actorId"));
      return c.json(success(change.window, change.warnings), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/api/admin/maintenance/{id}",
      operationId: "deleteMaintenanceWindow",
      tags,
      security,
      summary: "Delete a window that is not in progress",
      request: { params: IdParam },
      responses: {
        200: jsonContent(successEnvelope(z.object({ id: z.string(), deleted: z.literal(true) }), "MaintenanceDeleted"), "Deleted"),
        ...notFound,
        ...conflict,
        ...adminErrors,
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      await deleteMaintenance(c.get("database")(), id, c.get("actorId"));
      return c.json(success({ id, deleted: true as const }), 200);
    },
  );

for (const transition of ["start", "complete", "cancel"] as const) {
  const summary = { start: "Start a scheduled window now", complete: "Complete a window in progress", cancel: "Cancel a scheduled window" }[transition];
  maintenanceRoutes.openapi(
    createRoute({
      method: "post",
      path: `/api/admin/maintenance/{id}/${transition}`,
      operationId: `${transition}MaintenanceWindow`,
      tags,
      security,
      summary,
      request: { params: IdParam },
      responses: { 200: windowResponse("The window after the change"), ...notFound, ...conflict, ...adminErrors },
    }),
    async (c) => c.json(success(await transitionMaintenance(c.get("database")(), c.req.valid("param").id, transition, c.get("actorId"))), 200),
  );
}

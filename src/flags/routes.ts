// Admin routes for the flags themselves: list, create, read, change, delete, check, stale.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../env.ts";
import { success } from "../http/envelope.ts";
import { adminErrors, errorResponse, jsonBody, jsonContent, successEnvelope } from "../http/openapi.ts";
import { recordEvaluations } from "../signals/worker-signals.ts";
import { checkFeatureFlag, getFlag, listFlags, listStaleFlags } from "./read-flags.ts";
import { createFeatureFlag, deleteFeatureFlag, updateFeatureFlag } from "./write-flags.ts";
import { CheckBody, Evaluation, Flag, FlagPatchBody, KeyParam, NewFlagBody } from "./schemas.ts";

const tags = ["Admin: flags"];
const security = [{ adminToken: [] }];
const notFound = { 404: errorResponse("No flag with that key") };

export const flagRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: "get",
      path: "/api/admin/flags",
      operationId: "listFlags",
      tags,
      security,
      summary: "List flags",
      responses: { 200: jsonContent(successEnvelope(z.array(Flag), "FlagList"), "Every flag, by key"), ...adminErrors },
    }),
    async (c) => c.json(success(await listFlags(c.get("database")())), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/api/admin/flags/stale",
      operationId: "listStaleFlags",
      tags,
      security,
      summary: "Flags fully on for 14+ days",
      description: "Flags enabled at 100 % for at least STALE_FLAG_DAYS days (default 14): the spec says to remove them.",
      responses: { 200: jsonContent(successEnvelope(z.array(Flag), "StaleFlagList"), "Stale flags, longest-stale first"), ...adminErrors },
    }),
    async (c) => c.json(success(await listStaleFlags(c.get("database")(), new Date(), c.get("config").flags.staleDays)), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/admin/flags",
      operationId: "createFlag",
      tags,
      security,
      summary: "Create a flag",
      request: { body: jsonBody(NewFlagBody) },
      responses: {
        201: jsonContent(successEnvelope(Flag, "FlagCreated"), "The new flag"),
        409: errorResponse("The key exists (FLAG_EXISTS) or the flag budget is used up (FLAG_LIMIT_REACHED)"),
        ...adminErrors,
      },
    }),
    async (c) => {
      const flag = await createFeatureFlag(c.get("database")(), c.req.valid("json"), c.get("actorId"), { flagLimit: c.get("config").flags.limit });
      return c.json(success(flag), 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/api/admin/flags/{key}",
      operationId: "getFlag",
      tags,
      security,
      summary: "Read a flag",
      request: { params: KeyParam },
      responses: { 200: jsonContent(successEnvelope(Flag, "FlagResponse"), "The flag"), ...notFound, ...adminErrors },
    }),
    async (c) => c.json(success(await getFlag(c.get("database")(), c.req.valid("param").key)), 200),
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/api/admin/flags/{key}",
      operationId: "updateFlag",
      tags,
      security,
      summary: "Change a flag",
      request: { params: KeyParam, body: jsonBody(FlagPatchBody) },
      responses: { 200: jsonContent(successEnvelope(Flag, "FlagUpdated"), "The changed flag"), ...notFound, ...adminErrors },
    }),
    async (c) => {
      const change = await updateFeatureFlag(c.get("database")(), c.req.valid("param").key, c.req.valid("json"), c.get("actorId"));
      return c.json(success(change.flag, change.warnings), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/api/admin/flags/{key}",
      operationId: "deleteFlag",
      tags,
      security,
      summary: "Delete a flag",
      request: { params: KeyParam },
      responses: {
        200: jsonContent(successEnvelope(z.object({ key: z.string(), deleted: z.literal(true) }), "FlagDeleted"), "Deleted"),
        ...notFound,
        ...adminErrors,
      },
    }),
    async (c) => {
      const { key } = c.req.valid("param");
      await deleteFeatureFlag(c.get("database")(), key, c.get("actorId"));
      return c.json(success({ key, deleted: true as const }), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/admin/flags/{key}/check",
      operationId: "checkFlag",
      tags,
      security,
      summary: "Evaluate a flag for a user or customer",
      description: "The spec's checkFeatureFlag, for support and troubleshooting: whether the flag is on, why, and the id's bucket.",
      request: { params: KeyParam, body: jsonBody(CheckBody) },
      responses: { 200: jsonContent(successEnvelope(Evaluation, "FlagCheck"), "The evaluation"), ...notFound, ...adminErrors },
    }),
    async (c) => {
      const { key } = c.req.valid("param");
      const context = c.req.valid("json");
      const evaluation = await checkFeatureFlag(c.get("database")(), key, context);
      recordEvaluations(c, [{ key, value: evaluation.enabled }], context);
      return c.json(success(evaluation), 200);
    },
  );

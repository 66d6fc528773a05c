// Admin routes for gradual rollouts.
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../env.ts";
import { success } from "../http/envelope.ts";
import { adminErrors, errorResponse, jsonBody, jsonContent, successEnvelope } from "../http/openapi.ts";
import { cancelRollout, gradualRollout, pauseRollout, resumeRollout } from "./rollouts.ts";
import { Flag, KeyParam, RolloutBody } from "./schemas.ts";

const tags = ["Admin: rollouts"];
const security = [{ adminToken: [] }];
const flagResponse = (description: string) => jsonContent(successEnvelope(Flag, "FlagWithRollout"), description);

export const rolloutRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: "post",
      path: "/api/admin/flags/{key}/rollout",
      operationId: "startRollout",
      tags,
      security,
      summary: "Start a gradual rollout",
      description:
        "Enables the flag at startPercentage now and moves it to endPercentage in steps every intervalHours over durationHours (the cron applies the steps).",
      request: { params: KeyParam, body: jsonBody(RolloutBody) },
      responses: {
        201: flagResponse("The flag and its plan"),
        404: errorResponse("No flag with that key"),
        409: errorResponse("A rollout is already in progress"),
        ...adminErrors,
      },
    }),
    async (c) => c.json(success(await gradualRollout(c.get("database")(), c.req.valid("param").key, c.req.valid("json"), c.get("actorId"))), 201),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/admin/flags/{key}/rollout/pause",
      operationId: "pauseRollout",
      tags,
      security,
      summary: "Pause a rollout (its clock stops)",
      request: { params: KeyParam },
      responses: {
        200: flagResponse("Paused"),
        404: errorResponse("No flag, or no rollout in progress"),
        409: errorResponse("Already paused"),
        ...adminErrors,
      },
    }),
    async (c) => c.json(success(await pauseRollout(c.get("database")(), c.req.valid("param").key, c.get("actorId"))), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/admin/flags/{key}/rollout/resume",
      operationId: "resumeRollout",
      tags,
      security,
      summary: "Resume a paused rollout",
      request: { params: KeyParam },
      responses: { 200: flagResponse("Resumed"), 404: errorResponse("No flag, or no rollout in progress"), 409: errorResponse("Not paused"), ...adminErrors },
    }),
    async (c) => c.json(success(await resumeRollout(c.get("database")(), c.req.valid("param").key, c.get("actorId"))), 200),
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/api/admin/flags/{key}/rollout",
      operationId: "cancelRollout",
      tags,
      security,
      summary: "Cancel a rollout (the percentage stays where it is)",
      request: { params: KeyParam },
      responses: { 200: flagResponse("Cancelled"), 404: errorResponse("No flag, or no rollout in progress"), ...adminErrors },
    }),
    async (c) => c.json(success(await cancelRollout(c.get("database")(), c.req.valid("param").key, c.get("actorId"))), 200),
  );

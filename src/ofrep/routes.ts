// OpenFeature Remote Evaluation Protocol (OFREP) v1, so any OpenFeature SDK can read these
// flags. Errors follow OFREP's own shapes rather than this API's envelope, as clients expect.
// In order, every request passes CORS (browsers), authentication (before any body is
// read), the client's rate limit, then the body guards.
import { createRoute, OpenAPIHono, z, type Hook } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import { bearerToken, cachedTokens, matchToken, parseClientTokens } from "../auth/tokens.ts";
import type { AppEnv } from "../env.ts";
import { loadCompiledFlag, loadCompiledFlags } from "../flags/read-flags.ts";
import { FlagKey } from "../flags/schemas.ts";
import { matchesEtag, strongEtag } from "../http/etag.ts";
import { Text } from "../http/input.ts";
import { notModified, tooManyRequests } from "../http/openapi.ts";
import { contextFromOfrep, ofrepEvaluate } from "./evaluate.ts";
import { clientKey } from "../edge/client-key.ts";
import { flagClientLimit, rateLimit } from "../edge/rate-limit.ts";
import { limitBody, rejectDuplicateKeys } from "../http/body-guard.ts";
import { ofrepCors } from "./cors.ts";
import { ofrepError } from "./errors.ts";
import { EVENT_NAME_PATTERN, existingFlagKeys } from "../signals/events.ts";
import { flushAfterResponse, isolateSignals, recordEvaluations } from "../signals/worker-signals.ts";

const clientTokens = cachedTokens(parseClientTokens);

const requireClient = createMiddleware<AppEnv>(async (c, next) => {
  const token = bearerToken(c.req.header("authorization"));
  const client = token ? await matchToken(token, await clientTokens(c.get("config").flagClientTokens)) : null;
  if (!client) {
    c.header("WWW-Authenticate", 'Bearer realm="ofrep"');
    return ofrepError(c, 401, "GENERAL", "A valid flag client bearer token is required");
  }
  c.set("flagClient", client);
  await next();
});

const Context = z
  .object({
    targetingKey: Text({ max: 256 }).optional(),
    userId: Text({ max: 256 }).optional(),
    customerId: Text({ max: 256 }).optional(),
  })
  .catchall(z.unknown())
  .openapi("OfrepContext");
// Strict at the top (only `context`); the context itself may carry any attributes, as OpenFeature contexts do.
const EvaluationRequest = z.strictObject({ context: Context.optional() }).openapi("OfrepEvaluationRequest");

const TrackedEvent = z
  .strictObject({
    name: z
      .string()
      .regex(new RegExp(EVENT_NAME_PATTERN), "must be a lowercase letter, then up to 63 lowercase letters, digits, '_', '.' or '-'")
      .openapi({ example: "error" }),
    flagKey: FlagKey,
    context: Context.optional(),
    // Bounded so that sums stay exact enough and inside the database's range.
    value: z
      .number()
      .min(-1e12)
      .max(1e12)
      .optional()
      .openapi({ description: "Summed per flag, hour and event (e.g. an order's amount); at most 10^12 either way" }),
  })
  .openapi("OfrepTrackedEvent");
const EventsRequest = z.strictObject({ events: z.array(TrackedEvent).min(1).max(500) }).openapi("OfrepEventsRequest");

const Success = z
  .object({
    key: z.string(),
    value: z.boolean(),
    reason: z.enum(["TARGETING_MATCH", "SPLIT", "DEFAULT", "DISABLED", "PREREQUISITE_FAILED"]),
    variant: z.enum(["on", "off"]),
    metadata: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  })
  .openapi("OfrepEvaluationSuccess");
const Failure = z.object({ key: z.string(), errorCode: z.string(), errorDetails: z.string() }).openapi("OfrepEvaluationFailure");
const BulkFailure = z.object({ errorCode: z.string(), errorDetails: z.string() }).openapi("OfrepBulkFailure");

const ofrepHook: Hook<unknown, AppEnv, string, unknown> = (result, c) => {
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.join(".") ?? "";
    const details = `${where ? `${where}: ` : ""}${issue?.message ?? "invalid request"}`;
    const key = c.req.param("key") ?? "";
    const code = where.startsWith("context") ? "INVALID_CONTEXT" : "PARSE_ERROR";
    return c.json(key ? { key, errorCode: code, errorDetails: details } : { errorCode: code, errorDetails: details }, 400);
  }
};

/** The error answers every OFREP operation can give, in OFREP's own error shape. */
const ofrepErrors = (schema: z.ZodType) => {
  const content = { "application/json": { schema } };
  return {
    401: { description: "Missing or invalid client token", content },
    413: { description: "Body over 64 KiB", content },
    415: { description: "Body not sent as application/json", content },
    429: tooManyRequests("Over the client's rate limit (per token and address)", content),
    500: { description: "Unexpected failure", content },
    503: { description: "The database is unavailable; retry after Retry-After seconds", content },
  };
};

const tags = ["OFREP"];
const security = [{ flagClientToken: [] }];
const body = { required: false, content: { "application/json": { schema: EvaluationRequest } } };

const limited = rateLimit({
  scope: "ofrep",
  limit: flagClientLimit,
  client: (c) => `${c.get("flagClient")}|${clientKey(c.req.header("cf-connecting-ip"))}`,
  refusal: (c, message) => ofrepError(c, 429, "GENERAL", message),
});

export const ofrepRoutes = new OpenAPIHono<AppEnv>({ defaultHook: ofrepHook });
ofrepRoutes.use("/ofrep/*", ofrepCors, requireClient, limited, limitBody, rejectDuplicateKeys);
ofrepRoutes
  .openapi(
    createRoute({
      method: "post",
      path: "/ofrep/v1/evaluate/flags/{key}",
      operationId: "evaluateFlag",
      tags,
      security,
      summary: "Evaluate one flag (OFREP)",
      request: { params: z.object({ key: z.string().openapi({ param: { name: "key", in: "path" } }) }), body },
      responses: {
        200: { description: "Evaluated", content: { "application/json": { schema: Success } } },
        400: { description: "Bad request or context", content: { "application/json": { schema: Failure } } },
        404: { description: "FLAG_NOT_FOUND", content: { "application/json": { schema: Failure } } },
        ...ofrepErrors(Failure),
      },
    }),
    async (c) => {
      const { key } = c.req.valid("param");
      const flag = FlagKey.safeParse(key).success ? await loadCompiledFlag(c.get("database")(), key) : null;
      if (!flag) return c.json({ key, errorCode: "FLAG_NOT_FOUND", errorDetails: `No flag with key '${key}'` }, 404);
      const context = contextFromOfrep(c.req.valid("json")?.context);
      const result = ofrepEvaluate(flag, context);
      recordEvaluations(c, [result], context);
      return c.json(result, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/ofrep/v1/evaluate/flags",
      operationId: "evaluateFlagsInBulk",
      tags,
      security,
      summary: "Evaluate every flag (OFREP bulk)",
      description: "One database round trip. Answers carry an ETag; send it back in If-None-Match to get 304 while nothing changed.",
      request: { body },
      responses: {
        200: {
          description: "Every flag, evaluated",
          headers: { ETag: { description: "Send it back in If-None-Match", schema: { type: "string" } } },
          content: { "application/json": { schema: z.object({ flags: z.array(Success) }).openapi("OfrepBulkEvaluationSuccess") } },
        },
        304: notModified,
        400: { description: "Bad request or context", content: { "application/json": { schema: BulkFailure } } },
        ...ofrepErrors(BulkFailure),
      },
    }),
    async (c) => {
      const context = contextFromOfrep(c.req.valid("json")?.context);
      const flags = await loadCompiledFlags(c.get("database")());
      const payload = { flags: flags.map((flag) => ofrepEvaluate(flag, context)) };
      const text = JSON.stringify(payload);
      const etag = await strongEtag(text);
      c.header("ETag", etag);
      c.header("Cache-Control", "private, no-cache");
      // A poll answered 304 changes nothing the client shows: not counted as evaluations.
      if (matchesEtag(c.req.header("if-none-match"), etag)) return c.body(null, 304);
      recordEvaluations(c, payload.flags, context);
      return c.json(payload, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/ofrep/v1/events",
      operationId: "trackFlagEvents",
      tags,
      security,
      summary: "Report events about flags (this service's extension)",
      description:
        "OpenFeature track() for flags: an application reports what happened to the people a flag was evaluated for (`error`, `conversion`, …), with an optional value. They are counted per flag and hour, give each rollout step its error rate (a rollout's guard can hold it on that), and show in the flag's signals. Not part of OFREP 1.0, which has no tracking endpoint yet (open-feature/protocol#71). Events for flags that do not exist are ignored and counted as such.",
      request: { body: { required: true, content: { "application/json": { schema: EventsRequest } } } },
      responses: {
        202: {
          description: "Counted (written within a minute)",
          content: { "application/json": { schema: z.object({ accepted: z.number().int(), ignored: z.number().int() }).openapi("OfrepEventsAccepted") } },
        },
        400: { description: "Bad request", content: { "application/json": { schema: BulkFailure } } },
        ...ofrepErrors(BulkFailure),
      },
    }),
    async (c) => {
      const { events } = c.req.valid("json");
      const known = new Set(await existingFlagKeys(c.get("database")(), [...new Set(events.map((e) => e.flagKey))]));
      const now = new Date();
      let accepted = 0;
      for (const event of events) {
        if (!known.has(event.flagKey)) continue;
        isolateSignals.event(event.flagKey, event.name, event.value, now);
        accepted++;
      }
      flushAfterResponse(c);
      return c.json({ accepted, ignored: events.length - accepted }, 202);
    },
  );

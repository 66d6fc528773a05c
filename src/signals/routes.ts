// The admin view of a flag's signals: adoption, evaluations and events per day, and the
// error rate of each step of its rollout.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../env.ts";
import { getFlag } from "../flags/read-flags.ts";
import { KeyParam } from "../flags/schemas.ts";
import { success } from "../http/envelope.ts";
import { adminErrors, errorResponse, jsonContent, successEnvelope } from "../http/openapi.ts";
import { dailySignals } from "./read-signals.ts";
import { rolloutSignals } from "./rollout-steps.ts";

const Window = {
  evaluations: z.number().int(),
  errors: z.number().int(),
  errorRate: z.number().nullable(),
};

const FlagSignals = z
  .object({
    key: z.string(),
    days: z.array(
      z.object({
        day: z.string(),
        evaluations: z.object({ on: z.number().int(), off: z.number().int() }),
        customersEvaluated: z.number().int().openapi({ description: "Distinct customers evaluated (HyperLogLog estimate, about 2.3 % standard error)" }),
        customersEnabled: z.number().int(),
        adoptionPercent: z.number().nullable().openapi({ description: "customersEnabled ÷ customersEvaluated" }),
        events: z.record(z.string(), z.object({ count: z.number().int(), valueSum: z.number() })),
      }),
    ),
    rollout: z
      .object({
        rolloutId: z.string(),
        status: z.string(),
        steps: z.array(z.object({ step: z.number().int(), percentage: z.number().int(), from: z.string(), to: z.string(), ...Window })),
      })
      .nullable(),
  })
  .openapi("FlagSignals");

export const signalRoutes = new OpenAPIHono<AppEnv>().openapi(
  createRoute({
    method: "get",
    path: "/api/admin/flags/{key}/signals",
    operationId: "getFlagSignals",
    tags: ["Admin: flags"],
    security: [{ adminToken: [] }],
    summary: "A flag's adoption, evaluations, events and rollout error rates",
    description:
      "Per UTC day: evaluations by result, distinct customers evaluated and enabled (adoption; HyperLogLog estimates), and the events applications reported (POST /ofrep/v1/events). Per step of the flag's current or last rollout: evaluations, errors and error rate. Signals are written at most a minute after they happen.",
    request: { params: KeyParam, query: z.object({ days: z.coerce.number().int().min(1).max(90).default(14) }) },
    responses: {
      200: jsonContent(successEnvelope(FlagSignals, "FlagSignalsEnvelope"), "The signals"),
      404: errorResponse("No flag with that key"),
      ...adminErrors,
    },
  }),
  async (c) => {
    const { key } = c.req.valid("param");
    const db = c.get("database")();
    const now = new Date();
    await getFlag(db, key, now); // 404 for a flag that does not exist
    const [days, rollout] = await Promise.all([dailySignals(db, key, c.req.valid("query").days, now), rolloutSignals(db, key, now)]);
    return c.json(success({ key, days, rollout }), 200);
  },
);

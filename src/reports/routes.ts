import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../env.ts";
import { success } from "../http/envelope.ts";
import { Day } from "../http/input.ts";
import { adminErrors, jsonContent, successEnvelope } from "../http/openapi.ts";
import { dailyReport } from "./daily-report.ts";
import { flagAudit } from "./flag-audit.ts";

const tags = ["Admin: reports"];
const security = [{ adminToken: [] }];
const yesterday = () => new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);

export const reportRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: "get",
      path: "/api/admin/reports/daily",
      operationId: "getDailyReport",
      tags,
      security,
      summary: "Daily health report (UTC day; default yesterday)",
      request: {
        query: z.strictObject({
          date: Day.optional().openapi({ example: "2026-11-25" }),
        }),
      },
      responses: { 200: jsonContent(successEnvelope(z.record(z.string(), z.unknown()), "DailyReport"), "The report"), ...adminErrors },
    }),
    async (c) => c.json(success(await dailyReport(c.get("database")(), c.req.valid("query").date ?? yesterday())), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/api/admin/reports/flags",
      operationId: "getFlagAudit",
      tags,
      security,
      summary: "Feature-flag audit (the weekly report)",
      responses: { 200: jsonContent(successEnvelope(z.record(z.string(), z.unknown()), "FlagAudit"), "The audit"), ...adminErrors },
    }),
    async (c) => c.json(success(await flagAudit(c.get("database")(), new Date(), c.get("config").flags)), 200),
  );

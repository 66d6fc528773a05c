import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../env.ts";
import { success } from "../http/envelope.ts";
import { Instant, Text } from "../http/input.ts";
import { adminErrors, jsonContent, successEnvelope } from "../http/openapi.ts";
import { readAudit } from "./read-audit.ts";

const AuditQuery = z.strictObject({
  entity: Text({ max: 64 }).optional().openapi({ example: "flag" }),
  key: Text({ max: 200 }).optional().openapi({ example: "portal_dark_mode" }),
  since: Instant.optional().openapi({ example: "2026-11-01T00:00:00Z" }),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

const AuditEntry = z
  .object({
    id: z.uuid(),
    actorId: z.string().nullable().openapi({ description: "null for automatic changes (cron)" }),
    action: z.string().openapi({ example: "flag.update" }),
    entity: z.string(),
    entityKey: z.string(),
    before: z.unknown(),
    after: z.unknown(),
    createdAt: z.string(),
  })
  .openapi("AuditEntry");

export const auditRoutes = new OpenAPIHono<AppEnv>().openapi(
  createRoute({
    method: "get",
    path: "/api/admin/audit",
    operationId: "listAuditEntries",
    tags: ["Admin: audit"],
    security: [{ adminToken: [] }],
    summary: "Audit log, newest first",
    request: { query: AuditQuery },
    responses: { 200: jsonContent(successEnvelope(z.array(AuditEntry), "AuditList"), "Matching entries"), ...adminErrors },
  }),
  async (c) => {
    const query = c.req.valid("query");
    const rows = await readAudit(c.get("database")(), { ...query, since: query.since ? new Date(query.since) : undefined });
    return c.json(success(rows.map((row) => ({ ...row, createdAt: row.createdAt.toISOString() }))), 200);
  },
);

import { and, desc, eq, gte, type SQL } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { auditLog, type AuditEntry } from "../db/schema.ts";

export interface AuditQuery {
  entity?: string;
  key?: string;
  since?: Date;
  limit: number;
}

export async function readAudit(db: Database, query: AuditQuery): Promise<AuditEntry[]> {
  const conditions: SQL[] = [];
  if (query.entity) conditions.push(eq(auditLog.entity, query.entity));
  if (query.key) conditions.push(eq(auditLog.entityKey, query.key));
  if (query.since) conditions.push(gte(auditLog.createdAt, query.since));
  return db
    .select()
    .from(auditLog)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(auditLog.seq))
    .limit(query.limit);
}

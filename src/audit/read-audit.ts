import { and, desc, eq, gte, lt, lte, type SQL } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { auditLog, type AuditEntry } from "../db/schema.ts";

export interface AuditQuery {
  entity?: string;
  key?: string;
  since?: Date;
  until?: Date;
  actorId?: string;
  /** Paging: entries written before this one (its seq). */
  beforeSeq?: number;
  limit: number;
}

export async function readAudit(db: Database, query: AuditQuery): Promise<AuditEntry[]> {
  const conditions: SQL[] = [];
  if (query.entity) conditions.push(eq(auditLog.entity, query.entity));
  if (query.key) conditions.push(eq(auditLog.entityKey, query.key));
  if (query.since) conditions.push(gte(auditLog.createdAt, query.since));
  if (query.until) conditions.push(lte(auditLog.createdAt, query.until));
  if (query.actorId) conditions.push(eq(auditLog.actorId, query.actorId));
  if (query.beforeSeq !== undefined) conditions.push(lt(auditLog.seq, query.beforeSeq));
  return db
    .select()
    .from(auditLog)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(auditLog.seq))
    .limit(query.limit);
}

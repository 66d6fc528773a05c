import { and, desc, eq, gte, lt, lte, sql, type SQL } from "drizzle-orm";
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
  return db.select().from(auditLog).where(auditWhere(query)).orderBy(desc(auditLog.seq)).limit(query.limit);
}

/** The rows a query asks for. */
export function auditWhere(query: AuditQuery): SQL | undefined {
  const conditions: SQL[] = [];
  if (query.entity) conditions.push(eq(auditLog.entity, query.entity));
  if (query.key) conditions.push(eq(auditLog.entityKey, query.key));
  if (query.since) conditions.push(gte(auditLog.createdAt, query.since));
  if (query.until) conditions.push(lte(auditLog.createdAt, query.until));
  if (query.actorId) conditions.push(eq(auditLog.actorId, query.actorId));
  if (query.beforeSeq !== undefined) conditions.push(lt(auditLog.seq, query.beforeSeq));
  return conditions.length ? and(...conditions) : undefined;
}

/** A whitelist's change in one audit row: what went in and out (the first few of each, and how many). */
export interface ListChange {
  added: string[];
  addedCount: number;
  removed: string[];
  removedCount: number;
}

export type CompactAuditEntry = AuditEntry & { lists: Record<string, ListChange> | null };

// A flag's snapshot holds its whole whitelists (up to 10,000 ids each): a page of history
// would be megabytes. Postgres works out what changed and sends only that.
const LISTS = ["userIds", "customerIds"] as const;
const SHOWN = 5;
type SnapshotColumn = typeof auditLog.before | typeof auditLog.after;
const withoutLists = (column: SnapshotColumn) =>
  sql<unknown>`CASE WHEN jsonb_typeof(${column}) = 'object' THEN ${column} - ${LISTS[0]}::text - ${LISTS[1]}::text ELSE ${column} END`;
const elements = (column: SnapshotColumn, list: string) =>
  sql`jsonb_array_elements_text(CASE WHEN jsonb_typeof(${column} -> ${list}::text) = 'array' THEN ${column} -> ${list}::text ELSE '[]'::jsonb END)`;
const listChange = (list: string) => sql`(
  SELECT CASE WHEN count(*) FILTER (WHERE was <> now) = 0 THEN NULL ELSE jsonb_build_object(
    'added', coalesce(to_jsonb((array_agg(v ORDER BY v) FILTER (WHERE now AND NOT was))[1:${sql.raw(String(SHOWN))}]), '[]'::jsonb),
    'addedCount', count(*) FILTER (WHERE now AND NOT was),
    'removed', coalesce(to_jsonb((array_agg(v ORDER BY v) FILTER (WHERE was AND NOT now))[1:${sql.raw(String(SHOWN))}]), '[]'::jsonb),
    'removedCount', count(*) FILTER (WHERE was AND NOT now)) END
  FROM (SELECT v, bool_or(side = 'before') AS was, bool_or(side = 'after') AS now
        FROM (SELECT 'before' AS side, ${elements(auditLog.before, list)} AS v
              UNION ALL SELECT 'after', ${elements(auditLog.after, list)}) AS sides
        GROUP BY v) AS ids)`;

/** The audit log as people read it: whitelist changes as what went in and out, not whole lists. */
export async function readAuditCompact(db: Database, query: AuditQuery): Promise<CompactAuditEntry[]> {
  const rows = await db
    .select({
      id: auditLog.id,
      actorId: auditLog.actorId,
      action: auditLog.action,
      entity: auditLog.entity,
      entityKey: auditLog.entityKey,
      createdAt: auditLog.createdAt,
      seq: auditLog.seq,
      // Decoded as the jsonb columns are (a driver may hand computed jsonb back as text).
      before: withoutLists(auditLog.before).mapWith(auditLog.before),
      after: withoutLists(auditLog.after).mapWith(auditLog.after),
      userIds: sql<ListChange | null>`${listChange(LISTS[0])}`.mapWith(auditLog.before),
      customerIds: sql<ListChange | null>`${listChange(LISTS[1])}`.mapWith(auditLog.before),
    })
    .from(auditLog)
    .where(auditWhere(query))
    .orderBy(desc(auditLog.seq))
    .limit(query.limit);
  return rows.map(({ userIds, customerIds, ...row }) => {
    const lists = Object.fromEntries(
      Object.entries({ userIds, customerIds })
        .filter((entry): entry is [string, ListChange] => entry[1] !== null)
        .map(([name, change]) => [name, { ...change, addedCount: Number(change.addedCount), removedCount: Number(change.removedCount) }]),
    );
    return { ...row, lists: Object.keys(lists).length ? lists : null };
  });
}

// Audit rows are written with the transaction that makes the change, never after it.
import type { Database } from "../db/client.ts";
import { auditLog } from "../db/schema.ts";

type Executor = Pick<Database, "insert">;

export interface AuditRecord {
  actorId: string | null;
  action: string;
  entity: string;
  entityKey: string;
  before: unknown;
  after: unknown;
}

export async function recordAudit(tx: Executor, records: AuditRecord | AuditRecord[]): Promise<void> {
  const rows = (Array.isArray(records) ? records : [records]).map((r) => ({
    actorId: r.actorId,
    action: r.action,
    entity: r.entity,
    entityKey: r.entityKey,
    before: r.before ?? null,
    after: r.after ?? null,
  }));
  if (rows.length > 0) await tx.insert(auditLog).values(rows);
}

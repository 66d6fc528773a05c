// Changing flags. Each change is one transaction that locks the flag row, makes the
// change in SQL and writes its audit row; any error leaves nothing behind.
import { and, count, eq, inArray, sql } from "drizzle-orm";
import type { Database, Transaction } from "../db/client.ts";
import { featureFlags, flagRollouts, LIVE_ROLLOUT_STATUSES, type FeatureFlag, type FlagRollout } from "../db/schema.ts";
import { recordAudit, type AuditRecord } from "../audit/record.ts";
import { DomainError } from "../lib/domain-error.ts";
import { auditSnapshot, flagView, type FlagView } from "./flag-view.ts";
import { flagNotFound } from "./read-flags.ts";

/** Ids a whitelist holds at most. */
export const MAX_WHITELIST = 10_000;

export interface NewFlag {
  key: string;
  name: string;
  description?: string | null;
  enabled?: boolean;
  rolloutPercentage?: number;
  userIds?: string[];
  customerIds?: string[];
  metadata?: Record<string, unknown>;
  owner?: string | null;
  /** YYYY-MM-DD. */
  removeBy?: string | null;
  /** Prerequisite flag keys. */
  requires?: string[];
  /** Component ids the feature relies on (its rollout's guard watches them). */
  dependsOn?: string[];
}

export type FlagPatch = Partial<Omit<NewFlag, "key">>;

export interface FlagChange {
  flag: FlagView;
  /** Things the caller should know, e.g. that a rollout plan was cancelled. */
  warnings: string[];
}

/** Keys that name routes under /api/admin/flags/ (the stale report), so no flag can take them. */
export const RESERVED_FLAG_KEYS: readonly string[] = ["stale"];

// Any constants work: they name the locks that serialize creations against the budget,
// and changes to the prerequisite graph (so two writes cannot close a cycle between them).
const FLAG_BUDGET_LOCK = 7_251_002;
const PREREQUISITE_LOCK = 7_251_003;

/**
 * Checks a flag's new prerequisites under the graph lock: each must exist, and none may
 * lead back to the flag (the graph stays acyclic, so evaluation always ends).
 */
async function checkPrerequisites(tx: Transaction, key: string, requires: string[]): Promise<void> {
  await tx.execute(sql`SELECT pg_advisory_xact_lock(${PREREQUISITE_LOCK})`);
  if (requires.length === 0) return;
  const found = await tx.select({ key: featureFlags.key }).from(featureFlags).where(inArray(featureFlags.key, requires));
  const missing = requires.filter((k) => !found.some((f) => f.key === k));
  if (missing.length > 0) {
    throw new DomainError("invalid", "PREREQUISITE_NOT_FOUND", `requires: no flag with key ${missing.map((k) => `'${k}'`).join(", ")}`);
  }
  const cycle = await tx.execute<{ path: string[] }>(sql`
    WITH RECURSIVE walk(key, path) AS (
      SELECT k, ARRAY[${key}::text, k] FROM unnest(${sql.param(requires)}::text[]) AS k
      UNION ALL
      SELECT r, w.path || r FROM walk w JOIN feature_flags f ON f.key = w.key, unnest(f.requires) AS r
      WHERE w.key <> ${key} AND cardinality(w.path) < 64)
    SELECT path FROM walk WHERE key = ${key} LIMIT 1`);
  const path = cycle.rows[0]?.path;
  if (path) throw new DomainError("conflict", "PREREQUISITE_CYCLE", `requires: that would make a cycle (${path.join(" → ")})`);
}

const unique = (ids: string[] | undefined) => (ids ? [...new Set(ids.map((id) => id.toLowerCase()))] : undefined);

export async function lockFlag(tx: Transaction, key: string): Promise<FeatureFlag> {
  const [flag] = await tx.select().from(featureFlags).where(eq(featureFlags.key, key)).for("update");
  if (!flag) throw flagNotFound(key);
  return flag;
}

/** The flag's active or paused rollout plan, if it has one. */
export async function findLivePlan(tx: Transaction, flagId: string): Promise<FlagRollout | null> {
  const [plan] = await tx
    .select()
    .from(flagRollouts)
    .where(and(eq(flagRollouts.flagId, flagId), inArray(flagRollouts.status, [...LIVE_ROLLOUT_STATUSES])));
  return plan ?? null;
}

export async function createFeatureFlag(db: Database, input: NewFlag, actorId: string | null, options: { flagLimit: number; now?: Date }): Promise<FlagView> {
  if (RESERVED_FLAG_KEYS.includes(input.key)) {
    throw new DomainError(
      "invalid",
      "FLAG_KEY_RESERVED",
      `key: '${input.key}' is reserved (GET /api/admin/flags/${input.key} is another route); choose another key`,
    );
  }
  return db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(${FLAG_BUDGET_LOCK})`);
    await checkPrerequisites(tx, input.key, input.requires ?? []);
    const [{ total } = { total: 0 }] = await tx.select({ total: count() }).from(featureFlags);
    if (total >= options.flagLimit) {
      throw new DomainError(
        "conflict",
        "FLAG_LIMIT_REACHED",
        `The flag budget of ${options.flagLimit} is used up; remove flags that are fully rolled out before adding more`,
      );
    }
    const [flag] = await tx
      .insert(featureFlags)
      .values({
        key: input.key,
        name: input.name,
        description: input.description ?? null,
        enabled: input.enabled ?? false,
        rolloutPercentage: input.rolloutPercentage ?? 100,
        userIds: unique(input.userIds) ?? [],
        customerIds: unique(input.customerIds) ?? [],
        metadata: input.metadata ?? {},
        owner: input.owner ?? null,
        removeBy: input.removeBy ?? null,
        requires: input.requires ?? [],
        dependsOn: input.dependsOn ?? [],
        createdBy: actorId,
        updatedBy: actorId,
      })
      .onConflictDoNothing({ target: featureFlags.key })
      .returning();
    if (!flag) throw new DomainError("conflict", "FLAG_EXISTS", `A feature flag with key '${input.key}' already exists`);
    await recordAudit(tx, { actorId, action: "flag.create", entity: "flag", entityKey: flag.key, before: null, after: auditSnapshot(flag) });
    return flagView(flag, null, options.now ?? new Date());
  });
}

export async function updateFeatureFlag(db: Database, key: string, patch: FlagPatch, actorId: string | null, now = new Date()): Promise<FlagChange> {
  return db.transaction(async (tx) => {
    // The graph lock first (when the prerequisites change), then the row: the order deletes take too.
    if (patch.requires !== undefined) await checkPrerequisites(tx, key, patch.requires);
    const before = await lockFlag(tx, key);
    const warnings: string[] = [];
    const [after] = await tx
      .update(featureFlags)
      .set({
        ...(patch.name !== undefined && { name: patch.name }),
        ...(patch.description !== undefined && { description: patch.description }),
        ...(patch.enabled !== undefined && { enabled: patch.enabled }),
        ...(patch.rolloutPercentage !== undefined && { rolloutPercentage: patch.rolloutPercentage }),
        ...(patch.userIds !== undefined && { userIds: unique(patch.userIds) }),
        ...(patch.customerIds !== undefined && { customerIds: unique(patch.customerIds) }),
        ...(patch.metadata !== undefined && { metadata: patch.metadata }),
        ...(patch.owner !== undefined && { owner: patch.owner }),
        ...(patch.removeBy !== undefined && { removeBy: patch.removeBy }),
        ...(patch.requires !== undefined && { requires: patch.requires }),
        ...(patch.dependsOn !== undefined && { dependsOn: patch.dependsOn }),
        updatedAt: now,
        updatedBy: actorId,
      })
      .where(eq(featureFlags.id, before.id))
      .returning();
    const audits: AuditRecord[] = [
      { actorId, action: "flag.update", entity: "flag", entityKey: key, before: auditSnapshot(before), after: auditSnapshot(after!) },
    ];
    if (patch.rolloutPercentage !== undefined) {
      // Setting the percentage by hand takes over from any plan that would move it again.
      const [cancelled] = await tx
        .update(flagRollouts)
        .set({ status: "cancelled", pausedAt: null, finishedAt: now })
        .where(and(eq(flagRollouts.flagId, before.id), inArray(flagRollouts.status, [...LIVE_ROLLOUT_STATUSES])))
        .returning();
      if (cancelled) {
        warnings.push("The gradual rollout of this flag was cancelled because its percentage was set by hand");
        audits.push({
          actorId,
          action: "rollout.cancel",
          entity: "flag",
          entityKey: key,
          before: { rolloutId: cancelled.id },
          after: { rolloutId: cancelled.id, status: "cancelled", reason: "manual_percentage" },
        });
      }
    }
    await recordAudit(tx, audits);
    const plan = await findLivePlan(tx, before.id);
    return { flag: flagView(after!, plan, now), warnings };
  });
}

export async function deleteFeatureFlag(db: Database, key: string, actorId: string | null): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(${PREREQUISITE_LOCK})`);
    const before = await lockFlag(tx, key);
    const dependents = await tx
      .select({ key: featureFlags.key })
      .from(featureFlags)
      .where(sql`${key}::text = ANY (${featureFlags.requires})`)
      .orderBy(featureFlags.key);
    if (dependents.length > 0) {
      throw new DomainError(
        "conflict",
        "FLAG_REQUIRED",
        `'${key}' is a prerequisite of ${dependents.map((d) => `'${d.key}'`).join(", ")}; remove it from their requires first`,
      );
    }
    await tx.delete(featureFlags).where(eq(featureFlags.id, before.id));
    await recordAudit(tx, { actorId, action: "flag.delete", entity: "flag", entityKey: key, before: auditSnapshot(before), after: null });
  });
}

type ListColumn = "userIds" | "customerIds";

/**
 * Adds or removes ids in a whitelist: one id from the admin API, many pasted at once in the
 * console. The row is locked for the change, so concurrent changes all land.
 */
export async function changeWhitelist(
  db: Database,
  key: string,
  list: ListColumn,
  operation: "add" | "remove",
  ids: readonly string[],
  actorId: string | null,
  now = new Date(),
): Promise<FlagChange> {
  const values = [...new Set(ids.map((id) => id.toLowerCase()))];
  const noun = list === "userIds" ? "user" : "customer";
  return db.transaction(async (tx) => {
    const before = await lockFlag(tx, key);
    const current = before[list];
    const present = new Set(current);
    const changed = values.filter((v) => (operation === "add" ? !present.has(v) : present.has(v)));
    const removed = new Set(operation === "remove" ? changed : []);
    const next = operation === "add" ? [...current, ...changed] : current.filter((v) => !removed.has(v));
    // The same bound as a whole list sent at once (schemas.ts), so a list built a few ids at
    // a time can still be read, edited and sent back.
    if (next.length > MAX_WHITELIST) {
      throw new DomainError("conflict", "WHITELIST_FULL", `The ${noun} whitelist of '${key}' already holds ${current.length} of at most ${MAX_WHITELIST} ids`);
    }
    const warnings: string[] = [];
    const unchanged = values.length - changed.length;
    if (unchanged > 0) {
      const where = operation === "add" ? "already on the list" : "not on the list";
      warnings.push(
        values.length === 1 ? `The id was ${where}; nothing changed` : `${unchanged} of the ${values.length} ids were ${where}; they were left as they were`,
      );
    }
    if (changed.length === 0) return { flag: flagView(before, await findLivePlan(tx, before.id), now), warnings };
    const [after] = await tx
      .update(featureFlags)
      .set({ [list]: next, updatedAt: now, updatedBy: actorId })
      .where(eq(featureFlags.id, before.id))
      .returning();
    await recordAudit(tx, {
      actorId,
      action: `flag.${noun}.${operation}`,
      entity: "flag",
      entityKey: key,
      before: auditSnapshot(before),
      after: auditSnapshot(after!),
    });
    return { flag: flagView(after!, await findLivePlan(tx, before.id), now), warnings };
  });
}

export const addUserToWhitelist = (db: Database, key: string, userId: string, actorId: string | null) =>
  changeWhitelist(db, key, "userIds", "add", [userId], actorId);
export const removeUserFromWhitelist = (db: Database, key: string, userId: string, actorId: string | null) =>
  changeWhitelist(db, key, "userIds", "remove", [userId], actorId);
export const addCustomerToWhitelist = (db: Database, key: string, customerId: string, actorId: string | null) =>
  changeWhitelist(db, key, "customerIds", "add", [customerId], actorId);
export const removeCustomerFromWhitelist = (db: Database, key: string, customerId: string, actorId: string | null) =>
  changeWhitelist(db, key, "customerIds", "remove", [customerId], actorId);

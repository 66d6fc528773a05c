// Reading flags: the spec's evaluation API and the admin listings. Evaluating many flags
// for one request loads them in one query and evaluates in memory.
import { and, asc, eq, inArray, isNotNull, lte, sql } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { featureFlags, flagRollouts, LIVE_ROLLOUT_STATUSES } from "../db/schema.ts";
import { DomainError } from "../lib/domain-error.ts";
import { compileFlags, evaluateFlag, isFlagOn, prepareContext, type CompiledFlag, type EvaluationContext, type FlagEvaluation } from "./evaluate.ts";
import { flagView, type FlagView } from "./flag-view.ts";

export function flagNotFound(key: string): DomainError {
  return new DomainError("not_found", "FLAG_NOT_FOUND", `No feature flag with key '${key}'`);
}

async function flagsWithPlans(db: Database, key?: string) {
  return db
    .select({ flag: featureFlags, plan: flagRollouts })
    .from(featureFlags)
    .leftJoin(flagRollouts, and(eq(flagRollouts.flagId, featureFlags.id), inArray(flagRollouts.status, [...LIVE_ROLLOUT_STATUSES])))
    .where(key === undefined ? undefined : eq(featureFlags.key, key))
    .orderBy(asc(featureFlags.key));
}

export async function listFlags(db: Database, now = new Date()): Promise<FlagView[]> {
  return (await flagsWithPlans(db)).map((r) => flagView(r.flag, r.plan, now));
}

export async function getFlag(db: Database, key: string, now = new Date()): Promise<FlagView> {
  const [row] = await flagsWithPlans(db, key);
  if (!row) throw flagNotFound(key);
  return flagView(row.flag, row.plan, now);
}

const evaluationColumns = {
  key: featureFlags.key,
  enabled: featureFlags.enabled,
  rolloutPercentage: featureFlags.rolloutPercentage,
  userIds: featureFlags.userIds,
  customerIds: featureFlags.customerIds,
  salt: featureFlags.salt,
  requires: featureFlags.requires,
};

/** Every flag, ready to evaluate, prerequisites linked: one round trip. */
export async function loadCompiledFlags(db: Database): Promise<CompiledFlag[]> {
  const rows = await db.select(evaluationColumns).from(featureFlags).orderBy(asc(featureFlags.key));
  return [...compileFlags(rows).values()];
}

/** One flag and every flag it needs, transitively: one round trip. */
export async function loadCompiledFlag(db: Database, key: string): Promise<CompiledFlag | null> {
  const needed = sql`(WITH RECURSIVE needed(key) AS (
      SELECT ${key}::text
      UNION SELECT unnest(f.requires) FROM feature_flags f JOIN needed n ON f.key = n.key)
    SELECT key FROM needed)`;
  const rows = await db.select(evaluationColumns).from(featureFlags).where(sql`${featureFlags.key} IN ${needed}`);
  return compileFlags(rows).get(key) ?? null;
}

/** The spec's checkFeatureFlag: whether, why, and the bucket. Unknown flags are an error. */
export async function checkFeatureFlag(db: Database, key: string, context: EvaluationContext): Promise<FlagEvaluation> {
  const flag = await loadCompiledFlag(db, key);
  if (!flag) throw flagNotFound(key);
  return evaluateFlag(flag, context);
}

/** The spec's isFeatureEnabled: unknown flags are off, as in is_feature_enabled(). */
export async function isFeatureEnabled(db: Database, key: string, context: EvaluationContext): Promise<boolean> {
  const flag = await loadCompiledFlag(db, key);
  return flag ? isFlagOn(flag, prepareContext(context)) : false;
}

/** The spec's getEnabledFeatures: keys of every flag on for this context, sorted. */
export async function getEnabledFeatures(db: Database, context: EvaluationContext): Promise<string[]> {
  const prepared = prepareContext(context);
  return (await loadCompiledFlags(db)).filter((flag) => isFlagOn(flag, prepared)).map((flag) => flag.key);
}

/** Flags fully on for at least `days` days: candidates for removal, as the spec advises. */
export async function listStaleFlags(db: Database, now: Date, days: number): Promise<FlagView[]> {
  const cutoff = new Date(now.getTime() - days * 86_400_000);
  const rows = await db
    .select()
    .from(featureFlags)
    .where(and(isNotNull(featureFlags.fullRolloutSince), lte(featureFlags.fullRolloutSince, cutoff)))
    .orderBy(asc(featureFlags.fullRolloutSince), asc(featureFlags.key));
  return rows.map((flag) => flagView(flag, null, now));
}

// Flag evaluation, in memory: the spec's order (disabled, user whitelist, customer
// whitelist, rollout), with prerequisites checked after the master switch, as LaunchDarkly
// orders them. is_feature_enabled() in SQL answers exactly the same.
import { bucketFrom, saltState } from "./bucket.ts";

export interface EvaluationContext {
  userId?: string | null;
  customerId?: string | null;
}

export type EvaluationReason = "disabled" | "prerequisite_failed" | "whitelist_user" | "whitelist_customer" | "rollout";

export interface FlagEvaluation {
  enabled: boolean;
  reason: EvaluationReason;
  /** The id's bucket (0–99) for this flag, when there is an id to hash; for troubleshooting. */
  bucket: number | null;
}

export interface FlagRules {
  key: string;
  enabled: boolean;
  rolloutPercentage: number;
  userIds: readonly string[];
  customerIds: readonly string[];
  salt: string;
  /** Keys of the flags that must be on too (prerequisites). */
  requires?: readonly string[];
}

/**
 * A flag prepared for repeated evaluation: whitelists as sets, the salt pre-hashed, its
 * prerequisites linked to their own compiled flags (compileFlags does the linking).
 */
export interface CompiledFlag {
  key: string;
  enabled: boolean;
  rolloutPercentage: number;
  userIds: ReadonlySet<string>;
  customerIds: ReadonlySet<string>;
  saltState: number;
  requiresKeys: readonly string[];
  requires: CompiledFlag[];
}

/** A context with its ids normalized once, for evaluating any number of flags. */
export interface PreparedContext {
  userId: string | undefined;
  customerId: string | undefined;
  /** The id a rollout hashes: the whole customer shares one bucket; a user without a customer has their own. */
  hashed: string | undefined;
}

/** One flag on its own: its prerequisites are not linked (see compileFlags). */
export function compileFlag(flag: FlagRules): CompiledFlag {
  return {
    key: flag.key,
    enabled: flag.enabled,
    rolloutPercentage: flag.rolloutPercentage,
    userIds: new Set(flag.userIds.map((id) => id.toLowerCase())),
    customerIds: new Set(flag.customerIds.map((id) => id.toLowerCase())),
    saltState: saltState(flag.salt),
    requiresKeys: flag.requires ?? [],
    requires: [],
  };
}

/** Stands for a prerequisite that cannot be met: gone, or (never stored) part of a cycle. */
const UNMET: CompiledFlag = {
  key: "",
  enabled: false,
  rolloutPercentage: 0,
  userIds: new Set(),
  customerIds: new Set(),
  saltState: 0,
  requiresKeys: [],
  requires: [],
};

/** Flags compiled and their prerequisites linked, by key. */
export function compileFlags(rules: readonly FlagRules[]): Map<string, CompiledFlag> {
  const flags = new Map(rules.map((r) => [r.key, compileFlag(r)]));
  const linking = new Set<string>();
  const linked = new Set<string>();
  const link = (flag: CompiledFlag): boolean => {
    if (linked.has(flag.key)) return true;
    if (linking.has(flag.key)) return false; // a cycle: writes refuse them, but never loop
    linking.add(flag.key);
    flag.requires = flag.requiresKeys.map((key) => {
      const prerequisite = flags.get(key);
      return prerequisite && link(prerequisite) ? prerequisite : UNMET;
    });
    linking.delete(flag.key);
    linked.add(flag.key);
    return true;
  };
  for (const flag of flags.values()) link(flag);
  return flags;
}

// The forms Postgres reads as a uuid: 32 hex digits, a hyphen allowed after any group of
// four, optionally in braces. Ids in any of them are one id to is_feature_enabled.
const GROUPS = "[0-9a-f]{4}(?:-?[0-9a-f]{4}){7}";
const POSTGRES_UUID = new RegExp(`^(?:\\{${GROUPS}\\}|${GROUPS})$`, "i");

/** An id as the database writes it: a uuid in its standard form, anything else lower-cased. */
export function canonicalId(id: string): string {
  const lower = id.toLowerCase();
  if (!POSTGRES_UUID.test(lower)) return lower;
  const hex = lower.replace(/[{}-]/g, "");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function prepareContext(context: EvaluationContext): PreparedContext {
  const userId = context.userId ? canonicalId(context.userId) : undefined;
  const customerId = context.customerId ? canonicalId(context.customerId) : undefined;
  return { userId, customerId, hashed: customerId ?? userId };
}

/**
 * Whether the flag is on: the hot path (getEnabledFeatures, OFREP bulk), which allocates
 * nothing and hashes only when a partial rollout decides.
 */
export function isFlagOn(flag: CompiledFlag, context: PreparedContext): boolean {
  if (!flag.enabled) return false;
  for (let i = 0; i < flag.requires.length; i++) if (!isFlagOn(flag.requires[i]!, context)) return false;
  if (context.userId !== undefined && flag.userIds.size > 0 && flag.userIds.has(context.userId)) return true;
  if (context.customerId !== undefined && flag.customerIds.size > 0 && flag.customerIds.has(context.customerId)) return true;
  const percentage = flag.rolloutPercentage;
  if (percentage >= 100) return true;
  if (percentage <= 0 || context.hashed === undefined) return false;
  return bucketFrom(flag.saltState, context.hashed) < percentage;
}

/** The decision with its reason and the id's bucket, for /check, OFREP and troubleshooting. */
export function evaluateFlag(flag: CompiledFlag, context: EvaluationContext): FlagEvaluation {
  const prepared = prepareContext(context);
  const { userId, customerId, hashed } = prepared;
  const bucket = hashed === undefined ? null : bucketFrom(flag.saltState, hashed);
  const enabled = isFlagOn(flag, prepared);
  if (!flag.enabled) return { enabled, reason: "disabled", bucket };
  if (!enabled && flag.requires.some((p) => !isFlagOn(p, prepared))) return { enabled, reason: "prerequisite_failed", bucket };
  if (userId !== undefined && flag.userIds.has(userId)) return { enabled, reason: "whitelist_user", bucket };
  if (customerId !== undefined && flag.customerIds.has(customerId)) return { enabled, reason: "whitelist_customer", bucket };
  return { enabled, reason: "rollout", bucket };
}

// Flag evaluation, in memory: the spec's order (disabled, user whitelist, customer
// whitelist, rollout). is_feature_enabled() in SQL answers exactly the same.
import { bucketFrom, saltState } from "./bucket.ts";

export interface EvaluationContext {
  userId?: string | null;
  customerId?: string | null;
}

export type EvaluationReason = "disabled" | "whitelist_user" | "whitelist_customer" | "rollout";

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
}

/** A flag prepared for repeated evaluation: whitelists as sets, the salt pre-hashed. */
export interface CompiledFlag {
  key: string;
  enabled: boolean;
  rolloutPercentage: number;
  userIds: ReadonlySet<string>;
  customerIds: ReadonlySet<string>;
  saltState: number;
}

export function compileFlag(flag: FlagRules): CompiledFlag {
  return {
    key: flag.key,
    enabled: flag.enabled,
    rolloutPercentage: flag.rolloutPercentage,
    userIds: new Set(flag.userIds.map((id) => id.toLowerCase())),
    customerIds: new Set(flag.customerIds.map((id) => id.toLowerCase())),
    saltState: saltState(flag.salt),
  };
}

export function evaluateFlag(flag: CompiledFlag, context: EvaluationContext): FlagEvaluation {
  const userId = context.userId ? context.userId.toLowerCase() : undefined;
  const customerId = context.customerId ? context.customerId.toLowerCase() : undefined;
  // The whole customer shares one bucket; a user without a customer has their own.
  const hashed = customerId ?? userId;
  const bucket = hashed === undefined ? null : bucketFrom(flag.saltState, hashed);

  if (!flag.enabled) return { enabled: false, reason: "disabled", bucket };
  if (userId !== undefined && flag.userIds.has(userId)) return { enabled: true, reason: "whitelist_user", bucket };
  if (customerId !== undefined && flag.customerIds.has(customerId)) return { enabled: true, reason: "whitelist_customer", bucket };
  if (flag.rolloutPercentage >= 100) return { enabled: true, reason: "rollout", bucket };
  if (flag.rolloutPercentage <= 0 || bucket === null) return { enabled: false, reason: "rollout", bucket };
  return { enabled: bucket < flag.rolloutPercentage, reason: "rollout", bucket };
}

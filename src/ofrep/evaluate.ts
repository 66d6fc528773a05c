// This service's evaluations in the OpenFeature Remote Evaluation Protocol's terms.
// Reasons: an whitelist hit is TARGETING_MATCH, inside the rollout SPLIT, outside it
// DEFAULT, a disabled flag DISABLED, a prerequisite that is off PREREQUISITE_FAILED (as
// LaunchDarkly names it; OpenFeature reasons are open strings). Nothing about the
// whitelists themselves is shown.
import type { CompiledFlag, EvaluationContext, FlagEvaluation } from "../flags/evaluate.ts";
import { evaluateFlag } from "../flags/evaluate.ts";

export interface OfrepSuccess {
  key: string;
  value: boolean;
  reason: "TARGETING_MATCH" | "SPLIT" | "DEFAULT" | "DISABLED" | "PREREQUISITE_FAILED";
  variant: "on" | "off";
  metadata: Record<string, string | number | boolean>;
}

export interface OfrepFailure {
  key: string;
  errorCode: "FLAG_NOT_FOUND" | "INVALID_CONTEXT" | "PARSE_ERROR" | "TARGETING_KEY_MISSING" | "GENERAL";
  errorDetails: string;
}

export function ofrepReason(evaluation: FlagEvaluation): OfrepSuccess["reason"] {
  switch (evaluation.reason) {
    case "disabled":
      return "DISABLED";
    case "prerequisite_failed":
      return "PREREQUISITE_FAILED";
    case "whitelist_user":
    case "whitelist_customer":
      return "TARGETING_MATCH";
    case "rollout":
      return evaluation.enabled ? "SPLIT" : "DEFAULT";
  }
}

export function ofrepEvaluate(flag: CompiledFlag, context: EvaluationContext): OfrepSuccess {
  const evaluation = evaluateFlag(flag, context);
  return {
    key: flag.key,
    value: evaluation.enabled,
    reason: ofrepReason(evaluation),
    variant: evaluation.enabled ? "on" : "off",
    metadata: {},
  };
}

/** OFREP's context: targetingKey is the user id unless userId is given; customerId as is. */
export function contextFromOfrep(context: { targetingKey?: string; userId?: string; customerId?: string } | undefined): EvaluationContext {
  return { userId: context?.userId ?? context?.targetingKey, customerId: context?.customerId };
}

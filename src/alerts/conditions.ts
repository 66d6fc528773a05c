// Whether an alert rule's condition holds, and since when, from recent probe rounds.
import type { AlertRule, HealthStatus } from "../db/schema.ts";
import { overallStatus } from "../health/overall.ts";

export interface ProbeRound {
  at: Date;
  components: Record<string, { status: HealthStatus; responseTimeMs: number | null }>;
}

type RuleCondition = Pick<AlertRule, "target" | "condition" | "thresholdMs">;

function componentViolates(rule: RuleCondition, check: { status: HealthStatus; responseTimeMs: number | null }): boolean {
  switch (rule.condition) {
    case "unhealthy":
      return check.status === "unhealthy";
    case "degraded":
      return check.status === "degraded";
    case "slow":
      return check.responseTimeMs !== null && check.responseTimeMs > (rule.thresholdMs ?? Infinity);
    default:
      return false;
  }
}

export function roundViolates(rule: RuleCondition, round: ProbeRound): boolean {
  const checks = Object.values(round.components);
  if (rule.target === "overall") {
    const overall = overallStatus(checks.map((c) => c.status));
    return overall === rule.condition;
  }
  if (rule.target === "any") return checks.some((check) => componentViolates(rule, check));
  const check = round.components[rule.target];
  return check !== undefined && componentViolates(rule, check);
}

/**
 * The start of the unbroken run of violating rounds that ends with the newest round, or
 * null when the newest round does not violate. Rounds are given newest first.
 */
export function violatingSince(rule: RuleCondition, rounds: ProbeRound[]): Date | null {
  let since: Date | null = null;
  for (const round of rounds) {
    if (!roundViolates(rule, round)) break;
    since = round.at;
  }
  return since;
}

export function describeRule(rule: Pick<AlertRule, "target" | "condition" | "thresholdMs" | "durationSeconds">): string {
  const subject = rule.target === "overall" ? "overall status" : rule.target === "any" ? "a component" : rule.target;
  const state =
    rule.condition === "slow" ? `slower than ${rule.thresholdMs} ms` : rule.target === "overall" ? rule.condition.replace("_", " ") : rule.condition;
  const minutes = rule.durationSeconds / 60;
  return `${subject} is ${state} for ${Number.isInteger(minutes) ? minutes : minutes.toFixed(1)}+ min`;
}

// The guard of a gradual rollout, as pure functions of the plan, what the guard observes
// and the time (the observation history the plan keeps is guard_clear_since): the spec's
// "monitor errors and performance at each step", applied by the cron rather than by hand.
//
// A step is applied only while the guard is clear. It is not clear while a component the
// flag depends on is unhealthy or has an open incident, or while the flag's error rate over
// the current step passes the plan's limit (once the step has min_evaluations). Then the
// plan is held — its clock stops, nothing is lost — or, when the error rate is the cause and
// the plan says rollback, it also goes back one step. A held plan resumes by itself once
// the guard has been clear for resume_after_minutes, counted from the first clear minute.
import type { ERROR_RATE_ACTIONS } from "../db/schema.ts";
import type { WindowSignals } from "../signals/read-signals.ts";

export interface GuardSettings {
  maxErrorRate: number | null;
  minEvaluations: number;
  onErrorRate: (typeof ERROR_RATE_ACTIONS)[number];
  resumeAfterMinutes: number;
}

export interface GuardObservation {
  /** The flag's components that are down now, and why. */
  down: { component: string; why: "unhealthy" | "open incident" }[];
  /** Evaluations and errors over the current step. */
  step: WindowSignals;
}

export type GuardVerdict = { clear: true } | { clear: false; cause: "component" | "error_rate"; reason: string };

const percent = (rate: number) => `${(rate * 100).toFixed(2)} %`;

export function judge(settings: GuardSettings, seen: GuardObservation): GuardVerdict {
  if (seen.down.length > 0) {
    return { clear: false, cause: "component", reason: seen.down.map((d) => `${d.component}: ${d.why}`).join("; ") };
  }
  const { evaluations, errorRate } = seen.step;
  if (settings.maxErrorRate !== null && errorRate !== null && evaluations >= settings.minEvaluations && errorRate > settings.maxErrorRate) {
    return {
      clear: false,
      cause: "error_rate",
      reason: `error rate ${percent(errorRate)} over the current step (limit ${percent(settings.maxErrorRate)}, ${evaluations.toLocaleString("en-US")} evaluations)`,
    };
  }
  return { clear: true };
}

export interface GuardedPlan extends GuardSettings {
  status: "active" | "held";
  appliedStep: number;
  guardClearSince: Date | null;
}

export type GuardTransition =
  /** Active and clear: apply the steps that are due. */
  | { kind: "advance" }
  /** Active and not clear: hold (going back a step when `rollback`). */
  | { kind: "hold"; reason: string; rollback: boolean }
  /** Held: still waiting; `clearSince` is what guard_clear_since becomes. */
  | { kind: "wait"; clearSince: Date | null }
  /** Held, and clear for long enough: resume. */
  | { kind: "resume"; clearMinutes: number };

export function transition(plan: GuardedPlan, verdict: GuardVerdict, now: Date): GuardTransition {
  if (plan.status === "active") {
    if (verdict.clear) return { kind: "advance" };
    return { kind: "hold", reason: verdict.reason, rollback: verdict.cause === "error_rate" && plan.onErrorRate === "rollback" && plan.appliedStep > 0 };
  }
  if (!verdict.clear) return { kind: "wait", clearSince: null };
  const since = plan.guardClearSince ?? now;
  const clearMinutes = Math.floor((now.getTime() - since.getTime()) / 60_000);
  if (clearMinutes >= plan.resumeAfterMinutes) return { kind: "resume", clearMinutes };
  return { kind: "wait", clearSince: since };
}

// A gradual rollout's percentage as a pure function of its plan and the time: steps every
// intervalHours from start to end over durationHours. Because it depends on nothing else,
// a late or missed cron run catches up to the right step and a repeated one changes nothing.
const HOUR_MS = 3_600_000;

export interface RolloutPlan {
  startPercentage: number;
  endPercentage: number;
  durationHours: number;
  intervalHours: number;
  /** Already moved forward by any time spent paused. */
  startedAt: Date;
}

export function totalSteps(plan: Pick<RolloutPlan, "durationHours" | "intervalHours">): number {
  return Math.max(1, Math.ceil(plan.durationHours / plan.intervalHours));
}

/** How many steps are due at `now` (0 at the start, totalSteps at the end). */
export function stepAt(plan: RolloutPlan, now: Date): number {
  const elapsed = now.getTime() - plan.startedAt.getTime();
  if (elapsed < 0) return 0;
  // The last step lands at the end of the duration even when it is not a whole number of intervals.
  if (elapsed >= plan.durationHours * HOUR_MS) return totalSteps(plan);
  return Math.min(totalSteps(plan), Math.floor(elapsed / (plan.intervalHours * HOUR_MS)));
}

/** The percentage after `step` steps: linear, rounded half up, exact at both ends. */
export function percentageAtStep(plan: Omit<RolloutPlan, "startedAt">, step: number): number {
  const steps = totalSteps(plan);
  if (step >= steps) return plan.endPercentage;
  if (step <= 0) return plan.startPercentage;
  return Math.floor(plan.startPercentage + ((plan.endPercentage - plan.startPercentage) * step) / steps + 0.5);
}

/** When `step` falls (or fell) due: the plan's start for step 0. */
export function stepStartsAt(plan: RolloutPlan, step: number): Date {
  const start = plan.startedAt.getTime();
  if (step <= 0) return plan.startedAt;
  return new Date(Math.min(start + step * plan.intervalHours * HOUR_MS, start + plan.durationHours * HOUR_MS));
}

export function percentageAt(plan: RolloutPlan, now: Date): number {
  return percentageAtStep(plan, stepAt(plan, now));
}

/** When the next step falls due, or null once the plan has reached its end. */
export function nextStepAt(plan: RolloutPlan, now: Date): Date | null {
  const step = stepAt(plan, now);
  if (step >= totalSteps(plan)) return null;
  const start = plan.startedAt.getTime();
  return new Date(Math.min(start + (step + 1) * plan.intervalHours * HOUR_MS, start + plan.durationHours * HOUR_MS));
}

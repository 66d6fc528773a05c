// Each step of a flag's current (or last) gradual rollout with its evaluations, errors and
// error rate: what the guard judged, step by step.
import { desc, eq } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { featureFlags, flagRollouts } from "../db/schema.ts";
import { percentageAtStep, stepStartsAt, totalSteps } from "../flags/rollout-plan.ts";
import { windowSignals, type WindowSignals } from "./read-signals.ts";

export interface StepSignals extends WindowSignals {
  step: number;
  percentage: number;
  from: string;
  to: string;
}

export interface RolloutSignals {
  rolloutId: string;
  status: string;
  steps: StepSignals[];
}

/** The windows are the plan's clock's (a pause or hold moves it), so earlier steps are approximate. */
export async function rolloutSignals(db: Database, flagKey: string, now: Date): Promise<RolloutSignals | null> {
  const [plan] = await db
    .select({ plan: flagRollouts })
    .from(flagRollouts)
    .innerJoin(featureFlags, eq(featureFlags.id, flagRollouts.flagId))
    .where(eq(featureFlags.key, flagKey))
    .orderBy(desc(flagRollouts.createdAt))
    .limit(1);
  if (!plan) return null;
  const p = plan.plan;
  const until = p.finishedAt ?? p.pausedAt ?? p.heldAt ?? now;
  const last = Math.min(p.appliedStep, totalSteps(p));
  const steps = await Promise.all(
    Array.from({ length: last + 1 }, async (_, step) => {
      const from = stepStartsAt(p, step);
      const to = step < last ? stepStartsAt(p, step + 1) : until;
      return { step, percentage: percentageAtStep(p, step), from: from.toISOString(), to: to.toISOString(), ...(await windowSignals(db, flagKey, from, to)) };
    }),
  );
  return { rolloutId: p.id, status: p.status, steps };
}

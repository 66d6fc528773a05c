// Gradual rollouts: starting, pausing, resuming and cancelling a plan, and the cron job
// that applies the steps that have fallen due.
import { and, eq } from "drizzle-orm";
import type { Database, Transaction } from "../db/client.ts";
import { featureFlags, flagRollouts, type FlagRollout } from "../db/schema.ts";
import { recordAudit, type AuditRecord } from "../audit/record.ts";
import { DomainError } from "../lib/domain-error.ts";
import { auditSnapshot, flagView, type FlagView } from "./flag-view.ts";
import { percentageAtStep, stepAt, totalSteps } from "./rollout-plan.ts";
import { findLivePlan, lockFlag } from "./write-flags.ts";

export interface RolloutRequest {
  startPercentage: number;
  endPercentage: number;
  durationHours: number;
  intervalHours: number;
}

const planSummary = (plan: FlagRollout) => ({
  rolloutId: plan.id,
  status: plan.status,
  startPercentage: plan.startPercentage,
  endPercentage: plan.endPercentage,
  durationHours: plan.durationHours,
  intervalHours: plan.intervalHours,
  startedAt: plan.startedAt.toISOString(),
  appliedStep: plan.appliedStep,
});

/**
 * The spec's gradualRollout: stores the plan, enables the flag and sets the start
 * percentage at once; the cron moves it along from there.
 */
export async function gradualRollout(db: Database, key: string, request: RolloutRequest, actorId: string | null, now = new Date()): Promise<FlagView> {
  if (request.intervalHours > request.durationHours) {
    throw new DomainError("invalid", "VALIDATION_ERROR", "intervalHours: must not exceed durationHours");
  }
  return db.transaction(async (tx) => {
    const before = await lockFlag(tx, key);
    if (await findLivePlan(tx, before.id)) {
      throw new DomainError("conflict", "ROLLOUT_EXISTS", `Flag '${key}' already has a rollout in progress; cancel it first`);
    }
    const [plan] = await tx
      .insert(flagRollouts)
      .values({ flagId: before.id, ...request, startedAt: now, createdBy: actorId })
      .returning();
    const [after] = await tx
      .update(featureFlags)
      .set({ enabled: true, rolloutPercentage: request.startPercentage, updatedAt: now, updatedBy: actorId })
      .where(eq(featureFlags.id, before.id))
      .returning();
    await recordAudit(tx, [
      {
        actorId,
        action: "rollout.start",
        entity: "flag",
        entityKey: key,
        before: auditSnapshot(before),
        after: { ...auditSnapshot(after!), rollout: planSummary(plan!) },
      },
    ]);
    return flagView(after!, plan!, now);
  });
}

async function changePlan(
  db: Database,
  key: string,
  actorId: string | null,
  now: Date,
  change: (plan: FlagRollout) => { action: string; set: Partial<typeof flagRollouts.$inferInsert> } | DomainError,
): Promise<FlagView> {
  return db.transaction(async (tx) => {
    const flag = await lockFlag(tx, key);
    const plan = await findLivePlan(tx, flag.id);
    if (!plan) throw new DomainError("not_found", "ROLLOUT_NOT_FOUND", `Flag '${key}' has no rollout in progress`);
    const outcome = change(plan);
    if (outcome instanceof DomainError) throw outcome;
    const [updated] = await tx.update(flagRollouts).set(outcome.set).where(eq(flagRollouts.id, plan.id)).returning();
    await recordAudit(tx, { actorId, action: outcome.action, entity: "flag", entityKey: key, before: planSummary(plan), after: planSummary(updated!) });
    const live = updated!.status === "active" || updated!.status === "paused" ? updated! : null;
    return flagView(flag, live, now);
  });
}

export const pauseRollout = (db: Database, key: string, actorId: string | null, now = new Date()) =>
  changePlan(db, key, actorId, now, (plan) =>
    plan.status === "paused"
      ? new DomainError("conflict", "ROLLOUT_PAUSED", `The rollout of '${key}' is already paused`)
      : { action: "rollout.pause", set: { status: "paused", pausedAt: now } },
  );

export const resumeRollout = (db: Database, key: string, actorId: string | null, now = new Date()) =>
  changePlan(db, key, actorId, now, (plan) =>
    plan.status !== "paused" || !plan.pausedAt
      ? new DomainError("conflict", "ROLLOUT_NOT_PAUSED", `The rollout of '${key}' is not paused`)
      : {
          action: "rollout.resume",
          // The time spent paused does not count: the plan's clock starts again where it stopped.
          set: { status: "active", pausedAt: null, startedAt: new Date(plan.startedAt.getTime() + (now.getTime() - plan.pausedAt.getTime())) },
        },
  );

export const cancelRollout = (db: Database, key: string, actorId: string | null, now = new Date()) =>
  changePlan(db, key, actorId, now, () => ({ action: "rollout.cancel", set: { status: "cancelled", pausedAt: null, finishedAt: now } }));

export interface AppliedStep {
  key: string;
  step: number;
  percentage: number;
}

export interface RolloutRun {
  applied: AppliedStep[];
  completed: string[];
}

/**
 * Applies every step that is due at `now`, one transaction per plan. The flag row is
 * locked first (the order every flag change uses), and the plan's applied_step is read
 * under that lock, so overlapping runs apply each step exactly once; a run that missed
 * steps applies them all, one audit row per step.
 */
export async function applyDueRolloutSteps(db: Database, now: Date): Promise<RolloutRun> {
  const run: RolloutRun = { applied: [], completed: [] };
  const candidates = await db.select({ id: flagRollouts.id, flagId: flagRollouts.flagId }).from(flagRollouts).where(eq(flagRollouts.status, "active"));
  for (const candidate of candidates) {
    await db.transaction((tx) => applyPlan(tx, candidate, now, run));
  }
  return run;
}

async function applyPlan(tx: Transaction, candidate: { id: string; flagId: string }, now: Date, run: RolloutRun): Promise<void> {
  const [flag] = await tx.select().from(featureFlags).where(eq(featureFlags.id, candidate.flagId)).for("update");
  const [plan] = await tx
    .select()
    .from(flagRollouts)
    .where(and(eq(flagRollouts.id, candidate.id), eq(flagRollouts.status, "active")))
    .for("update");
  if (!flag || !plan) return; // finished, paused or cancelled since it was listed
  const due = stepAt(plan, now);
  if (due <= plan.appliedStep) return;

  const audits: AuditRecord[] = [];
  let previous = percentageAtStep(plan, plan.appliedStep);
  for (let step = plan.appliedStep + 1; step <= due; step++) {
    const percentage = percentageAtStep(plan, step);
    audits.push({
      actorId: null,
      action: "rollout.step",
      entity: "flag",
      entityKey: flag.key,
      before: { rolloutId: plan.id, step: step - 1, rolloutPercentage: previous },
      after: { rolloutId: plan.id, step, rolloutPercentage: percentage },
    });
    run.applied.push({ key: flag.key, step, percentage });
    previous = percentage;
  }
  const finished = due >= totalSteps(plan);
  await tx.update(featureFlags).set({ rolloutPercentage: previous, updatedAt: now }).where(eq(featureFlags.id, flag.id));
  await tx
    .update(flagRollouts)
    .set({ appliedStep: due, ...(finished && { status: "completed", finishedAt: now }) })
    .where(eq(flagRollouts.id, plan.id));
  if (finished) {
    audits.push({
      actorId: null,
      action: "rollout.complete",
      entity: "flag",
      entityKey: flag.key,
      before: null,
      after: { rolloutId: plan.id, rolloutPercentage: previous },
    });
    run.completed.push(flag.key);
  }
  await recordAudit(tx, audits);
}

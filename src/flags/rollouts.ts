// Gradual rollouts: starting, pausing, resuming and cancelling a plan, and the cron job
// that moves each plan along: the steps that have fallen due, while its guard is clear
// (./rollout-guard.ts).
import { and, eq, inArray, sql } from "drizzle-orm";
import type { Database, Transaction } from "../db/client.ts";
import { featureFlags, flagRollouts, LIVE_ROLLOUT_STATUSES, type FeatureFlag, type FlagRollout } from "../db/schema.ts";
import { recordAudit, type AuditRecord } from "../audit/record.ts";
import { DomainError } from "../lib/domain-error.ts";
import { auditSnapshot, flagView, type FlagView } from "./flag-view.ts";
import { postReport } from "../reports/post-report.ts";
import { windowSignals } from "../signals/read-signals.ts";
import { HEALTH_FRESH_MS } from "../status/system-status.ts";
import { judge, transition, type GuardObservation } from "./rollout-guard.ts";
import { percentageAtStep, stepAt, stepStartsAt, totalSteps } from "./rollout-plan.ts";
import { findLivePlan, lockFlag } from "./write-flags.ts";

export interface RolloutRequest {
  startPercentage: number;
  endPercentage: number;
  durationHours: number;
  intervalHours: number;
  /** The guard (./rollout-guard.ts); the flag's dependsOn is the other half of it. */
  maxErrorRate?: number | null;
  minEvaluations?: number;
  onErrorRate?: "hold" | "rollback";
  resumeAfterMinutes?: number;
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
  guard: { maxErrorRate: plan.maxErrorRate, minEvaluations: plan.minEvaluations, onErrorRate: plan.onErrorRate, resumeAfterMinutes: plan.resumeAfterMinutes },
  ...(plan.holdReason && { holdReason: plan.holdReason }),
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
      .values({
        flagId: before.id,
        startPercentage: request.startPercentage,
        endPercentage: request.endPercentage,
        durationHours: request.durationHours,
        intervalHours: request.intervalHours,
        maxErrorRate: request.maxErrorRate ?? null,
        ...(request.minEvaluations !== undefined && { minEvaluations: request.minEvaluations }),
        ...(request.onErrorRate !== undefined && { onErrorRate: request.onErrorRate }),
        ...(request.resumeAfterMinutes !== undefined && { resumeAfterMinutes: request.resumeAfterMinutes }),
        startedAt: now,
        createdBy: actorId,
      })
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
    const live = (LIVE_ROLLOUT_STATUSES as readonly string[]).includes(updated!.status) ? updated! : null;
    return flagView(flag, live, now);
  });
}

/** Pausing a held plan takes it out of the guard's hands: it stays where it is until resumed. */
export const pauseRollout = (db: Database, key: string, actorId: string | null, now = new Date()) =>
  changePlan(db, key, actorId, now, (plan) =>
    plan.status === "paused"
      ? new DomainError("conflict", "ROLLOUT_PAUSED", `The rollout of '${key}' is already paused`)
      : {
          action: "rollout.pause",
          // A held plan's clock already stopped when it was held: pausing keeps that moment.
          set: { status: "paused", pausedAt: plan.heldAt ?? now, heldAt: null, holdReason: null, guardClearSince: null },
        },
  );

/** Resumes a paused plan, or a held one at once (an admin overriding its guard). */
export const resumeRollout = (db: Database, key: string, actorId: string | null, now = new Date()) =>
  changePlan(db, key, actorId, now, (plan) => {
    const stoppedAt = plan.pausedAt ?? plan.heldAt;
    if (!stoppedAt) return new DomainError("conflict", "ROLLOUT_NOT_PAUSED", `The rollout of '${key}' is neither paused nor held`);
    return {
      action: "rollout.resume",
      // The time spent stopped does not count: the plan's clock starts again where it stopped.
      set: {
        status: "active",
        pausedAt: null,
        heldAt: null,
        holdReason: null,
        guardClearSince: null,
        startedAt: new Date(plan.startedAt.getTime() + (now.getTime() - stoppedAt.getTime())),
      },
    };
  });

export const cancelRollout = (db: Database, key: string, actorId: string | null, now = new Date()) =>
  changePlan(db, key, actorId, now, () => ({
    action: "rollout.cancel",
    set: { status: "cancelled", pausedAt: null, heldAt: null, holdReason: null, guardClearSince: null, finishedAt: now },
  }));

export interface AppliedStep {
  key: string;
  step: number;
  percentage: number;
}

export interface RolloutRun {
  applied: AppliedStep[];
  completed: string[];
  held: { key: string; reason: string; rolledBackTo: number | null }[];
  resumed: string[];
}

/**
 * Moves every live plan along at `now`, one transaction per plan: judges its guard, then
 * applies the steps that are due (clear), holds it (not clear), or, when held, waits for or
 * resumes it. The flag row is locked first (the order every flag change uses) and the plan
 * read under that lock, so overlapping runs change nothing twice; a run that missed steps
 * applies them all, one audit row per step.
 */
export async function applyDueRolloutSteps(db: Database, now: Date): Promise<RolloutRun> {
  const run: RolloutRun = { applied: [], completed: [], held: [], resumed: [] };
  const candidates = await db
    .select({ id: flagRollouts.id, flagId: flagRollouts.flagId })
    .from(flagRollouts)
    .where(inArray(flagRollouts.status, ["active", "held"]));
  for (const candidate of candidates) {
    await db.transaction((tx) => movePlan(tx, candidate, now, run));
  }
  return run;
}

async function movePlan(tx: Transaction, candidate: { id: string; flagId: string }, now: Date, run: RolloutRun): Promise<void> {
  const [flag] = await tx.select().from(featureFlags).where(eq(featureFlags.id, candidate.flagId)).for("update");
  const [plan] = await tx
    .select()
    .from(flagRollouts)
    .where(and(eq(flagRollouts.id, candidate.id), inArray(flagRollouts.status, ["active", "held"])))
    .for("update");
  if (!flag || !plan) return; // finished, paused or cancelled since it was listed
  const status = plan.status as "active" | "held";
  // Nothing to guard while nothing is due and nothing is held.
  if (status === "active" && stepAt(plan, now) <= plan.appliedStep) return;

  const verdict = judge(plan, await observe(tx, flag, plan, now));
  const move = transition({ ...plan, status }, verdict, now);
  if (move.kind === "advance") return applySteps(tx, flag, plan, now, run);
  if (move.kind === "hold") return hold(tx, flag, plan, move, now, run);
  if (move.kind === "resume") return resume(tx, flag, plan, move.clearMinutes, now, run);
  if ((move.clearSince?.getTime() ?? null) !== (plan.guardClearSince?.getTime() ?? null)) {
    await tx.update(flagRollouts).set({ guardClearSince: move.clearSince }).where(eq(flagRollouts.id, plan.id));
  }
}

/** What the guard sees now: the flag's components that are down, and the current step's errors. */
async function observe(tx: Transaction, flag: FeatureFlag, plan: FlagRollout, now: Date): Promise<GuardObservation> {
  const [components, step] = await Promise.all([
    flag.dependsOn.length === 0
      ? Promise.resolve({ rows: [] as { component: string; incident: boolean; status: string | null }[] })
      : tx.execute<{ component: string; incident: boolean; status: string | null }>(sql`
          SELECT c AS component,
                 EXISTS (SELECT 1 FROM system_status s WHERE s.component = c AND s.resolved_at IS NULL) AS incident,
                 (SELECT l.status FROM health_check_logs l
                  WHERE l.component = c AND l.checked_at > ${new Date(now.getTime() - HEALTH_FRESH_MS).toISOString()}::timestamptz
                    AND l.checked_at <= ${now.toISOString()}::timestamptz
                  ORDER BY l.checked_at DESC LIMIT 1) AS status
          FROM unnest(${sql.param(flag.dependsOn)}::text[]) AS c`),
    plan.maxErrorRate === null
      ? Promise.resolve({ evaluations: 0, errors: 0, errorRate: null })
      : // While held, only what happened since the hold counts: a rolled-back step's errors
        // must not keep the step it went back to held.
        windowSignals(tx, flag.key, plan.status === "held" && plan.heldAt ? plan.heldAt : stepStartsAt(plan, plan.appliedStep), now),
  ]);
  const down: GuardObservation["down"] = [];
  for (const c of components.rows) {
    if (c.status === "unhealthy") down.push({ component: c.component, why: "unhealthy" });
    else if (c.incident) down.push({ component: c.component, why: "open incident" });
  }
  return { down, step };
}

async function applySteps(tx: Transaction, flag: FeatureFlag, plan: FlagRollout, now: Date, run: RolloutRun): Promise<void> {
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

async function hold(
  tx: Transaction,
  flag: FeatureFlag,
  plan: FlagRollout,
  move: { reason: string; rollback: boolean },
  now: Date,
  run: RolloutRun,
): Promise<void> {
  const step = move.rollback ? plan.appliedStep - 1 : plan.appliedStep;
  const percentage = percentageAtStep(plan, step);
  const audits: AuditRecord[] = [];
  if (move.rollback) {
    await tx.update(featureFlags).set({ rolloutPercentage: percentage, updatedAt: now }).where(eq(featureFlags.id, flag.id));
    audits.push({
      actorId: null,
      action: "rollout.rollback",
      entity: "flag",
      entityKey: flag.key,
      before: { rolloutId: plan.id, step: plan.appliedStep, rolloutPercentage: flag.rolloutPercentage },
      after: { rolloutId: plan.id, step, rolloutPercentage: percentage, reason: move.reason },
    });
  }
  await tx
    .update(flagRollouts)
    .set({ status: "held", heldAt: now, holdReason: move.reason, guardClearSince: null, appliedStep: step })
    .where(eq(flagRollouts.id, plan.id));
  audits.push({
    actorId: null,
    action: "rollout.hold",
    entity: "flag",
    entityKey: flag.key,
    before: { rolloutId: plan.id, status: plan.status },
    after: { rolloutId: plan.id, status: "held", reason: move.reason, step, rolloutPercentage: move.rollback ? percentage : flag.rolloutPercentage },
  });
  await recordAudit(tx, audits);
  run.held.push({ key: flag.key, reason: move.reason, rolledBackTo: move.rollback ? percentage : null });
  const what = move.rollback ? `held, and back to ${percentage} %` : `held at ${flag.rolloutPercentage} %`;
  await postReport(tx, now, {
    event: "rollout.held",
    period: `${plan.id}@${now.toISOString()}`,
    title: `Rollout of ${flag.key} ${what}`,
    lines: [`Why: ${move.reason}`, `It resumes by itself once the guard has been clear for ${plan.resumeAfterMinutes} minutes.`],
    data: { flag: flag.key, rolloutId: plan.id, reason: move.reason, step, rolloutPercentage: move.rollback ? percentage : flag.rolloutPercentage },
  });
}

async function resume(tx: Transaction, flag: FeatureFlag, plan: FlagRollout, clearMinutes: number, now: Date, run: RolloutRun): Promise<void> {
  // The time spent held does not count: the plan's clock starts again where it stopped, so
  // the step that was held back is applied now. After a rollback that would apply the step
  // that failed (and the one after) at once: the step it went back to restarts instead,
  // and the failed step comes again a full interval later, observed like any other.
  let startedAt = new Date(plan.startedAt.getTime() + (now.getTime() - plan.heldAt!.getTime()));
  if (stepAt({ ...plan, startedAt }, now) > plan.appliedStep + 1) {
    startedAt = new Date(now.getTime() - plan.appliedStep * plan.intervalHours * 3_600_000);
  }
  await tx.update(flagRollouts).set({ status: "active", heldAt: null, holdReason: null, guardClearSince: null, startedAt }).where(eq(flagRollouts.id, plan.id));
  await recordAudit(tx, {
    actorId: null,
    action: "rollout.resume",
    entity: "flag",
    entityKey: flag.key,
    before: { rolloutId: plan.id, status: "held", reason: plan.holdReason },
    after: { rolloutId: plan.id, status: "active", reason: `the guard has been clear for ${clearMinutes} minutes` },
  });
  run.resumed.push(flag.key);
  await postReport(tx, now, {
    event: "rollout.resumed",
    period: `${plan.id}@${now.toISOString()}`,
    title: `Rollout of ${flag.key} resumed`,
    lines: [`Held since ${plan.heldAt!.toISOString()}: ${plan.holdReason}`, `The guard has been clear for ${clearMinutes} minutes.`],
    data: { flag: flag.key, rolloutId: plan.id },
  });
}

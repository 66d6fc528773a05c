// The spec's weekly feature-flag audit: flags fully on for 14+ days (remove them), flags
// past the remove-by date their owner set, the flag budget (keep under 50), flags that are
// switched off — and the spec's dashboard figures for flags: rollout progress with each
// step's error rate and any hold, and adoption (the share of customers using each feature).
import { and, asc, count, eq, gte, inArray, isNotNull, lt } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { featureFlags, flagAdoptionDays, flagRollouts, LIVE_ROLLOUT_STATUSES } from "../db/schema.ts";
import { stepStartsAt, totalSteps } from "../flags/rollout-plan.ts";
import { estimate, merge, newSketch, type Sketch } from "../signals/hyperloglog.ts";
import { windowSignals } from "../signals/read-signals.ts";
import { listStaleFlags } from "../flags/read-flags.ts";

export interface FlagAudit {
  generatedAt: string;
  totalFlags: number;
  flagLimit: number;
  overBudget: boolean;
  disabledFlags: number;
  staleAfterDays: number;
  staleFlags: { key: string; name: string; owner: string | null; fullRolloutSince: string; daysAtFullRollout: number }[];
  pastRemoveBy: { key: string; name: string; owner: string | null; removeBy: string; daysPast: number }[];
  rolloutsInProgress: {
    key: string;
    status: string;
    startPercentage: number;
    endPercentage: number;
    startedAt: string;
    rolloutPercentage: number;
    step: number;
    totalSteps: number;
    holdReason: string | null;
    /** Errors ÷ evaluations over the current step (null without evaluations). */
    stepErrorRate: number | null;
  }[];
  /** Per flag evaluated in the last 7 days: the share of distinct customers who got it. */
  adoption: { key: string; customersEvaluated: number; customersEnabled: number; adoptionPercent: number }[];
}

export async function flagAudit(db: Database, now: Date, options: { limit: number; staleDays: number }): Promise<FlagAudit> {
  const today = now.toISOString().slice(0, 10);
  const [[totals], [disabled], stale, overdue, rollouts] = await Promise.all([
    db.select({ total: count() }).from(featureFlags),
    db.select({ total: count() }).from(featureFlags).where(eq(featureFlags.enabled, false)),
    listStaleFlags(db, now, options.staleDays),
    db
      .select({ key: featureFlags.key, name: featureFlags.name, owner: featureFlags.owner, removeBy: featureFlags.removeBy })
      .from(featureFlags)
      .where(and(isNotNull(featureFlags.removeBy), lt(featureFlags.removeBy, today)))
      .orderBy(asc(featureFlags.removeBy), asc(featureFlags.key)),
    db
      .select({ plan: flagRollouts, key: featureFlags.key, rolloutPercentage: featureFlags.rolloutPercentage })
      .from(flagRollouts)
      .innerJoin(featureFlags, eq(featureFlags.id, flagRollouts.flagId))
      .where(inArray(flagRollouts.status, [...LIVE_ROLLOUT_STATUSES]))
      .orderBy(asc(featureFlags.key)),
  ]);
  const [rolloutErrors, adoption] = await Promise.all([
    Promise.all(rollouts.map((r) => windowSignals(db, r.key, stepStartsAt(r.plan, r.plan.appliedStep), now))),
    weeklyAdoption(db, now),
  ]);
  const total = totals?.total ?? 0;
  return {
    generatedAt: now.toISOString(),
    totalFlags: total,
    flagLimit: options.limit,
    overBudget: total >= options.limit,
    disabledFlags: disabled?.total ?? 0,
    staleAfterDays: options.staleDays,
    staleFlags: stale.map((f) => ({
      key: f.key,
      name: f.name,
      owner: f.owner,
      fullRolloutSince: f.fullRolloutSince!,
      daysAtFullRollout: Math.floor((now.getTime() - new Date(f.fullRolloutSince!).getTime()) / 86_400_000),
    })),
    pastRemoveBy: overdue.map((f) => ({
      key: f.key,
      name: f.name,
      owner: f.owner,
      removeBy: f.removeBy!,
      daysPast: Math.floor((now.getTime() - new Date(`${f.removeBy}T00:00:00Z`).getTime()) / 86_400_000),
    })),
    rolloutsInProgress: rollouts.map((r, i) => ({
      key: r.key,
      status: r.plan.status,
      startPercentage: r.plan.startPercentage,
      endPercentage: r.plan.endPercentage,
      startedAt: r.plan.startedAt.toISOString(),
      rolloutPercentage: r.rolloutPercentage,
      step: r.plan.appliedStep,
      totalSteps: totalSteps(r.plan),
      holdReason: r.plan.holdReason,
      stepErrorRate: rolloutErrors[i]!.errorRate,
    })),
    adoption,
  };
}

/** The last 7 days' sketches per flag, merged: distinct customers over the week. */
async function weeklyAdoption(db: Database, now: Date): Promise<FlagAudit["adoption"]> {
  const since = new Date(now.getTime() - 6 * 86_400_000).toISOString().slice(0, 10);
  const rows = await db
    .select({ key: flagAdoptionDays.flagKey, evaluated: flagAdoptionDays.evaluated, enabled: flagAdoptionDays.enabled })
    .from(flagAdoptionDays)
    .where(gte(flagAdoptionDays.day, since));
  const byFlag = new Map<string, { evaluated: Sketch; enabled: Sketch }>();
  for (const row of rows) {
    let week = byFlag.get(row.key);
    if (!week) {
      week = { evaluated: newSketch(), enabled: newSketch() };
      byFlag.set(row.key, week);
    }
    merge(week.evaluated, row.evaluated);
    merge(week.enabled, row.enabled);
  }
  return [...byFlag.entries()]
    .map(([key, week]) => {
      const evaluated = estimate(week.evaluated);
      const enabled = Math.min(estimate(week.enabled), evaluated);
      return {
        key,
        customersEvaluated: evaluated,
        customersEnabled: enabled,
        adoptionPercent: evaluated > 0 ? Math.round((10_000 * enabled) / evaluated) / 100 : 0,
      };
    })
    .sort((a, b) => a.key.localeCompare(b.key));
}

export function flagAuditLines(audit: FlagAudit): string[] {
  return [
    `${audit.totalFlags} of ${audit.flagLimit} flags${audit.overBudget ? " — the budget is used up" : ""}; ${audit.disabledFlags} switched off`,
    audit.staleFlags.length
      ? `${audit.staleFlags.length} fully on for ${audit.staleAfterDays}+ days, ready to remove: ${audit.staleFlags.map((f) => `${f.key} (${f.daysAtFullRollout} d)`).join(", ")}`
      : `No flag has been fully on for ${audit.staleAfterDays}+ days`,
    audit.pastRemoveBy.length
      ? `${audit.pastRemoveBy.length} past the date set to remove them: ${audit.pastRemoveBy.map((f) => `${f.key} (due ${f.removeBy}${f.owner ? `, ${f.owner}` : ""})`).join(", ")}`
      : "No flag is past the date set to remove it",
    `${audit.rolloutsInProgress.length} gradual rollout(s) in progress${
      audit.rolloutsInProgress.length
        ? `: ${audit.rolloutsInProgress
            .map(
              (r) =>
                `${r.key} at ${r.rolloutPercentage} % (step ${r.step} of ${r.totalSteps}${r.stepErrorRate === null ? "" : `, ${(r.stepErrorRate * 100).toFixed(2)} % errors this step`})${r.status === "held" ? `, held: ${r.holdReason}` : r.status === "paused" ? ", paused" : ""}`,
            )
            .join("; ")}`
        : ""
    }`,
    audit.adoption.length
      ? `Adoption over 7 days: ${audit.adoption.map((a) => `${a.key} ${a.adoptionPercent} % of ${a.customersEvaluated.toLocaleString("en-US")} customers`).join(", ")}`
      : "No evaluations counted in the last 7 days",
  ];
}

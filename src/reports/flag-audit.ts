// The spec's weekly feature-flag audit: flags fully on for 14+ days (remove them), flags
// past the remove-by date their owner set, the flag budget (keep under 50), rollouts under
// way and flags that are switched off.
import { and, asc, count, eq, inArray, isNotNull, lt } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { featureFlags, flagRollouts, LIVE_ROLLOUT_STATUSES } from "../db/schema.ts";
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
  rolloutsInProgress: { key: string; status: string; startPercentage: number; endPercentage: number; startedAt: string }[];
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
      .select({
        key: featureFlags.key,
        status: flagRollouts.status,
        startPercentage: flagRollouts.startPercentage,
        endPercentage: flagRollouts.endPercentage,
        startedAt: flagRollouts.startedAt,
      })
      .from(flagRollouts)
      .innerJoin(featureFlags, eq(featureFlags.id, flagRollouts.flagId))
      .where(inArray(flagRollouts.status, [...LIVE_ROLLOUT_STATUSES])),
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
    rolloutsInProgress: rollouts.map((r) => ({ ...r, startedAt: r.startedAt.toISOString() })),
  };
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
    `${audit.rolloutsInProgress.length} gradual rollout(s) in progress${audit.rolloutsInProgress.length ? `: ${audit.rolloutsInProgress.map((r) => `${r.key} (${r.status})`).join(", ")}` : ""}`,
  ];
}

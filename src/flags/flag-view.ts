// How a flag is shown to admins: camelCase, ISO times, its live rollout plan, no salt.
import type { FeatureFlag, FlagRollout } from "../db/schema.ts";
import { nextStepAt, percentageAt, percentageAtStep, totalSteps } from "./rollout-plan.ts";

export interface RolloutView {
  id: string;
  status: FlagRollout["status"];
  startPercentage: number;
  endPercentage: number;
  durationHours: number;
  intervalHours: number;
  startedAt: string;
  pausedAt: string | null;
  step: number;
  totalSteps: number;
  /** What the plan says the percentage is now (the cron applies it within a minute). */
  plannedPercentage: number;
  nextStepAt: string | null;
  /** Set while the guard holds the plan. */
  heldAt: string | null;
  holdReason: string | null;
  guard: {
    maxErrorRate: number | null;
    minEvaluations: number;
    onErrorRate: FlagRollout["onErrorRate"];
    resumeAfterMinutes: number;
    /** While held: since when the guard has been clear. */
    clearSince: string | null;
  };
}

export interface FlagView {
  key: string;
  name: string;
  description: string | null;
  enabled: boolean;
  rolloutPercentage: number;
  userIds: string[];
  customerIds: string[];
  metadata: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
  createdBy: string | null;
  updatedBy: string | null;
  fullRolloutSince: string | null;
  releasedAt: string | null;
  owner: string | null;
  removeBy: string | null;
  requires: string[];
  dependsOn: string[];
  rollout: RolloutView | null;
}

export function rolloutView(plan: FlagRollout, now: Date): RolloutView {
  // A paused or held plan's clock stands still at the moment it stopped.
  const at = plan.pausedAt ?? plan.heldAt ?? now;
  return {
    id: plan.id,
    status: plan.status,
    startPercentage: plan.startPercentage,
    endPercentage: plan.endPercentage,
    durationHours: plan.durationHours,
    intervalHours: plan.intervalHours,
    startedAt: plan.startedAt.toISOString(),
    pausedAt: plan.pausedAt?.toISOString() ?? null,
    step: plan.appliedStep,
    totalSteps: totalSteps(plan),
    // Held, nothing more is applied until it resumes: the plan stands at its applied step.
    plannedPercentage: plan.status === "held" ? percentageAtStep(plan, plan.appliedStep) : percentageAt(plan, at),
    nextStepAt: plan.status === "active" ? (nextStepAt(plan, at)?.toISOString() ?? null) : null,
    heldAt: plan.heldAt?.toISOString() ?? null,
    holdReason: plan.holdReason,
    guard: {
      maxErrorRate: plan.maxErrorRate,
      minEvaluations: plan.minEvaluations,
      onErrorRate: plan.onErrorRate,
      resumeAfterMinutes: plan.resumeAfterMinutes,
      clearSince: plan.guardClearSince?.toISOString() ?? null,
    },
  };
}

export function flagView(flag: FeatureFlag, plan: FlagRollout | null, now: Date): FlagView {
  return {
    key: flag.key,
    name: flag.name,
    description: flag.description,
    enabled: flag.enabled,
    rolloutPercentage: flag.rolloutPercentage,
    userIds: flag.userIds,
    customerIds: flag.customerIds,
    metadata: flag.metadata,
    createdAt: flag.createdAt.toISOString(),
    updatedAt: flag.updatedAt.toISOString(),
    createdBy: flag.createdBy,
    updatedBy: flag.updatedBy,
    fullRolloutSince: flag.fullRolloutSince?.toISOString() ?? null,
    releasedAt: flag.releasedAt?.toISOString() ?? null,
    owner: flag.owner,
    removeBy: flag.removeBy,
    requires: flag.requires,
    dependsOn: flag.dependsOn,
    rollout: plan ? rolloutView(plan, now) : null,
  };
}

/** The flag as the audit log keeps it: the admin view without the moving rollout fields. */
export function auditSnapshot(flag: FeatureFlag): Omit<FlagView, "rollout" | "createdAt"> {
  const { rollout: _r, createdAt: _c, ...rest } = flagView(flag, null, new Date(0));
  return rest;
}

// Alert rules as the outage buffer keeps them, so they can be evaluated while Postgres
// (where the rules and their state live) cannot be read: a copy of every enabled rule
// with its state, refreshed by each healthy cron run; and, until the first copy arrives,
// the spec's recommended alerts as the migrations seed them.
import type { AlertRule } from "../db/schema.ts";
import { violatingSince, type ProbeRound } from "./conditions.ts";
import { alertPayload, type AlertEvent, type Channel } from "./payloads.ts";

export interface RuleState {
  firing: boolean;
  since: string | null;
  firedAt: string | null;
  resolvedAt: string | null;
  dedupKey: string | null;
}

export interface RuleSnapshot {
  /** Postgres's id; null for a built-in default never synced. Rules are matched by name. */
  id: string | null;
  name: string;
  target: string;
  condition: AlertRule["condition"];
  thresholdMs: number | null;
  durationSeconds: number;
  severity: AlertRule["severity"];
  channels: Channel[];
  state: RuleState;
}

const NOT_FIRING: RuleState = { firing: false, since: null, firedAt: null, resolvedAt: null, dedupKey: null };

const rule = (
  name: string,
  target: string,
  condition: AlertRule["condition"],
  thresholdMs: number | null,
  durationSeconds: number,
  severity: AlertRule["severity"],
  channels: Channel[],
): RuleSnapshot => ({
  id: null,
  name,
  target,
  condition,
  thresholdMs,
  durationSeconds,
  severity,
  channels,
  state: NOT_FIRING,
});

/** The spec's "Recommended Alerts" (drizzle/0005_operations_seed.sql), for a buffer that has never been synced. */
export const SPEC_ALERT_RULES: readonly RuleSnapshot[] = [
  rule("Database Unhealthy", "database", "unhealthy", null, 120, "page", ["pagerduty", "webhook"]),
  rule("Major Outage", "overall", "major_outage", null, 60, "page", ["pagerduty", "webhook"]),
  rule("Payment Processing Down", "stripe", "unhealthy", null, 300, "page", ["pagerduty", "webhook"]),
  rule("Degraded Performance", "any", "degraded", null, 600, "warn", ["slack", "webhook"]),
  rule("Partial Outage", "overall", "partial_outage", null, 300, "warn", ["slack", "webhook"]),
  rule("Slow Database", "database", "slow", 1000, 900, "warn", ["slack", "webhook"]),
];

export interface OfflineTransition {
  rule: RuleSnapshot;
  event: AlertEvent;
  /** The rule's state after the transition. */
  state: RuleState;
  notifications: { channel: Channel; event: `alert.${AlertEvent}`; payload: Record<string, unknown> }[];
}

/**
 * The same decision as evaluateAlerts, over the rounds the buffer holds (newest first):
 * a rule fires once its condition has held for its duration, and resolves when it clears.
 */
export function offlineTransitions(rules: readonly RuleSnapshot[], rounds: ProbeRound[], now: Date): OfflineTransition[] {
  if (rounds.length === 0) return [];
  const transitions: OfflineTransition[] = [];
  for (const r of rules) {
    const since = violatingSince(r, rounds);
    const holds = since !== null && now.getTime() - since.getTime() >= r.durationSeconds * 1000;
    let event: AlertEvent | null = null;
    let state: RuleState = r.state;
    if (holds && !r.state.firing) {
      event = "trigger";
      state = {
        firing: true,
        since: since.toISOString(),
        firedAt: now.toISOString(),
        resolvedAt: null,
        dedupKey: `phs-${r.id ?? slug(r.name)}-${now.getTime()}`,
      };
    } else if (since === null && r.state.firing) {
      event = "resolve";
      state = { ...r.state, firing: false, resolvedAt: now.toISOString() };
    }
    if (!event) continue;
    const facts = { rule: { ...r, id: r.id ?? r.name }, event, since: state.since ? new Date(state.since) : null, at: now, dedupKey: state.dedupKey ?? "" };
    transitions.push({
      rule: r,
      event,
      state,
      notifications: r.channels.map((channel) => ({ channel, event: `alert.${event}` as const, payload: alertPayload(channel, facts) })),
    });
  }
  return transitions;
}

const slug = (name: string) => name.toLowerCase().replace(/[^a-z0-9]+/g, "-");

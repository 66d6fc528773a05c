// What each healthy cron run leaves in the outage buffer for the next outage: the alert
// rules with their current state (read after this run's alert evaluation, so a rule that
// just fired is not fired again from the buffer), and the last known public state.
import { eq } from "drizzle-orm";
import type { RuleSnapshot } from "../alerts/offline-rules.ts";
import type { Channel } from "../alerts/payloads.ts";
import type { Database } from "../db/client.ts";
import { alertRules, alertState } from "../db/schema.ts";
import { loadPageData } from "../status-page/page-data.ts";
import { loadStatusSnapshot } from "../status/load-status.ts";
import type { OutageBufferApi } from "./buffer-client.ts";
import { serializeLastKnown } from "./last-known.ts";

const iso = (d: Date | null) => d?.toISOString() ?? null;

export async function loadRuleSnapshots(db: Database): Promise<RuleSnapshot[]> {
  const rows = await db
    .select({ rule: alertRules, state: alertState })
    .from(alertRules)
    .leftJoin(alertState, eq(alertState.ruleId, alertRules.id))
    .where(eq(alertRules.enabled, true));
  return rows.map(({ rule, state }) => ({
    id: rule.id,
    name: rule.name,
    target: rule.target,
    condition: rule.condition,
    thresholdMs: rule.thresholdMs,
    durationSeconds: rule.durationSeconds,
    severity: rule.severity,
    channels: rule.channels as Channel[],
    state: {
      firing: state?.firing ?? false,
      since: iso(state?.since ?? null),
      firedAt: iso(state?.firedAt ?? null),
      resolvedAt: iso(state?.resolvedAt ?? null),
      dedupKey: state?.dedupKey ?? null,
    },
  }));
}

/**
 * The rules alone, right after this run's evaluation: should the database drop before the
 * run's end, the buffer still knows which rules are firing (and does not page again).
 */
export async function syncBufferRules(db: Database, buffer: OutageBufferApi): Promise<{ rules: number }> {
  const rules = await loadRuleSnapshots(db);
  await buffer.syncRules(rules);
  return { rules: rules.length };
}

export async function syncOutageBuffer(db: Database, buffer: OutageBufferApi, now: Date): Promise<{ rules: number; lastKnownBytes: number }> {
  const [rules, status, page] = await Promise.all([loadRuleSnapshots(db), loadStatusSnapshot(db, now), loadPageData(db, now)]);
  const json = serializeLastKnown({ generatedAt: now.toISOString(), status, page });
  await Promise.all([buffer.syncRules(rules), buffer.keepLastKnown(json)]);
  return { rules: rules.length, lastKnownBytes: json.length };
}

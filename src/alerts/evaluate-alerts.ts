// The every-minute alert job: reads recent probe rounds from health_check_logs, decides
// for each rule whether its condition has held for its duration, and on a change of state
// writes the notifications to the outbox. The state change is one conditional statement
// (only a rule not yet firing can fire), so a rerun or an overlapping run never notifies twice.
import { eq, gte, lte, and, sql, desc } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { alertNotifications, alertRules, alertState, healthCheckLogs, type AlertRule, type HealthStatus } from "../db/schema.ts";
import { violatingSince, type ProbeRound } from "./conditions.ts";
import { alertPayload, type AlertEvent, type Channel } from "./payloads.ts";

export interface AlertRun {
  fired: string[];
  resolved: string[];
}

const LOOKBACK_MARGIN_MS = 5 * 60_000;

export async function loadRounds(db: Database, from: Date, to: Date): Promise<ProbeRound[]> {
  const rows = await db
    .select({
      at: healthCheckLogs.checkedAt,
      component: healthCheckLogs.component,
      status: healthCheckLogs.status,
      responseTimeMs: healthCheckLogs.responseTimeMs,
    })
    .from(healthCheckLogs)
    .where(and(gte(healthCheckLogs.checkedAt, from), lte(healthCheckLogs.checkedAt, to)))
    .orderBy(desc(healthCheckLogs.checkedAt));
  const rounds = new Map<number, ProbeRound>();
  for (const row of rows) {
    const key = row.at.getTime();
    const round = rounds.get(key) ?? { at: row.at, components: {} };
    round.components[row.component] = { status: row.status as HealthStatus, responseTimeMs: row.responseTimeMs };
    rounds.set(key, round);
  }
  return [...rounds.values()];
}

export async function evaluateAlerts(db: Database, now: Date): Promise<AlertRun> {
  const rules = await db
    .select({ rule: alertRules, state: alertState })
    .from(alertRules)
    .leftJoin(alertState, eq(alertState.ruleId, alertRules.id))
    .where(eq(alertRules.enabled, true));
  const run: AlertRun = { fired: [], resolved: [] };
  if (rules.length === 0) return run;
  const lookback = Math.max(...rules.map((r) => r.rule.durationSeconds)) * 1000 + LOOKBACK_MARGIN_MS;
  const rounds = await loadRounds(db, new Date(now.getTime() - lookback), now);
  if (rounds.length === 0) return run;

  for (const { rule, state } of rules) {
    const since = violatingSince(rule, rounds);
    const holds = since !== null && now.getTime() - since.getTime() >= rule.durationSeconds * 1000;
    if (holds && !state?.firing) {
      if (await transition(db, rule, "trigger", since, now)) run.fired.push(rule.name);
    } else if (since === null && state?.firing) {
      if (await transition(db, rule, "resolve", null, now)) run.resolved.push(rule.name);
    }
  }
  return run;
}

async function transition(db: Database, rule: AlertRule, event: AlertEvent, since: Date | null, now: Date): Promise<boolean> {
  return db.transaction(async (tx) => {
    const changed =
      event === "trigger"
        ? await tx.execute<{ dedup_key: string }>(sql`
            INSERT INTO alert_state (rule_id, firing, since, fired_at, resolved_at, dedup_key)
            VALUES (${rule.id}, true, ${since!.toISOString()}::timestamptz, ${now.toISOString()}::timestamptz, NULL, ${`phs-${rule.id}-${now.getTime()}`})
            ON CONFLICT (rule_id) DO UPDATE SET firing = true, since = excluded.since, fired_at = excluded.fired_at,
              resolved_at = NULL, dedup_key = excluded.dedup_key
            WHERE NOT alert_state.firing
            RETURNING dedup_key`)
        : await tx.execute<{ dedup_key: string }>(sql`
            UPDATE alert_state SET firing = false, resolved_at = ${now.toISOString()}::timestamptz
            WHERE rule_id = ${rule.id} AND firing
            RETURNING dedup_key`);
    const row = changed.rows[0];
    if (!row) return false;
    const facts = { rule, event, since, at: now, dedupKey: row.dedup_key };
    await tx.insert(alertNotifications).values(
      (rule.channels as Channel[]).map((channel) => ({
        ruleId: rule.id,
        event: `alert.${event}`,
        channel,
        payload: alertPayload(channel, facts),
        nextAttemptAt: now,
      })),
    );
    return true;
  });
}

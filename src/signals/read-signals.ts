// What the feature signals say about one flag: adoption per day (the share of distinct
// customers evaluated who got the feature: HyperLogLog estimates, about 2.3 % standard
// error each), evaluations and events per day, and the error rate of each rollout step.
import { and, asc, eq, gte, sql } from "drizzle-orm";
import type { Database, Transaction } from "../db/client.ts";
import { flagAdoptionDays } from "../db/schema.ts";
import { estimate } from "./hyperloglog.ts";

export interface DailySignals {
  day: string;
  evaluations: { on: number; off: number };
  /** Distinct customers (a user without one counts as their own), estimated. */
  customersEvaluated: number;
  customersEnabled: number;
  /** customersEnabled ÷ customersEvaluated, in percent; null with no one evaluated. */
  adoptionPercent: number | null;
  events: Record<string, { count: number; valueSum: number }>;
}

const DAY_MS = 86_400_000;

export async function dailySignals(db: Database, flagKey: string, days: number, now: Date): Promise<DailySignals[]> {
  const since = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) - (days - 1) * DAY_MS);
  const [counts, sketches] = await Promise.all([
    db.execute<{ day: string; signal: string; count: string; value_sum: number }>(sql`
      SELECT to_char(hour AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, signal, sum(count)::text AS count, sum(value_sum)::float8 AS value_sum
      FROM flag_signal_hours WHERE flag_key = ${flagKey} AND hour >= ${since.toISOString()}::timestamptz
      GROUP BY 1, 2`),
    db
      .select({ day: flagAdoptionDays.day, evaluated: flagAdoptionDays.evaluated, enabled: flagAdoptionDays.enabled })
      .from(flagAdoptionDays)
      .where(and(eq(flagAdoptionDays.flagKey, flagKey), gte(flagAdoptionDays.day, since.toISOString().slice(0, 10))))
      .orderBy(asc(flagAdoptionDays.day)),
  ]);
  const byDay = new Map<string, DailySignals>();
  const dayOf = (day: string) => {
    let entry = byDay.get(day);
    if (!entry) {
      entry = { day, evaluations: { on: 0, off: 0 }, customersEvaluated: 0, customersEnabled: 0, adoptionPercent: null, events: {} };
      byDay.set(day, entry);
    }
    return entry;
  };
  for (const row of counts.rows) {
    const entry = dayOf(row.day);
    const count = Number(row.count);
    if (row.signal === "evaluated:on") entry.evaluations.on += count;
    else if (row.signal === "evaluated:off") entry.evaluations.off += count;
    else entry.events[row.signal.slice("event:".length)] = { count, valueSum: row.value_sum };
  }
  for (const row of sketches) {
    const entry = dayOf(row.day);
    entry.customersEvaluated = estimate(row.evaluated);
    // Estimated separately, so the enabled count may come out a little above the evaluated.
    entry.customersEnabled = Math.min(estimate(row.enabled), entry.customersEvaluated);
    entry.adoptionPercent = entry.customersEvaluated > 0 ? Math.round((10_000 * entry.customersEnabled) / entry.customersEvaluated) / 100 : null;
  }
  return [...byDay.values()].sort((a, b) => a.day.localeCompare(b.day));
}

export interface WindowSignals {
  /** Evaluations that turned the feature on: who can run into its errors. */
  evaluations: number;
  errors: number;
  /** errors ÷ evaluations that got the feature; null with none. */
  errorRate: number | null;
}

/**
 * Evaluations and `error` events of a flag from `from` to `to`. Counts are kept per hour,
 * so the window is the whole hours from the first one that starts at or after `from`, up
 * to `to`: a step's first partial hour is left out, so the step before never counts
 * against it.
 */
export async function windowSignals(db: Database | Transaction, flagKey: string, from: Date, to: Date): Promise<WindowSignals> {
  const { rows } = await db.execute<{ evaluations: string; errors: string }>(sql`
    SELECT coalesce(sum(count) FILTER (WHERE signal = 'evaluated:on'), 0)::text AS evaluations,
           coalesce(sum(count) FILTER (WHERE signal = 'event:error'), 0)::text AS errors
    FROM flag_signal_hours
    WHERE flag_key = ${flagKey} AND hour >= ${firstWholeHour(from).toISOString()}::timestamptz AND hour < ${to.toISOString()}::timestamptz`);
  const evaluations = Number(rows[0]?.evaluations ?? 0);
  const errors = Number(rows[0]?.errors ?? 0);
  return { evaluations, errors, errorRate: evaluations > 0 ? errors / evaluations : null };
}

/** The first hour boundary at or after `at`. */
function firstWholeHour(at: Date): Date {
  const hour = 3_600_000;
  return new Date(Math.ceil(at.getTime() / hour) * hour);
}

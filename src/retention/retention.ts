// The daily housekeeping: roll the logs up per day, then delete logs past retention, and
// move long-resolved incidents (with their timelines) to the archive. Every statement is
// safe to repeat, so a rerun or a run cut off halfway is completed by the next one.
import { sql } from "drizzle-orm";
import type { Database, Transaction } from "../db/client.ts";
import { dailyStatsQuery } from "./daily-stats.ts";

const DAY_MS = 86_400_000;

export function startOfUtcDay(at: Date): Date {
  return new Date(Math.floor(at.getTime() / DAY_MS) * DAY_MS);
}

/**
 * Rolls up every finished day whose logs are all still kept: days from the retention
 * cutoff up to yesterday. Recomputing a day gives the same row (ON CONFLICT DO UPDATE).
 */
export async function rollUpDailyHealth(db: Database, now: Date, retentionDays: number): Promise<{ rows: number }> {
  const firstCompleteDay = new Date(startOfUtcDay(new Date(now.getTime() - retentionDays * DAY_MS)).getTime() + DAY_MS);
  return rollUpDays(db, firstCompleteDay, startOfUtcDay(now), now);
}

/** After 00:30 UTC the daily job has had its turn: this is when the minute cron checks on it. */
const CATCH_UP_AFTER_MS = 30 * 60_000;

/**
 * Yesterday's roll-up, if the daily job could not write it (the database was down at
 * 00:15, say): one cheap check a minute, and the roll-up once, when it is missing.
 */
export async function catchUpYesterday(db: Database, now: Date): Promise<{ rows: number } | "done" | "not yet"> {
  const today = startOfUtcDay(now);
  if (now.getTime() - today.getTime() < CATCH_UP_AFTER_MS) return "not yet";
  const yesterday = new Date(today.getTime() - DAY_MS);
  const { rows } = await db.execute<{ missing: boolean }>(sql`
    SELECT NOT EXISTS (SELECT 1 FROM health_check_daily WHERE day = ${yesterday.toISOString().slice(0, 10)}::date)
       AND EXISTS (SELECT 1 FROM health_check_logs WHERE checked_at >= ${yesterday.toISOString()}::timestamptz AND checked_at < ${today.toISOString()}::timestamptz)
       AS missing`);
  return rows[0]?.missing ? rollUpDays(db, yesterday, today, now) : "done";
}

/** Rolls up the UTC days in [from, to) (day boundaries), replacing rows already there. */
export async function rollUpDays(db: Database | Transaction, from: Date, to: Date, now: Date): Promise<{ rows: number }> {
  if (from >= to) return { rows: 0 };
  const result = await db.execute(sql`
    INSERT INTO health_check_daily (day, component, checks, healthy, degraded, unhealthy, excluded_checks, excluded_seconds, uptime_percent, p50_ms, p95_ms, p99_ms, computed_at)
    SELECT s.day::date, s.component, s.checks, s.healthy, s.degraded, s.unhealthy, s.excluded_checks, s.excluded_seconds, s.uptime_percent, s.p50_ms, s.p95_ms, s.p99_ms, ${now.toISOString()}::timestamptz
    FROM (${dailyStatsQuery(from, to)}) AS s
    ON CONFLICT (day, component) DO UPDATE SET
      checks = excluded.checks, healthy = excluded.healthy, degraded = excluded.degraded, unhealthy = excluded.unhealthy,
      excluded_checks = excluded.excluded_checks, excluded_seconds = excluded.excluded_seconds, uptime_percent = excluded.uptime_percent,
      p50_ms = excluded.p50_ms, p95_ms = excluded.p95_ms, p99_ms = excluded.p99_ms, computed_at = excluded.computed_at`);
  return { rows: result.rowCount ?? 0 };
}

export async function deleteExpiredLogs(db: Database, now: Date, retentionDays: number): Promise<{ deleted: number }> {
  const cutoff = new Date(now.getTime() - retentionDays * DAY_MS);
  const result = await db.execute(sql`DELETE FROM health_check_logs WHERE checked_at < ${cutoff.toISOString()}::timestamptz`);
  return { deleted: result.rowCount ?? 0 };
}

/** Feature signals older than `days`: hourly counts and daily adoption sketches. */
export async function deleteExpiredSignals(db: Database, now: Date, retentionDays: number): Promise<{ hours: number; days: number }> {
  const cutoff = new Date(now.getTime() - retentionDays * DAY_MS);
  const { rows } = await db.execute<{ hours: number; days: number }>(sql`
    WITH hours AS (DELETE FROM flag_signal_hours WHERE hour < ${cutoff.toISOString()}::timestamptz RETURNING 1),
         days AS (DELETE FROM flag_adoption_days WHERE day < ${cutoff.toISOString().slice(0, 10)}::date RETURNING 1)
    SELECT (SELECT count(*) FROM hours)::int AS hours, (SELECT count(*) FROM days)::int AS days`);
  return rows[0] ?? { hours: 0, days: 0 };
}

/** Moves incidents resolved more than `days` ago, with their updates, in one statement. */
export async function archiveResolvedIncidents(db: Database, now: Date, days: number): Promise<{ archived: number }> {
  const cutoff = new Date(now.getTime() - days * DAY_MS);
  const result = await db.execute(sql`
    WITH moved AS (
      DELETE FROM system_status WHERE resolved_at IS NOT NULL AND resolved_at < ${cutoff.toISOString()}::timestamptz
      RETURNING *
    )
    INSERT INTO system_status_archive (id, status, component, message, started_at, resolved_at, created_by, metadata, updates, archived_at)
    SELECT m.id, m.status, m.component, m.message, m.started_at, m.resolved_at, m.created_by, m.metadata,
           coalesce((SELECT jsonb_agg(jsonb_build_object('status', u.status, 'phase', CASE WHEN u.resolved THEN 'resolved' ELSE u.phase END, 'message', u.message, 'resolved', u.resolved,
                                                         'at', u.created_at, 'actorId', u.created_by) ORDER BY u.created_at)
                     FROM incident_updates u WHERE u.incident_id = m.id), '[]'::jsonb),
           ${now.toISOString()}::timestamptz
    FROM moved m
    ON CONFLICT (id) DO NOTHING`);
  return { archived: result.rowCount ?? 0 };
}

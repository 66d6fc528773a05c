// Everything the public status page and the formats built on it show, read from the
// database in parallel, as typed rows: the latest probe round, incidents of the last 14 days with their
// timelines, maintenance, 90 days of daily uptime and 24 hours of response times.
import { and, desc, eq, gt, inArray, lte, or, sql } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import {
  featureFlags,
  maintenanceWindows,
  type Component,
  type HealthStatus,
  type IncidentPhase,
  type IncidentStatus,
  type MaintenanceWindow,
} from "../db/schema.ts";
import { dailyStatsQuery, toDailyStats, type DailyStatsRow } from "../retention/daily-stats.ts";
import { startOfUtcDay } from "../retention/retention.ts";
import { HEALTH_FRESH_MS } from "../status/system-status.ts";

const DAY_MS = 86_400_000;
export const UPTIME_DAYS = 90;
export const HISTORY_DAYS = 14;

export interface IncidentEntry {
  id: string;
  component: Component;
  status: IncidentStatus;
  phase: IncidentPhase;
  message: string | null;
  startedAt: Date;
  resolvedAt: Date | null;
  updates: { id?: string; status: IncidentStatus; phase: IncidentPhase; message: string | null; resolved: boolean; at: Date }[];
}

export interface MaintenanceEntry {
  id: string;
  title: string;
  description: string | null;
  scheduledStart: Date;
  scheduledEnd: Date;
  actualStart: Date | null;
  actualEnd: Date | null;
  status: MaintenanceWindow["status"];
  affectsPortal: boolean;
  affectsCRM: boolean;
  /** Named components, or null: the flags decide (see windowCovers). */
  components: string[] | null;
  createdAt: Date;
}

export interface DayUptime {
  day: string;
  checks: number;
  uptimePercent: number | null;
}

/** A feature fully released in the last RELEASES_DAYS days: its name and when (nothing else about flags is public). */
export interface ReleaseEntry {
  name: string;
  releasedAt: Date;
}

export const RELEASES_DAYS = 30;

export interface PageData {
  now: Date;
  /** Features fully on (enabled at 100 %) that were first released in the last 30 days. */
  releases: ReleaseEntry[];
  latest: Record<string, { status: HealthStatus; responseTimeMs: number | null; checkedAt: Date }>;
  incidents: IncidentEntry[];
  maintenance: MaintenanceEntry[];
  uptime: Record<string, DayUptime[]>;
  /** Average response time per 10 minutes over the last 24 hours. */
  responseTimes: Record<string, { hour: Date; avgMs: number }[]>;
}

/** Timestamps arrive as text from raw SQL (and as JSON text inside json_agg). */
type Timestamp = string | Date;
const d = (value: Timestamp) => new Date(value);
const dOrNull = (value: Timestamp | null | undefined) => (value === null || value === undefined ? null : new Date(value));

interface LatestRow extends Record<string, unknown> {
  component: string;
  status: HealthStatus;
  response_time_ms: number | null;
  checked_at: Timestamp;
}

interface IncidentRow extends Record<string, unknown> {
  id: string;
  component: Component;
  status: IncidentStatus;
  phase: IncidentPhase;
  message: string | null;
  started_at: Timestamp;
  resolved_at: Timestamp | null;
  updates: { id: string; status: IncidentStatus; phase: IncidentPhase; message: string | null; resolved: boolean; at: string }[];
}

interface UptimeRow extends Record<string, unknown> {
  day: string;
  component: string;
  checks: number;
  uptime_percent: number | null;
}

interface ResponseTimeRow extends Record<string, unknown> {
  component: string;
  hour: Timestamp;
  avg_ms: number;
}

export async function loadPageData(db: Database, now: Date): Promise<PageData> {
  const today = startOfUtcDay(now);
  const since90 = new Date(today.getTime() - (UPTIME_DAYS - 1) * DAY_MS);
  const historyStart = new Date(now.getTime() - HISTORY_DAYS * DAY_MS);
  const m = maintenanceWindows;
  const [latest, incidents, maintenance, daily, todayStats, responseTimes, releases] = await Promise.all([
    db.execute<LatestRow>(sql`
      SELECT DISTINCT ON (component) component, status, response_time_ms, checked_at
      FROM health_check_logs
      WHERE checked_at > ${new Date(now.getTime() - HEALTH_FRESH_MS).toISOString()}::timestamptz AND checked_at <= ${now.toISOString()}::timestamptz
      ORDER BY component, checked_at DESC`),
    db.execute<IncidentRow>(sql`
      SELECT s.id, s.component, s.status, CASE WHEN s.resolved_at IS NULL THEN s.phase ELSE 'resolved' END AS phase, s.message, s.started_at, s.resolved_at,
             coalesce((SELECT json_agg(json_build_object('id', u.id, 'status', u.status, 'phase', CASE WHEN u.resolved THEN 'resolved' ELSE u.phase END,
                                                         'message', u.message, 'resolved', u.resolved, 'at', u.created_at)
                                ORDER BY u.created_at, u.id)
                       FROM incident_updates u WHERE u.incident_id = s.id), '[]'::json) AS updates
      FROM system_status s
      WHERE s.resolved_at IS NULL OR s.resolved_at > ${historyStart.toISOString()}::timestamptz
      ORDER BY s.started_at DESC
      LIMIT 200`),
    db
      .select({
        id: m.id,
        title: m.title,
        description: m.description,
        scheduledStart: m.scheduledStart,
        scheduledEnd: m.scheduledEnd,
        actualStart: m.actualStart,
        actualEnd: m.actualEnd,
        status: m.status,
        affectsPortal: m.affectsPortal,
        affectsCRM: m.affectsCrm,
        components: m.components,
        createdAt: m.createdAt,
      })
      .from(m)
      .where(
        or(inArray(m.status, ["scheduled", "in_progress"]), and(eq(m.status, "completed"), gt(sql`coalesce(${m.actualEnd}, ${m.scheduledEnd})`, historyStart))),
      )
      .orderBy(m.scheduledStart)
      .limit(200),
    db.execute<UptimeRow>(sql`
      SELECT to_char(day, 'YYYY-MM-DD') AS day, component, checks, uptime_percent::float8 AS uptime_percent
      FROM health_check_daily WHERE day >= ${since90.toISOString().slice(0, 10)}::date`),
    db.execute<DailyStatsRow>(dailyStatsQuery(today, new Date(today.getTime() + DAY_MS))),
    db.execute<ResponseTimeRow>(sql`
      SELECT component, date_bin('10 minutes', checked_at, '2000-01-01T00:00:00Z') AS hour, round(avg(response_time_ms))::int AS avg_ms
      FROM health_check_logs
      WHERE checked_at > ${new Date(now.getTime() - DAY_MS).toISOString()}::timestamptz AND response_time_ms IS NOT NULL
      GROUP BY component, hour ORDER BY hour`),
    db
      .select({ name: featureFlags.name, releasedAt: featureFlags.releasedAt })
      .from(featureFlags)
      .where(
        and(
          eq(featureFlags.enabled, true),
          eq(featureFlags.rolloutPercentage, 100),
          gt(featureFlags.releasedAt, new Date(now.getTime() - RELEASES_DAYS * DAY_MS)),
          lte(featureFlags.releasedAt, now),
        ),
      )
      .orderBy(desc(featureFlags.releasedAt))
      .limit(20),
  ]);

  const data: PageData = {
    now,
    releases: releases.map((r) => ({ name: r.name, releasedAt: r.releasedAt! })),
    latest: {},
    incidents: [],
    maintenance,
    uptime: {},
    responseTimes: {},
  };
  for (const r of latest.rows) {
    data.latest[r.component] = { status: r.status, responseTimeMs: r.response_time_ms, checkedAt: d(r.checked_at) };
  }
  data.incidents = incidents.rows.map((r) => ({
    id: r.id,
    component: r.component,
    status: r.status,
    phase: r.phase,
    message: r.message,
    startedAt: d(r.started_at),
    resolvedAt: dOrNull(r.resolved_at),
    updates: r.updates.map((u) => ({ ...u, at: d(u.at) })),
  }));
  const push = (component: string, entry: DayUptime) => {
    data.uptime[component] ??= [];
    data.uptime[component].push(entry);
  };
  for (const r of daily.rows) {
    push(r.component, { day: r.day, checks: Number(r.checks), uptimePercent: r.uptime_percent === null ? null : Number(r.uptime_percent) });
  }
  for (const s of todayStats.rows.map(toDailyStats)) {
    push(s.component, { day: s.day, checks: s.checks, uptimePercent: s.uptimePercent });
  }
  for (const r of responseTimes.rows) {
    data.responseTimes[r.component] ??= [];
    data.responseTimes[r.component]!.push({ hour: d(r.hour), avgMs: Number(r.avg_ms) });
  }
  return data;
}

/** PageData back from its JSON form (as kept in the outage buffer), dates revived. */
export function pageDataFromJson(json: unknown): PageData {
  const v = json as {
    now: string;
    releases?: { name: string; releasedAt: string }[];
    latest: Record<string, { status: HealthStatus; responseTimeMs: number | null; checkedAt: string }>;
    incidents: (Omit<IncidentEntry, "startedAt" | "resolvedAt" | "updates"> & {
      startedAt: string;
      resolvedAt: string | null;
      updates: (Omit<IncidentEntry["updates"][number], "at"> & { at: string })[];
    })[];
    maintenance: (Omit<MaintenanceEntry, "scheduledStart" | "scheduledEnd" | "actualStart" | "actualEnd" | "createdAt"> &
      Record<"scheduledStart" | "scheduledEnd" | "createdAt", string> &
      Record<"actualStart" | "actualEnd", string | null>)[];
    uptime: Record<string, DayUptime[]>;
    responseTimes: Record<string, { hour: string; avgMs: number }[]>;
  };
  return {
    now: d(v.now),
    // Kept by an earlier version without releases: none.
    releases: (v.releases ?? []).map((r) => ({ name: r.name, releasedAt: d(r.releasedAt) })),
    latest: Object.fromEntries(Object.entries(v.latest).map(([k, l]) => [k, { ...l, checkedAt: d(l.checkedAt) }])),
    incidents: v.incidents.map((i) => ({
      ...i,
      startedAt: d(i.startedAt),
      resolvedAt: dOrNull(i.resolvedAt),
      updates: i.updates.map((u) => ({ ...u, at: d(u.at) })),
    })),
    maintenance: v.maintenance.map((m) => ({
      ...m,
      scheduledStart: d(m.scheduledStart),
      scheduledEnd: d(m.scheduledEnd),
      actualStart: dOrNull(m.actualStart),
      actualEnd: dOrNull(m.actualEnd),
      createdAt: d(m.createdAt),
    })),
    uptime: v.uptime,
    responseTimes: Object.fromEntries(Object.entries(v.responseTimes).map(([k, points]) => [k, points.map((p) => ({ ...p, hour: d(p.hour) }))])),
  };
}

/** What the page shows when nothing is known but the live probes. */
export function emptyPageData(now: Date): PageData {
  return { now, releases: [], latest: {}, incidents: [], maintenance: [], uptime: {}, responseTimes: {} };
}

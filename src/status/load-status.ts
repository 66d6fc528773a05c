// Everything /api/portal/status shows, read in a single statement: the current portal
// window, the next week's windows, every flag, the open incidents and the latest fresh
// probe of each component.
import { sql } from "drizzle-orm";
import { componentsOnSurface } from "../components/components.ts";
import type { Database } from "../db/client.ts";
import type { Component, HealthStatus, IncidentStatus } from "../db/schema.ts";
import { HEALTH_FRESH_MS } from "./system-status.ts";

export const UPCOMING_MAINTENANCE_HOURS = 168;

export interface MaintenanceSummary {
  id: string;
  title: string;
  description: string | null;
  scheduledStart: string;
  scheduledEnd: string;
  actualStart?: string | null;
  status: "scheduled" | "in_progress" | "completed" | "cancelled";
  affectsPortal: boolean;
  affectsCRM: boolean;
}

export interface KnownIssue {
  id: string;
  component: Component;
  status: IncidentStatus;
  message: string | null;
  startedAt: string;
}

export interface StatusSnapshot {
  currentMaintenance: MaintenanceSummary | null;
  upcomingMaintenance: MaintenanceSummary[];
  featureFlags: Record<string, boolean>;
  knownIssues: KnownIssue[];
  /** Each component's latest logged probe, if it is fresh (HEALTH_FRESH_MS). */
  health: Record<string, HealthStatus>;
}

/**
 * Whether window m takes a surface down, by the rule the page and the roll-ups use: the
 * components it names (any on the surface), or else its portal / CRM flag.
 */
const covers = (surface: "portal" | "crm") =>
  sql`(CASE WHEN m.components IS NOT NULL THEN m.components && ${sql.param(componentsOnSurface(surface))}::text[]
      ELSE ${sql.raw(surface === "portal" ? "m.affects_portal" : "m.affects_crm")} END)`;

const maintenanceJson = sql`json_build_object(
  'id', m.id, 'title', m.title, 'description', m.description,
  'scheduledStart', m.scheduled_start, 'scheduledEnd', m.scheduled_end, 'actualStart', m.actual_start,
  'status', m.status, 'affectsPortal', ${covers("portal")}, 'affectsCRM', ${covers("crm")})`;

export async function loadStatusSnapshot(db: Database, now: Date): Promise<StatusSnapshot> {
  const at = sql`${now.toISOString()}::timestamptz`;
  const result = await db.execute<{ snapshot: RawSnapshot }>(sql`
    SELECT json_build_object(
      'currentMaintenance', (
        SELECT ${maintenanceJson} FROM maintenance_windows m
        WHERE m.status = 'in_progress' AND ${covers("portal")}
        ORDER BY coalesce(m.actual_start, m.scheduled_start), m.id LIMIT 1),
      'upcomingMaintenance', coalesce((
        SELECT json_agg(${maintenanceJson} ORDER BY m.scheduled_start, m.id) FROM maintenance_windows m
        WHERE m.status = 'scheduled'
          AND m.scheduled_start <= ${at} + make_interval(hours => ${UPCOMING_MAINTENANCE_HOURS})
          AND m.scheduled_end > ${at}), '[]'::json),
      'featureFlags', coalesce((
        SELECT json_object_agg(f.key, f.enabled AND f.rollout_percentage = 100 ORDER BY f.key)
        FROM feature_flags f), '{}'::json),
      'knownIssues', coalesce((
        SELECT json_agg(json_build_object(
          'id', s.id, 'component', s.component, 'status', s.status, 'message', s.message, 'startedAt', s.started_at)
          ORDER BY s.started_at DESC, s.id)
        FROM system_status s WHERE s.resolved_at IS NULL), '[]'::json),
      'health', coalesce((
        SELECT json_object_agg(h.component, h.status) FROM (
          SELECT DISTINCT ON (l.component) l.component, l.status FROM health_check_logs l
          WHERE l.checked_at > ${at} - make_interval(secs => ${HEALTH_FRESH_MS / 1000}) AND l.checked_at <= ${at}
          ORDER BY l.component, l.checked_at DESC) h), '{}'::json)
    ) AS snapshot`);
  const raw = result.rows[0]!.snapshot;
  return {
    currentMaintenance: raw.currentMaintenance ? normalizeMaintenance(raw.currentMaintenance) : null,
    upcomingMaintenance: raw.upcomingMaintenance.map((m) => {
      const { actualStart: _, ...upcoming } = normalizeMaintenance(m);
      return upcoming;
    }),
    featureFlags: raw.featureFlags,
    knownIssues: raw.knownIssues.map((i) => ({ ...i, startedAt: iso(i.startedAt) })),
    health: raw.health,
  };
}

type RawSnapshot = {
  currentMaintenance: MaintenanceSummary | null;
  upcomingMaintenance: MaintenanceSummary[];
  featureFlags: Record<string, boolean>;
  knownIssues: KnownIssue[];
  health: Record<string, HealthStatus>;
};

// Postgres renders timestamptz in the session's zone; the API speaks UTC ISO-8601.
const iso = (value: string) => new Date(value).toISOString();

function normalizeMaintenance(m: MaintenanceSummary): MaintenanceSummary {
  return {
    ...m,
    scheduledStart: iso(m.scheduledStart),
    scheduledEnd: iso(m.scheduledEnd),
    actualStart: m.actualStart ? iso(m.actualStart) : null,
  };
}

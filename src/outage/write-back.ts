// Once Postgres answers again, what the outage buffer kept is written back in one
// transaction: the buffered probe rounds into health_check_logs (oldest first, each row
// once: rows carry the ids they were given when taken), the alert state that changed
// meanwhile into alert_state (only where it is newer than what Postgres has), the buffered
// notifications into the alert outbox (sent ones as history, unsent ones to be delivered
// from there), and the finished days those rounds belong to are rolled up again, so the
// outage shows in the day's uptime at once. Failures long enough for an automatic
// incident get the incident they would have had, at the times the rounds say.
import { sql } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { insertLogRows } from "../health/record-checks.ts";
import type { AutoIncidentPolicy } from "../incidents/auto-incidents.ts";
import { recordPastIncidents } from "../incidents/past-incidents.ts";
import { rollUpDays, startOfUtcDay } from "../retention/retention.ts";
import type { Handover } from "./outage-buffer.ts";

export interface WriteBack {
  rounds: number;
  rows: number;
  alerts: number;
  notifications: number;
  /** Roll-up rows (day × component) recomputed for finished days. */
  rolledUp: number;
  /** Components that got an automatic incident for the time they were down. */
  incidents: string[];
}

export async function writeBack(db: Database, handover: Handover, now: Date, incidentPolicy: AutoIncidentPolicy | null): Promise<WriteBack> {
  const rows = handover.rounds.flatMap((round) => round.rows.map((row) => ({ ...row, metadata: { ...row.metadata, buffered: true } })));
  return db.transaction(async (tx) => {
    const inserted = await insertLogRows(tx, rows);

    let alerts = 0;
    if (handover.alerts.length > 0) {
      const changed = await tx.execute(sql`
        INSERT INTO alert_state (rule_id, firing, since, fired_at, resolved_at, dedup_key)
        SELECT r.id, c.firing, c.since, c."firedAt", c."resolvedAt", c."dedupKey"
        FROM jsonb_to_recordset(${JSON.stringify(handover.alerts)}::jsonb)
          AS c(name text, firing boolean, since timestamptz, "firedAt" timestamptz, "resolvedAt" timestamptz, "dedupKey" text)
        JOIN alert_rules r ON r.name = c.name
        ON CONFLICT (rule_id) DO UPDATE SET firing = excluded.firing, since = excluded.since, fired_at = excluded.fired_at,
          resolved_at = excluded.resolved_at, dedup_key = excluded.dedup_key
        -- Postgres may have moved on already (a later evaluation): the newer state wins.
        WHERE greatest(alert_state.fired_at, alert_state.resolved_at) IS NULL
           OR greatest(alert_state.fired_at, alert_state.resolved_at) < greatest(excluded.fired_at, excluded.resolved_at)`);
      alerts = changed.rowCount ?? 0;
    }

    let notifications = 0;
    if (handover.notifications.length > 0) {
      const copied = await tx.execute(sql`
        INSERT INTO alert_notifications (id, rule_id, event, channel, payload, status, attempts, next_attempt_at, last_error, created_at, sent_at)
        SELECT n.id, r.id, n.event, n.channel, n.payload, n.status, n.attempts, n."nextAttemptAt", n."lastError", n."createdAt", n."sentAt"
        FROM jsonb_to_recordset(${JSON.stringify(handover.notifications)}::jsonb)
          AS n(id uuid, "ruleName" text, event text, channel text, payload jsonb, status text, attempts integer,
               "nextAttemptAt" timestamptz, "lastError" text, "createdAt" timestamptz, "sentAt" timestamptz)
        LEFT JOIN alert_rules r ON r.name = n."ruleName"
        ORDER BY n."createdAt", n.id
        ON CONFLICT (id) DO NOTHING`);
      notifications = copied.rowCount ?? 0;
    }

    const today = startOfUtcDay(now);
    const oldest = rows.reduce<Date | null>((min, row) => {
      const at = new Date(row.checkedAt);
      return min === null || at < min ? at : min;
    }, null);
    const rolledUp = oldest && oldest < today ? await rollUpDays(tx, startOfUtcDay(oldest), today, now) : { rows: 0 };
    const incidents = incidentPolicy ? await recordPastIncidents(tx, handover.rounds, now, incidentPolicy) : [];

    return { rounds: handover.rounds.length, rows: inserted, alerts, notifications, rolledUp: rolledUp.rows, incidents };
  });
}

// The cron's side of subscriptions before sending: the reminder a day before a window, and
// each new announcement turned into one delivery per active subscriber of a component it
// touches (a subscriber of no component in particular hears about all). One statement per
// step, and the unique (event, subscriber) pair, so overlapping runs add nothing twice.
// An announcement not fanned out within a day (subscriptions were off, say) goes to no one:
// news that old is not news, and it must not hold up what is happening now.
import { sql } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { maintenanceWindows } from "../db/schema.ts";
import { announceMaintenance } from "./announce.ts";

const DAY_MS = 86_400_000;
const EVENTS_PER_RUN = 20;

/** Windows starting within a day, scheduled more than a day ahead (a shorter notice already said when). */
export async function announceReminders(db: Database, now: Date): Promise<{ reminded: number }> {
  return db.transaction(async (tx) => {
    const windows = await tx
      .select()
      .from(maintenanceWindows)
      .where(
        sql`${maintenanceWindows.status} = 'scheduled'
          AND ${maintenanceWindows.scheduledStart} > ${now.toISOString()}::timestamptz
          AND ${maintenanceWindows.scheduledStart} <= ${new Date(now.getTime() + DAY_MS).toISOString()}::timestamptz
          AND ${maintenanceWindows.createdAt} < ${maintenanceWindows.scheduledStart} - interval '1 day'
          -- Nor when the window was moved to within a day: that notice said when.
          AND NOT EXISTS (
            SELECT 1 FROM notification_events e
            WHERE e.kind = 'maintenance.scheduled' AND e.message->>'id' = ${maintenanceWindows.id}::text
              AND e.created_at > ${maintenanceWindows.scheduledStart} - interval '1 day')`,
      );
    // Once per window and start time: a window moved to another day is reminded of again.
    let reminded = 0;
    for (const window of windows) {
      if (await announceMaintenance(tx, "maintenance.reminder", window, window.scheduledStart.toISOString())) reminded++;
    }
    return { reminded };
  });
}

export async function fanOut(db: Database, now: Date): Promise<{ events: number; deliveries: number }> {
  const { rows } = await db.execute<{ events: number; deliveries: number }>(sql`
    WITH next AS (
      SELECT id, components, created_at FROM notification_events
      WHERE fanned_out_at IS NULL ORDER BY created_at LIMIT ${EVENTS_PER_RUN} FOR UPDATE SKIP LOCKED
    ), added AS (
      INSERT INTO subscriber_deliveries (event_id, subscriber_id, next_attempt_at)
      SELECT n.id, s.id, ${now.toISOString()}::timestamptz FROM next n
      JOIN subscribers s ON s.status = 'active' AND (cardinality(s.components) = 0 OR s.components && n.components)
        -- By the database's clock, which also stamped the event.
        AND n.created_at > now() - interval '1 day'
      ON CONFLICT (event_id, subscriber_id) DO NOTHING
      RETURNING 1
    ), done AS (
      UPDATE notification_events SET fanned_out_at = ${now.toISOString()}::timestamptz WHERE id IN (SELECT id FROM next) RETURNING 1
    )
    SELECT (SELECT count(*) FROM done)::int AS events, (SELECT count(*) FROM added)::int AS deliveries`);
  return rows[0] ?? { events: 0, deliveries: 0 };
}

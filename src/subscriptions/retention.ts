// Subscriber data is kept no longer than it is needed: an address that unsubscribed, or
// never confirmed, is deleted after the retention period, and so are the records of what
// was sent (deliveries and the notifications they belong to, once none is pending).
import { sql } from "drizzle-orm";
import type { Database } from "../db/client.ts";

export async function deleteExpiredSubscriptions(
  db: Database,
  now: Date,
  retentionDays: number,
): Promise<{ subscribers: number; deliveries: number; notifications: number }> {
  const cutoff = new Date(now.getTime() - retentionDays * 86_400_000).toISOString();
  const { rows } = await db.execute<{ subscribers: number; deliveries: number; notifications: number }>(sql`
    WITH gone_subscribers AS (
      DELETE FROM subscribers
      WHERE (status = 'unsubscribed' AND unsubscribed_at < ${cutoff}::timestamptz)
         OR (status = 'pending' AND coalesce(confirmation_sent_at, created_at) < ${cutoff}::timestamptz)
      RETURNING id
    ), gone_deliveries AS (
      DELETE FROM subscriber_deliveries
      WHERE status <> 'pending' AND created_at < ${cutoff}::timestamptz
      RETURNING id
    ), gone_notifications AS (
      DELETE FROM notification_events e
      WHERE e.created_at < ${cutoff}::timestamptz
        AND NOT EXISTS (SELECT 1 FROM subscriber_deliveries d WHERE d.event_id = e.id AND d.status = 'pending')
      RETURNING id
    )
    SELECT (SELECT count(*) FROM gone_subscribers)::int AS subscribers,
           (SELECT count(*) FROM gone_deliveries)::int AS deliveries,
           (SELECT count(*) FROM gone_notifications)::int AS notifications`);
  return rows[0]!;
}

// Delivers the outbox. Due notifications are claimed with a lease (so overlapping runs
// never send the same one twice), sent, and marked sent; a failure is retried on later
// runs with exponential backoff, and after MAX_ATTEMPTS it is marked failed and logged as
// an error: never dropped silently. A channel that is not configured is marked skipped.
import { eq, sql } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { alertNotifications, type AlertNotification } from "../db/schema.ts";
import { logEvent } from "../lib/log.ts";
import { sanitizeErrorMessage } from "../lib/sanitize.ts";

export const MAX_ATTEMPTS = 8;
export const LEASE_MS = 5 * 60_000;
const SEND_TIMEOUT_MS = 5_000;
const BATCH = 50;

/** Where alerts go (config.alerts); a channel that is not set is skipped and logged. */
export interface ChannelConfig {
  webhookUrl?: string | undefined;
  slackWebhookUrl?: string | undefined;
  pagerdutyRoutingKey?: string | undefined;
  pagerdutyEventsUrl: string;
}

/** Minutes to wait before attempt n+1: 1, 2, 4, 8, … capped at an hour. */
export function backoffMs(attempts: number): number {
  return Math.min(60, 2 ** Math.max(0, attempts - 1)) * 60_000;
}

export interface DeliveryRun {
  sent: number;
  retrying: number;
  failed: number;
  skipped: number;
}

export async function deliverNotifications(db: Database, now: Date, config: ChannelConfig, fetcher: typeof fetch): Promise<DeliveryRun> {
  const claimed = await db.execute<{ id: string }>(sql`
    UPDATE alert_notifications SET next_attempt_at = ${new Date(now.getTime() + LEASE_MS).toISOString()}::timestamptz, attempts = attempts + 1
    WHERE id IN (
      SELECT n.id FROM alert_notifications n
      WHERE n.status = 'pending' AND n.next_attempt_at <= ${now.toISOString()}::timestamptz
        -- In order per rule and channel: a resolve never overtakes its trigger (PagerDuty
        -- would open a new incident for a trigger that arrives after the resolve).
        AND NOT EXISTS (
          SELECT 1 FROM alert_notifications e
          WHERE e.status = 'pending' AND e.rule_id = n.rule_id AND e.channel = n.channel AND (e.created_at, e.id) < (n.created_at, n.id))
      ORDER BY n.created_at LIMIT ${BATCH} FOR UPDATE OF n SKIP LOCKED)
    RETURNING id`);
  const run: DeliveryRun = { sent: 0, retrying: 0, failed: 0, skipped: 0 };
  for (const { id } of claimed.rows) {
    const [notification] = await db.select().from(alertNotifications).where(eq(alertNotifications.id, id));
    if (!notification) continue;
    const outcome = await attemptDelivery(notification, config, fetcher, now);
    await db
      .update(alertNotifications)
      .set({
        status: outcome.status,
        lastError: outcome.lastError,
        ...(outcome.status === "sent" ? { sentAt: now } : {}),
        ...(outcome.nextAttemptAt ? { nextAttemptAt: outcome.nextAttemptAt } : {}),
      })
      .where(eq(alertNotifications.id, id));
    count(run, outcome);
  }
  return run;
}

/** What became of one attempt; `pending` means it will be retried at `nextAttemptAt`. */
export interface DeliveryOutcome {
  status: "sent" | "pending" | "failed" | "skipped";
  lastError: string | null;
  nextAttemptAt?: Date;
}

export function count(run: DeliveryRun, outcome: DeliveryOutcome): void {
  if (outcome.status === "sent") run.sent++;
  else if (outcome.status === "skipped") run.skipped++;
  else if (outcome.status === "failed") run.failed++;
  else run.retrying++;
}

/**
 * One attempt at a claimed notification (its `attempts` already counts this one), from
 * whichever outbox holds it: Postgres's, or the outage buffer's while Postgres is down.
 */
export async function attemptDelivery(
  notification: Pick<AlertNotification, "id" | "channel" | "event" | "payload" | "attempts">,
  config: ChannelConfig,
  fetcher: typeof fetch,
  now: Date,
): Promise<DeliveryOutcome> {
  const { id, channel, event, attempts } = notification;
  const target = destination(notification, config);
  if (!target) {
    logEvent("warn", "alert_channel_not_configured", { channel, notification: id, notificationEvent: event });
    return { status: "skipped", lastError: `channel ${channel} is not configured` };
  }
  try {
    await send(fetcher, target.url, target.body);
    return { status: "sent", lastError: null };
  } catch (error) {
    const message = sanitizeErrorMessage(error);
    if (attempts >= MAX_ATTEMPTS) {
      logEvent("error", "alert_delivery_failed", { channel, notification: id, attempts, message });
      return { status: "failed", lastError: message };
    }
    const next = new Date(now.getTime() + backoffMs(attempts));
    logEvent("warn", "alert_delivery_retry", { channel, notification: id, attempts, nextAttemptAt: next.toISOString(), message });
    return { status: "pending", lastError: message, nextAttemptAt: next };
  }
}

function destination(notification: Pick<AlertNotification, "channel" | "payload">, config: ChannelConfig): { url: string; body: unknown } | null {
  const payload = notification.payload as Record<string, unknown>;
  switch (notification.channel) {
    case "webhook":
      return config.webhookUrl ? { url: config.webhookUrl, body: payload } : null;
    case "slack":
      return config.slackWebhookUrl ? { url: config.slackWebhookUrl, body: payload } : null;
    case "pagerduty":
      return config.pagerdutyRoutingKey ? { url: config.pagerdutyEventsUrl, body: { routing_key: config.pagerdutyRoutingKey, ...payload } } : null;
  }
}

async function send(fetcher: typeof fetch, url: string, body: unknown): Promise<void> {
  const response = await fetcher(url, {
    method: "POST",
    headers: { "content-type": "application/json", "user-agent": "portal-health-status" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
  });
  await response.body?.cancel();
  if (!response.ok) throw new Error(`HTTP ${response.status} from the channel`);
}

// Subscribing, confirming and unsubscribing. Every subscription starts pending and is
// confirmed from a message sent to its own address (double opt-in: nothing else is sent
// to an unconfirmed address), so no one can subscribe someone else. A request for an
// address that is already subscribed changes nothing and sends nothing; one that is
// pending resends the confirmation at most once an hour. Either way the requester hears
// the same, so the form cannot tell who is subscribed.
import { sql } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import type { Subscriber } from "../db/schema.ts";
import { confirmationEmail, slackConfirmationBody, webhookConfirmationBody, type Site } from "./messages.ts";
import { sendEmail, sendPost, type ResendSettings } from "./send.ts";
import { signatureHeader, signToken, webhookSecret } from "./tokens.ts";

const CONFIRMATION_VALID_MS = 7 * 86_400_000;
const RESEND_CONFIRMATION_AFTER_MS = 3_600_000;

export interface SubscriptionRequest {
  channel: Subscriber["channel"];
  address: string;
  /** None: every component. */
  components: string[];
}

/** The subscriber to send a confirmation to now, or null (already confirmed, or sent within the hour). */
export async function subscribe(db: Database, request: SubscriptionRequest, now: Date): Promise<Pick<Subscriber, "id" | "channel" | "address"> | null> {
  const at = now.toISOString();
  const resendBefore = new Date(now.getTime() - RESEND_CONFIRMATION_AFTER_MS).toISOString();
  const { rows } = await db.execute<{ id: string; channel: Subscriber["channel"]; address: string; send: boolean }>(sql`
    INSERT INTO subscribers (channel, address, components, confirmation_sent_at)
    VALUES (${request.channel}, ${request.address}, ${sql.param(request.components)}::text[], ${at}::timestamptz)
    ON CONFLICT (channel, address) DO UPDATE SET
      -- Someone who unsubscribed may subscribe again (and confirm again); a pending request
      -- takes the latest components; an active or paused subscription is left as it is.
      status = CASE WHEN subscribers.status = 'unsubscribed' THEN 'pending' ELSE subscribers.status END,
      unsubscribed_at = CASE WHEN subscribers.status = 'unsubscribed' THEN NULL ELSE subscribers.unsubscribed_at END,
      components = CASE WHEN subscribers.status IN ('pending', 'unsubscribed') THEN EXCLUDED.components ELSE subscribers.components END,
      confirmation_sent_at = CASE
        WHEN subscribers.status = 'unsubscribed'
          OR (subscribers.status = 'pending' AND (subscribers.confirmation_sent_at IS NULL OR subscribers.confirmation_sent_at < ${resendBefore}::timestamptz))
        THEN ${at}::timestamptz ELSE subscribers.confirmation_sent_at END
    RETURNING id, channel, address, status = 'pending' AND confirmation_sent_at = ${at}::timestamptz AS send`);
  const row = rows[0];
  return row?.send ? { id: row.id, channel: row.channel, address: row.address } : null;
}

export interface ConfirmationContext {
  key: string;
  site: Site;
  resend: ResendSettings;
  fetch: typeof fetch;
  now: Date;
}

/** The confirmation, to the address itself: an email, a signed webhook (with its signing secret, this once), a Slack message. */
export async function sendConfirmation(ctx: ConfirmationContext, subscriber: Pick<Subscriber, "id" | "channel" | "address">): Promise<void> {
  const token = await signToken(ctx.key, "confirm", subscriber.id, new Date(ctx.now.getTime() + CONFIRMATION_VALID_MS));
  const confirmUrl = `${ctx.site.url}/subscriptions/confirm?token=${token}`;
  if (subscriber.channel === "email") {
    const email = confirmationEmail(ctx.site, confirmUrl);
    await sendEmail(ctx.fetch, ctx.resend, { to: subscriber.address, ...email }, `phs-confirm-${subscriber.id}-${ctx.now.getTime()}`);
  } else if (subscriber.channel === "slack") {
    await sendPost(ctx.fetch, subscriber.address, slackConfirmationBody(ctx.site, confirmUrl), {}, "slack");
  } else {
    const secret = await webhookSecret(ctx.key, subscriber.id);
    const body = webhookConfirmationBody(ctx.site, subscriber, confirmUrl, secret, ctx.now);
    await sendPost(
      ctx.fetch,
      subscriber.address,
      body,
      { "phs-signature": await signatureHeader(secret, body, ctx.now), "phs-event-type": "subscription.confirmation" },
      "webhook",
    );
  }
}

/** "confirmed" (now or before), or "unknown": no such subscription any more. */
export async function confirm(db: Database, subscriberId: string, now: Date): Promise<"confirmed" | "unknown"> {
  const { rows } = await db.execute<{ status: string }>(sql`
    WITH confirmed AS (
      UPDATE subscribers SET status = 'active', confirmed_at = ${now.toISOString()}::timestamptz
      WHERE id = ${subscriberId} AND status = 'pending' RETURNING status
    )
    SELECT status FROM confirmed UNION ALL SELECT status FROM subscribers WHERE id = ${subscriberId} AND status IN ('active', 'paused')`);
  return rows.length > 0 ? "confirmed" : "unknown";
}

/**
 * Stops everything to this subscriber at once, pending messages included — except one
 * already in an email batch, which stays so that the batch, if it must go again, is the
 * same request (Resend then sends nothing twice; see ./deliver.ts).
 */
export async function unsubscribe(db: Database, subscriberId: string, now: Date): Promise<void> {
  await db.execute(sql`
    WITH gone AS (
      UPDATE subscribers SET status = 'unsubscribed', unsubscribed_at = ${now.toISOString()}::timestamptz, paused_at = NULL, pause_reason = NULL
      WHERE id = ${subscriberId} AND status <> 'unsubscribed' RETURNING id
    )
    UPDATE subscriber_deliveries SET status = 'skipped', last_error = 'unsubscribed'
    WHERE subscriber_id IN (SELECT id FROM gone) AND status = 'pending' AND batch_key IS NULL`);
}

// Sends what is due, at most `perMinute` messages a run (webhooks and Slack at most
// WEBHOOKS_PER_RUN of them), each to one subscriber:
//  1. claim: due deliveries are leased (so an overlapping run skips them) and each email
//     gets a batch key, fixed from then on — a batch retried after a run was cut off is the
//     same request with the same idempotency key, which the email API honours for 24 hours;
//  2. send: emails 100 to a batch call, webhooks (signed) and Slack messages by POST;
//  3. record: sent; or retried with backoff, failed after MAX_ATTEMPTS; a subscriber whose
//     deliveries fail PAUSE_AFTER times in a row is paused, and its pending messages skipped.
import { sql } from "drizzle-orm";
import { backoffMs, LEASE_MS, MAX_ATTEMPTS } from "../alerts/deliver.ts";
import type { Database } from "../db/client.ts";
import type { NotificationEvent, Subscriber } from "../db/schema.ts";
import { logEvent } from "../lib/log.ts";
import type { Announcement, NotificationKind } from "./announce.ts";
import { notificationEmail, slackBody, webhookBody, type Site } from "./messages.ts";
import { EMAIL_BATCH, SendFailure, sendEmails, sendPost, type ResendSettings } from "./send.ts";
import { signatureHeader, signToken, webhookSecret } from "./tokens.ts";

export const WEBHOOKS_PER_RUN = 200;
export const PAUSE_AFTER = 5;
const WEBHOOK_CONCURRENCY = 10;

export interface DeliveryContext {
  db: Database;
  now: Date;
  fetch: typeof fetch;
  key: string;
  site: Site;
  resend: ResendSettings;
  perMinute: number;
}

export interface SubscriberRun {
  claimed: number;
  sent: number;
  retrying: number;
  failed: number;
  paused: number;
}

interface Claimed {
  id: string;
  attempts: number;
  batchKey: string | null;
  subscriber: Pick<Subscriber, "id" | "channel" | "address">;
  event: Pick<NotificationEvent, "id" | "kind" | "createdAt"> & { message: Announcement };
}

type Outcome = { id: string; subscriberId: string; ok: true } | { id: string; subscriberId: string; ok: false; error: string; attempts: number };

export async function deliverToSubscribers(ctx: DeliveryContext): Promise<SubscriberRun> {
  const claimed = await claim(ctx);
  const outcomes: Outcome[] = [];
  const emails = new Map<string, Claimed[]>();
  const posts: Claimed[] = [];
  for (const d of claimed) {
    if (d.subscriber.channel === "email") emails.set(d.batchKey!, [...(emails.get(d.batchKey!) ?? []), d]);
    else posts.push(d);
  }
  for (const [batchKey, batch] of emails) {
    try {
      const messages = await Promise.all(
        batch.map(async (d) => ({
          to: d.subscriber.address,
          ...notificationEmail(ctx.site, d.event.kind as NotificationKind, d.event.message, await unsubscribeUrl(ctx, d.subscriber.id)),
        })),
      );
      // The key names the batch and its size: a batch that lost a member since (unsubscribed)
      // is a different request, which must not reuse the key.
      await sendEmails(ctx.fetch, ctx.resend, messages, `${batchKey}:${batch.length}`);
      for (const d of batch) outcomes.push({ id: d.id, subscriberId: d.subscriber.id, ok: true });
    } catch (error) {
      for (const d of batch) outcomes.push(failure(d, error));
    }
  }
  for (let i = 0; i < posts.length; i += WEBHOOK_CONCURRENCY) {
    await Promise.all(
      posts.slice(i, i + WEBHOOK_CONCURRENCY).map(async (d) => {
        try {
          await post(ctx, d);
          outcomes.push({ id: d.id, subscriberId: d.subscriber.id, ok: true });
        } catch (error) {
          outcomes.push(failure(d, error));
        }
      }),
    );
  }
  return { claimed: claimed.length, ...(await record(ctx, outcomes)) };
}

const failure = (d: Claimed, error: unknown): Outcome => ({
  id: d.id,
  subscriberId: d.subscriber.id,
  ok: false,
  error: error instanceof SendFailure ? error.message : "unexpected failure",
  attempts: d.attempts,
});

const unsubscribeUrl = async (ctx: DeliveryContext, subscriberId: string) =>
  `${ctx.site.url}/subscriptions/unsubscribe?token=${await signToken(ctx.key, "unsubscribe", subscriberId)}`;

async function post(ctx: DeliveryContext, d: Claimed): Promise<void> {
  const kind = d.event.kind as NotificationKind;
  if (d.subscriber.channel === "slack") {
    return sendPost(ctx.fetch, d.subscriber.address, slackBody(ctx.site, kind, d.event.message), {}, "slack");
  }
  // The event's own id and time: the same body however often it is retried, so a receiver
  // can tell a repeat (PHS-Event-Id) from a new event.
  const body = webhookBody(ctx.site, kind, d.event.id, d.event.createdAt, d.event.message);
  const secret = await webhookSecret(ctx.key, d.subscriber.id);
  return sendPost(
    ctx.fetch,
    d.subscriber.address,
    body,
    { "phs-signature": await signatureHeader(secret, body, ctx.now), "phs-event-id": d.event.id, "phs-event-type": kind },
    "webhook",
  );
}

/** Leases what is due, keeping each email batch whole, and gives new emails their batch. */
async function claim(ctx: DeliveryContext): Promise<Claimed[]> {
  const { db, now } = ctx;
  const leased = await db.transaction(async (tx) => {
    const due = await tx.execute<{ id: string; channel: string; batch_key: string | null }>(sql`
      SELECT d.id, s.channel, d.batch_key FROM subscriber_deliveries d
      JOIN subscribers s ON s.id = d.subscriber_id JOIN notification_events e ON e.id = d.event_id
      WHERE d.status = 'pending' AND d.next_attempt_at <= ${now.toISOString()}::timestamptz AND s.status = 'active'
      ORDER BY d.batch_key NULLS LAST, e.created_at, d.id
      LIMIT ${ctx.perMinute}
      FOR UPDATE OF d SKIP LOCKED`);
    // A batch already sent once is sent again whole or not at all: the same request.
    const keys = [...new Set(due.rows.flatMap((r) => (r.batch_key ? [r.batch_key] : [])))];
    const sizes = new Map<string, number>();
    if (keys.length > 0) {
      const counts = await tx.execute<{ batch_key: string; n: number }>(sql`
        SELECT batch_key, count(*)::int AS n FROM subscriber_deliveries
        WHERE batch_key = ANY (${sql.param(keys)}::text[]) AND status = 'pending' GROUP BY batch_key`);
      for (const c of counts.rows) sizes.set(c.batch_key, c.n);
    }
    const inClaim = new Map<string, number>();
    for (const r of due.rows) if (r.batch_key) inClaim.set(r.batch_key, (inClaim.get(r.batch_key) ?? 0) + 1);
    let posts = 0;
    let fresh: string[] = [];
    const assigned: { id: string; batchKey: string | null }[] = [];
    for (const r of due.rows) {
      if (r.batch_key) {
        if (inClaim.get(r.batch_key) === sizes.get(r.batch_key)) assigned.push({ id: r.id, batchKey: r.batch_key });
      } else if (r.channel === "email") {
        fresh.push(r.id);
        if (fresh.length === EMAIL_BATCH) {
          const key = `phs-batch-${crypto.randomUUID()}`;
          for (const id of fresh) assigned.push({ id, batchKey: key });
          fresh = [];
        }
      } else if (posts < WEBHOOKS_PER_RUN) {
        posts++;
        assigned.push({ id: r.id, batchKey: null });
      }
    }
    if (fresh.length > 0) {
      const key = `phs-batch-${crypto.randomUUID()}`;
      for (const id of fresh) assigned.push({ id, batchKey: key });
    }
    if (assigned.length === 0) return [];
    await tx.execute(sql`
      UPDATE subscriber_deliveries d SET next_attempt_at = ${new Date(now.getTime() + LEASE_MS).toISOString()}::timestamptz,
        attempts = d.attempts + 1, batch_key = v.batch_key
      FROM unnest(${sql.param(assigned.map((a) => a.id))}::uuid[], ${sql.param(assigned.map((a) => a.batchKey))}::text[]) AS v(id, batch_key)
      WHERE d.id = v.id`);
    return assigned.map((a) => a.id);
  });
  if (leased.length === 0) return [];
  const { rows } = await db.execute<{
    id: string;
    attempts: number;
    batch_key: string | null;
    subscriber_id: string;
    channel: Subscriber["channel"];
    address: string;
    event_id: string;
    kind: string;
    created_at: string;
    message: Announcement;
  }>(sql`
    SELECT d.id, d.attempts, d.batch_key, s.id AS subscriber_id, s.channel, s.address, e.id AS event_id, e.kind, e.created_at, e.message
    FROM subscriber_deliveries d JOIN subscribers s ON s.id = d.subscriber_id JOIN notification_events e ON e.id = d.event_id
    WHERE d.id = ANY (${sql.param(leased)}::uuid[])
    -- In the order things happened: one subscriber's messages of one run arrive in order.
    ORDER BY e.created_at, d.batch_key, d.id`);
  return rows.map((r) => ({
    id: r.id,
    attempts: r.attempts,
    batchKey: r.batch_key,
    subscriber: { id: r.subscriber_id, channel: r.channel, address: r.address },
    event: { id: r.event_id, kind: r.kind as NotificationKind, createdAt: new Date(r.created_at), message: r.message },
  }));
}

async function record(ctx: DeliveryContext, outcomes: Outcome[]): Promise<Omit<SubscriberRun, "claimed">> {
  const run = { sent: 0, retrying: 0, failed: 0, paused: 0 };
  if (outcomes.length === 0) return run;
  const { now } = ctx;
  const rows = outcomes.map((o) => {
    if (o.ok) {
      run.sent++;
      return { id: o.id, status: "sent", next: now, error: null };
    }
    const final = o.attempts >= MAX_ATTEMPTS;
    if (final) run.failed++;
    else run.retrying++;
    return { id: o.id, status: final ? "failed" : "pending", next: new Date(now.getTime() + backoffMs(o.attempts)), error: o.error };
  });
  await ctx.db.execute(sql`
    UPDATE subscriber_deliveries d SET status = v.status, last_error = v.error,
      sent_at = CASE WHEN v.status = 'sent' THEN ${now.toISOString()}::timestamptz ELSE NULL END,
      next_attempt_at = v.next
    FROM unnest(${sql.param(rows.map((r) => r.id))}::uuid[], ${sql.param(rows.map((r) => r.status))}::text[],
                ${sql.param(rows.map((r) => r.error))}::text[], ${sql.param(rows.map((r) => r.next.toISOString()))}::timestamptz[]) AS v(id, status, error, next)
    WHERE d.id = v.id`);
  // A subscriber's run of failures, counted per delivery attempt; a success ends it.
  const bySubscriber = new Map<string, { failures: number; success: boolean; error: string | null }>();
  for (const o of outcomes) {
    const entry = bySubscriber.get(o.subscriberId) ?? { failures: 0, success: false, error: null };
    if (o.ok) entry.success = true;
    else {
      entry.failures++;
      entry.error = o.error;
    }
    bySubscriber.set(o.subscriberId, entry);
  }
  const ids = [...bySubscriber.keys()];
  const { rows: paused } = await ctx.db.execute<{ id: string }>(sql`
    WITH changed AS (
      UPDATE subscribers s SET
        consecutive_failures = CASE WHEN v.success THEN 0 ELSE s.consecutive_failures + v.failures END,
        status = CASE WHEN NOT v.success AND s.status = 'active' AND s.consecutive_failures + v.failures >= ${PAUSE_AFTER} THEN 'paused' ELSE s.status END,
        paused_at = CASE WHEN NOT v.success AND s.status = 'active' AND s.consecutive_failures + v.failures >= ${PAUSE_AFTER} THEN ${now.toISOString()}::timestamptz ELSE s.paused_at END,
        pause_reason = CASE WHEN NOT v.success AND s.status = 'active' AND s.consecutive_failures + v.failures >= ${PAUSE_AFTER}
          THEN ${PAUSE_AFTER} || ' deliveries in a row failed; the last: ' || v.error ELSE s.pause_reason END
      FROM unnest(${sql.param(ids)}::uuid[], ${sql.param(ids.map((id) => bySubscriber.get(id)!.failures))}::int[],
                  ${sql.param(ids.map((id) => bySubscriber.get(id)!.success))}::boolean[], ${sql.param(ids.map((id) => bySubscriber.get(id)!.error))}::text[])
           AS v(id, failures, success, error)
      WHERE s.id = v.id
      RETURNING s.id, s.status, s.paused_at
    ), skipped AS (
      UPDATE subscriber_deliveries d SET status = 'skipped', last_error = 'subscriber paused'
      FROM changed c WHERE d.subscriber_id = c.id AND c.status = 'paused' AND c.paused_at = ${now.toISOString()}::timestamptz AND d.status = 'pending'
      RETURNING 1
    )
    SELECT id FROM changed WHERE status = 'paused' AND paused_at = ${now.toISOString()}::timestamptz`);
  run.paused = paused.length;
  for (const p of paused) logEvent("warn", "subscriber_paused", { subscriber: p.id, after: PAUSE_AFTER });
  return run;
}

// Sends what is due, at most `perMinute` messages a run (webhooks and Slack at most
// WEBHOOKS_PER_RUN of them), each to one subscriber:
//  1. claim: due deliveries are leased (so an overlapping run skips them; the lease runs
//     from the real clock, and a run stops sending after RUN_BUDGET_MS, well inside it),
//     and each email gets a batch, fixed from then on: a batch sent again after a run was
//     cut off is the same request under the same idempotency key, which Resend honours for
//     24 hours; while its fate is unknown (a timeout, a run cut off) a batch member who
//     unsubscribed since stays in it, so the request stays the same (a member who was
//     deleted makes it differ: Resend's 409 for a reused key then says it was sent); a
//     batch surely refused is re-formed. News over a day old is dropped, not sent late;
//  2. send: emails 100 to a batch call, paced to Resend's request rate (a 429 ends the
//     run's email sending until Retry-After); webhooks (signed) and Slack messages by POST;
//  3. record, fenced on the claim (status still pending, attempts as claimed), so a slow
//     run can never overwrite a later one: sent; or retried with backoff, failed after
//     MAX_ATTEMPTS. A webhook or Slack endpoint that fails in PAUSE_AFTER runs in a row is
//     paused and its pending messages skipped; an email failure is the email service's,
//     not the subscriber's, and never pauses anyone.
import { sql } from "drizzle-orm";
import { backoffMs, LEASE_MS, MAX_ATTEMPTS } from "../alerts/deliver.ts";
import type { Database } from "../db/client.ts";
import type { NotificationEvent, Subscriber } from "../db/schema.ts";
import { logEvent } from "../lib/log.ts";
import type { Announcement, NotificationKind } from "./announce.ts";
import { notificationEmail, slackBody, webhookBody, type Site } from "./messages.ts";
import { EMAIL_BATCH, RateLimited, SendFailure, sendEmails, sendPost, type ResendSettings } from "./send.ts";
import { signatureHeader, signToken, webhookSecret } from "./tokens.ts";

export const WEBHOOKS_PER_RUN = 200;
/** Runs in a row in which a webhook or Slack endpoint failed before it is paused. */
export const PAUSE_AFTER = 5;
const WEBHOOK_CONCURRENCY = 10;
/** Sending stops after this long (the lease is 5 minutes); what is left waits for its lease. */
export const RUN_BUDGET_MS = 120_000;

export interface DeliveryContext {
  db: Database;
  /** The run's scheduled time: what is due. */
  now: Date;
  /** The real clock (ms), for leases, pacing, the run's budget and signature timestamps. */
  clock: () => number;
  fetch: typeof fetch;
  key: string;
  site: Site;
  resend: ResendSettings;
  perMinute: number;
  /** Resend's request rate (2 a second by default on its API). */
  emailRequestsPerSecond: number;
}

export interface SubscriberRun {
  claimed: number;
  sent: number;
  retrying: number;
  failed: number;
  paused: number;
  /** Claimed but not sent: the run's budget ran out, or Resend asked to wait. */
  deferred: number;
}

interface Claimed {
  id: string;
  attempts: number;
  batchKey: string | null;
  subscriber: Pick<Subscriber, "id" | "channel" | "address">;
  event: Pick<NotificationEvent, "id" | "kind" | "createdAt"> & { message: Announcement };
}

type Outcome =
  | { d: Claimed; kind: "sent" }
  /** `refused`: the request surely did not go through (an HTTP refusal, no connection), so its batch may be re-formed. */
  | { d: Claimed; kind: "failed"; error: string; refused: boolean }
  /** Not tried (out of budget) or refused for now (429): due again at `at`, the attempt not counted. */
  | { d: Claimed; kind: "later"; at: Date };

export async function deliverToSubscribers(ctx: DeliveryContext): Promise<SubscriberRun> {
  const startedAt = ctx.clock();
  const overBudget = () => ctx.clock() - startedAt > RUN_BUDGET_MS;
  const claimed = await claim(ctx);
  const outcomes: Outcome[] = [];
  const emails = new Map<string, Claimed[]>();
  const posts: Claimed[] = [];
  for (const d of claimed) {
    if (d.subscriber.channel === "email") emails.set(d.batchKey!, [...(emails.get(d.batchKey!) ?? []), d]);
    else posts.push(d);
  }

  const gapMs = 1000 / Math.max(ctx.emailRequestsPerSecond, 0.001);
  let lastCall = Number.NEGATIVE_INFINITY;
  let holdEmailsUntil: Date | null = null;
  for (const [batchKey, batch] of emails) {
    if (holdEmailsUntil || overBudget()) {
      for (const d of batch) outcomes.push({ d, kind: "later", at: holdEmailsUntil ?? new Date(ctx.clock()) });
      continue;
    }
    try {
      const messages = await Promise.all(
        batch.map(async (d) => ({
          to: d.subscriber.address,
          ...notificationEmail(ctx.site, d.event.kind as NotificationKind, d.event.message, await unsubscribeUrl(ctx, d.subscriber.id)),
        })),
      );
      // Paced from one call's start to the next's.
      const wait = lastCall + gapMs - ctx.clock();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      lastCall = ctx.clock();
      await sendEmails(ctx.fetch, ctx.resend, messages, batchKey);
      for (const d of batch) outcomes.push({ d, kind: "sent" });
    } catch (error) {
      if (error instanceof RateLimited) {
        holdEmailsUntil = new Date(ctx.clock() + error.retryAfterMs);
        for (const d of batch) outcomes.push({ d, kind: "later", at: holdEmailsUntil });
      } else {
        for (const d of batch) outcomes.push({ d, kind: "failed", error: failureText(error), refused: surelyRefused(error) });
      }
    }
  }
  for (let i = 0; i < posts.length; i += WEBHOOK_CONCURRENCY) {
    const round = posts.slice(i, i + WEBHOOK_CONCURRENCY);
    if (overBudget()) {
      for (const d of round) outcomes.push({ d, kind: "later", at: new Date(ctx.clock()) });
      continue;
    }
    await Promise.all(
      round.map(async (d) => {
        try {
          await post(ctx, d);
          outcomes.push({ d, kind: "sent" });
        } catch (error) {
          outcomes.push({ d, kind: "failed", error: failureText(error), refused: surelyRefused(error) });
        }
      }),
    );
  }
  return { claimed: claimed.length, ...(await record(ctx, outcomes)) };
}

const failureText = (error: unknown) => (error instanceof SendFailure ? error.message : "unexpected failure");
/** Only a timeout leaves open whether the request was taken. */
const surelyRefused = (error: unknown) => error instanceof SendFailure && !/no answer in/.test(error.message);

const unsubscribeUrl = async (ctx: DeliveryContext, subscriberId: string) =>
  `${ctx.site.url}/subscriptions/unsubscribe?token=${await signToken(ctx.key, "unsubscribe", subscriberId)}`;

async function post(ctx: DeliveryContext, d: Claimed): Promise<void> {
  const kind = d.event.kind as NotificationKind;
  const unsubscribe = await unsubscribeUrl(ctx, d.subscriber.id);
  if (d.subscriber.channel === "slack") {
    return sendPost(ctx.fetch, d.subscriber.address, slackBody(ctx.site, kind, d.event.message, unsubscribe), {}, "slack");
  }
  // The event's own id and time: the same body however often it is retried, so a receiver
  // can tell a repeat (PHS-Event-Id) from a new event. The signature's time is the send's.
  const body = webhookBody(ctx.site, kind, d.event.id, d.event.createdAt, d.event.message, unsubscribe);
  const secret = await webhookSecret(ctx.key, d.subscriber.id);
  return sendPost(
    ctx.fetch,
    d.subscriber.address,
    body,
    { "phs-signature": await signatureHeader(secret, body, new Date(ctx.clock())), "phs-event-id": d.event.id, "phs-event-type": kind },
    "webhook",
  );
}

/** Leases what is due, keeping each email batch whole, and gives new emails their batch. */
async function claim(ctx: DeliveryContext): Promise<Claimed[]> {
  const { db, now } = ctx;
  const leaseEnds = new Date(Math.max(now.getTime(), ctx.clock()) + LEASE_MS);
  const leased = await db.transaction(async (tx) => {
    // News over a day old is not sent any more (by the database's clock, which stamped it):
    // a delivery held that long (the email service refusing, say) is dropped, not sent late.
    await tx.execute(sql`
      UPDATE subscriber_deliveries d SET status = 'skipped', last_error = 'expired: not sent within a day'
      FROM notification_events e
      WHERE e.id = d.event_id AND d.status = 'pending' AND e.created_at < now() - interval '1 day'
        AND d.next_attempt_at <= ${now.toISOString()}::timestamptz`);
    // A delivery already in a batch goes with its batch whatever became of its subscriber
    // since, so that the batch is sent again exactly as it was.
    const due = await tx.execute<{ id: string; channel: string; batch_key: string | null }>(sql`
      SELECT d.id, s.channel, d.batch_key FROM subscriber_deliveries d
      JOIN subscribers s ON s.id = d.subscriber_id JOIN notification_events e ON e.id = d.event_id
      WHERE d.status = 'pending' AND d.next_attempt_at <= ${now.toISOString()}::timestamptz
        AND (s.status = 'active' OR d.batch_key IS NOT NULL)
      ORDER BY d.batch_key NULLS LAST, e.created_at, d.id
      LIMIT ${Math.max(ctx.perMinute, EMAIL_BATCH)} -- never less than a whole batch
      FOR UPDATE OF d SKIP LOCKED`);
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
    const newBatch = () => {
      const key = `phs-batch-${crypto.randomUUID()}`;
      for (const id of fresh) assigned.push({ id, batchKey: key });
      fresh = [];
    };
    for (const r of due.rows) {
      if (r.batch_key) {
        // Whole, or not this run (part of it is leased by another run, or past the limit).
        if (inClaim.get(r.batch_key) === sizes.get(r.batch_key)) assigned.push({ id: r.id, batchKey: r.batch_key });
      } else if (r.channel === "email") {
        fresh.push(r.id);
        if (fresh.length === EMAIL_BATCH) newBatch();
      } else if (posts < WEBHOOKS_PER_RUN) {
        posts++;
        assigned.push({ id: r.id, batchKey: null });
      }
    }
    if (fresh.length > 0) newBatch();
    if (assigned.length === 0) return [];
    await tx.execute(sql`
      UPDATE subscriber_deliveries d SET next_attempt_at = ${leaseEnds.toISOString()}::timestamptz,
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
  const run = { sent: 0, retrying: 0, failed: 0, paused: 0, deferred: 0 };
  if (outcomes.length === 0) return run;
  const now = new Date(Math.max(ctx.now.getTime(), ctx.clock()));
  // A batch that surely did not go out is re-formed next time (its key dropped), so that
  // anyone who unsubscribed meanwhile is left out; one whose fate is unknown (a timeout)
  // keeps its members and key, so that sending it again cannot deliver anything twice.
  const rows = outcomes.map((o) => {
    if (o.kind === "sent") {
      run.sent++;
      return { id: o.d.id, claimed: o.d.attempts, attempts: o.d.attempts, status: "sent", next: now, error: null, rekey: false };
    }
    if (o.kind === "later") {
      run.deferred++;
      return { id: o.d.id, claimed: o.d.attempts, attempts: o.d.attempts - 1, status: "pending", next: o.at, error: null, rekey: true };
    }
    const final = o.d.attempts >= MAX_ATTEMPTS;
    if (final) run.failed++;
    else run.retrying++;
    return {
      id: o.d.id,
      claimed: o.d.attempts,
      attempts: o.d.attempts,
      status: final ? "failed" : "pending",
      next: new Date(now.getTime() + backoffMs(o.d.attempts)),
      error: o.error,
      rekey: o.refused,
    };
  });
  // Fenced: only rows still pending and still as this run claimed them. A re-formed row
  // whose subscriber is no longer active is skipped.
  await ctx.db.execute(sql`
    UPDATE subscriber_deliveries d SET
      status = CASE WHEN v.rekey AND v.status = 'pending' AND s.status <> 'active' THEN 'skipped' ELSE v.status END,
      last_error = CASE WHEN v.rekey AND v.status = 'pending' AND s.status <> 'active' THEN 'subscriber ' || s.status ELSE v.error END,
      attempts = v.attempts,
      batch_key = CASE WHEN v.rekey THEN NULL ELSE d.batch_key END,
      sent_at = CASE WHEN v.status = 'sent' THEN ${now.toISOString()}::timestamptz ELSE NULL END,
      next_attempt_at = v.next
    FROM unnest(${sql.param(rows.map((r) => r.id))}::uuid[], ${sql.param(rows.map((r) => r.claimed))}::int[], ${sql.param(rows.map((r) => r.attempts))}::int[],
                ${sql.param(rows.map((r) => r.status))}::text[], ${sql.param(rows.map((r) => r.error))}::text[],
                ${sql.param(rows.map((r) => r.next.toISOString()))}::timestamptz[], ${sql.param(rows.map((r) => r.rekey))}::boolean[])
         AS v(id, claimed, attempts, status, error, next, rekey), subscribers s
    WHERE d.id = v.id AND s.id = d.subscriber_id AND d.status = 'pending' AND d.attempts = v.claimed`);

  // An endpoint's run of failures, counted once per run; a success ends it. Emails aside.
  const endpoints = new Map<string, { failed: boolean; success: boolean; error: string | null }>();
  for (const o of outcomes) {
    if (o.d.subscriber.channel === "email" || o.kind === "later") continue;
    const entry = endpoints.get(o.d.subscriber.id) ?? { failed: false, success: false, error: null };
    if (o.kind === "sent") entry.success = true;
    else {
      entry.failed = true;
      entry.error = o.error;
    }
    endpoints.set(o.d.subscriber.id, entry);
  }
  if (endpoints.size === 0) return run;
  const ids = [...endpoints.keys()];
  const at = now.toISOString();
  const { rows: paused } = await ctx.db.execute<{ id: string }>(sql`
    WITH changed AS (
      UPDATE subscribers s SET
        consecutive_failures = CASE WHEN v.success THEN 0 ELSE s.consecutive_failures + 1 END,
        status = CASE WHEN NOT v.success AND s.status = 'active' AND s.consecutive_failures + 1 >= ${PAUSE_AFTER} THEN 'paused' ELSE s.status END,
        paused_at = CASE WHEN NOT v.success AND s.status = 'active' AND s.consecutive_failures + 1 >= ${PAUSE_AFTER} THEN ${at}::timestamptz ELSE s.paused_at END,
        pause_reason = CASE WHEN NOT v.success AND s.status = 'active' AND s.consecutive_failures + 1 >= ${PAUSE_AFTER}
          THEN 'deliveries failed in ' || ${PAUSE_AFTER} || ' runs in a row; the last: ' || v.error ELSE s.pause_reason END
      FROM unnest(${sql.param(ids)}::uuid[], ${sql.param(ids.map((id) => endpoints.get(id)!.success))}::boolean[],
                  ${sql.param(ids.map((id) => endpoints.get(id)!.error))}::text[]) AS v(id, success, error)
      WHERE s.id = v.id
      RETURNING s.id, s.status, s.paused_at
    ), skipped AS (
      UPDATE subscriber_deliveries d SET status = 'skipped', last_error = 'subscriber paused'
      FROM changed c WHERE d.subscriber_id = c.id AND c.status = 'paused' AND c.paused_at = ${at}::timestamptz AND d.status = 'pending'
      RETURNING 1
    )
    SELECT id FROM changed WHERE status = 'paused' AND paused_at = ${at}::timestamptz`);
  run.paused = paused.length;
  for (const p of paused) logEvent("warn", "subscriber_paused", { subscriber: p.id, afterRuns: PAUSE_AFTER });
  return run;
}

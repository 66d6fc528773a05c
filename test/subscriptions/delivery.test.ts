// What subscribers receive, through the every-minute cron and the fake Resend and webhook
// receiver: each event to the right subscribers, once, however the crons overlap or are
// cut off; signatures Stripe's own library verifies; 10,000 subscribers within the rate;
// a failing endpoint paused; what admins see.
import Stripe from "stripe";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { EVERY_MINUTE } from "../../src/cron/scheduled.ts";
import { PAUSE_AFTER } from "../../src/subscriptions/deliver.ts";
import { notifySubscribers } from "../../src/subscriptions/notify-subscribers.ts";
import { unsubscribe } from "../../src/subscriptions/subscribe.ts";
import type { SubscriptionSettings } from "../../src/subscriptions/settings.ts";
import { FAKE_CREDENTIALS } from "../../scripts/lib/fake-vendors.ts";
import { adminClient, ADMIN_TOKENS } from "../support/admin.ts";
import { callWorker, databaseFault, emptyTables, freshDatabase, runCron, sql, vendorScope, withDatabase } from "../support/harness.ts";

const SITE = "https://status.example.com";
const KEY = "test-subscription-key-0123456789";
let databaseUrl: string;
const vendors = vendorScope();
// Resend's request rate is paced to (2 a second by default); the tests that are not about
// pacing do not wait for it.
const subscriptionEnv = {
  SUBSCRIPTION_KEY: KEY,
  PUBLIC_URL: SITE,
  NOTIFY_FROM: "Portal status <status@mail.example.com>",
  AUTO_INCIDENTS: "off",
  RESEND_REQUESTS_PER_SECOND: "1000",
};
const env = (extra: Record<string, string> = {}) => ({ DATABASE_URL: databaseUrl, ...vendors.env, ...subscriptionEnv, ADMIN_TOKENS, ...extra });
const admin = adminClient(() => databaseUrl, { ...vendors.env, ...subscriptionEnv });
const settings = (): SubscriptionSettings => ({
  key: KEY,
  site: { title: "Portal status", url: SITE },
  resend: { base: vendors.env.RESEND_API_BASE, apiKey: FAKE_CREDENTIALS.RESEND_API_KEY, from: "Portal status <status@mail.example.com>" },
  perMinute: 2000,
  emailRequestsPerSecond: 1000,
  email: true,
});

async function addSubscriber(channel: "email" | "webhook" | "slack", address: string, components: string[] = []): Promise<string> {
  const [row] = await sql<{ id: string }>(
    databaseUrl,
    "INSERT INTO subscribers (channel, address, components, status, confirmed_at) VALUES ($1, $2, $3, 'active', now()) RETURNING id",
    [channel, address, components],
  );
  return row!.id;
}
/** Subjects each address received, by address. */
async function inboxes(): Promise<Map<string, string[]>> {
  const boxes = new Map<string, string[]>();
  for (const email of await vendors.emails())
    for (const to of email.to) boxes.set(to, [...(boxes.get(to) ?? []), email.subject.replace("[Portal status] ", "")]);
  return boxes;
}
const hookCalls = async (path: string) => (await vendors.requests()).filter((r) => r.vendor === "hooks" && r.path === path);
const inMinutes = (minutes: number, from = Date.now()) => new Date(from + minutes * 60_000);

beforeAll(async () => {
  databaseUrl = await freshDatabase();
});
beforeEach(async () => {
  await emptyTables(databaseUrl);
  await vendors.reset();
  await vendors.forget();
});

describe("what each subscriber is sent", () => {
  it("sends each incident and maintenance event to the subscribers of what it affects, once, even when every run happens twice", async () => {
    await addSubscriber("email", "all@example.com");
    await addSubscriber("email", "payments@example.com", ["stripe"]);
    await addSubscriber("webhook", vendors.hookUrl("database-hook"), ["database"]);
    await addSubscriber("slack", vendors.hookUrl("slack"));
    const twice = async (at: Date) => {
      await runCron(EVERY_MINUTE, env(), at);
      await runCron(EVERY_MINUTE, env(), at);
    };

    const incident = await admin("POST", "/api/admin/incidents", { component: "stripe", status: "degraded", message: "Card payments are slow" });
    await admin("PATCH", `/api/admin/incidents/${incident.body.data.id}`, { phase: "identified", message: "A fix is being deployed" });
    await admin("POST", `/api/admin/incidents/${incident.body.data.id}/resolve`, { message: "Payments are back to normal" });
    const start = new Date(Math.ceil((Date.now() + 3 * 86_400_000) / 3_600_000) * 3_600_000);
    const end = new Date(start.getTime() + 2 * 3_600_000);
    const upgrade = await admin("POST", "/api/admin/maintenance", {
      title: "Database upgrade",
      scheduledStart: start.toISOString(),
      scheduledEnd: end.toISOString(),
      components: ["database"],
    });
    expect(upgrade.status).toBe(201);
    const other = await admin("POST", "/api/admin/maintenance", {
      title: "Payments migration",
      scheduledStart: new Date(start.getTime() + 86_400_000).toISOString(),
      scheduledEnd: new Date(start.getTime() + 86_400_000 + 3_600_000).toISOString(),
      components: ["stripe"],
    });
    const moved = new Date(start.getTime() + 2 * 86_400_000);
    await admin("PATCH", `/api/admin/maintenance/${other.body.data.id}`, {
      scheduledStart: moved.toISOString(),
      scheduledEnd: new Date(moved.getTime() + 3_600_000).toISOString(),
    });
    await admin("POST", `/api/admin/maintenance/${other.body.data.id}/cancel`);
    await twice(inMinutes(1));
    await twice(new Date(start.getTime() - 23 * 3_600_000)); // the day-before reminder
    await twice(new Date(start.getTime() + 60_000)); // started
    await twice(new Date(end.getTime() + 60_000)); // completed

    const boxes = await inboxes();
    const when = (d: Date) =>
      `${d.toLocaleString("en-GB", { timeZone: "UTC", day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit" })} UTC`;
    const incidentSubjects = ["Incident: Payments (degraded)", "Update: Payments (identified)", "Resolved: Payments"];
    const paymentsWindow = [
      `Maintenance scheduled: Payments migration, ${when(new Date(start.getTime() + 86_400_000))}`,
      `Maintenance scheduled: Payments migration, ${when(moved)}`,
      "Maintenance cancelled: Payments migration",
    ];
    const databaseWindow = [
      `Maintenance scheduled: Database upgrade, ${when(start)}`,
      `Tomorrow: Database upgrade, ${when(start)}`,
      "Maintenance started: Database upgrade",
      "Maintenance completed: Database upgrade",
    ];
    expect(boxes.get("payments@example.com")).toEqual([...incidentSubjects, ...paymentsWindow]);
    // Events of one run arrive in the order they happened; runs follow each other.
    expect(boxes.get("all@example.com")).toEqual([...incidentSubjects, databaseWindow[0], ...paymentsWindow, ...databaseWindow.slice(1)]);
    expect([...boxes.keys()].sort()).toEqual(["all@example.com", "payments@example.com"]);

    const hooks = await hookCalls("/database-hook");
    expect(hooks.map((h) => h.headers?.["phs-event-type"])).toEqual([
      "maintenance.scheduled",
      "maintenance.reminder",
      "maintenance.started",
      "maintenance.completed",
    ]);
    expect(hooks[0]!.body).toMatchObject({
      type: "maintenance.scheduled",
      page: { title: "Portal status", url: SITE },
      data: { type: "maintenance", title: "Database upgrade", componentNames: ["Database"] },
    });
    expect(new Set(hooks.map((h) => h.headers?.["phs-event-id"])).size).toBe(4);
    const slack = await hookCalls("/slack");
    expect(slack).toHaveLength(3 + 3 + 4);
    expect(slack[0]!.body.text).toContain(`<${SITE}|Portal status>`);

    // Nothing is left to send, and the admin view says so.
    const notifications = await admin("GET", "/api/admin/notifications");
    expect(notifications.body.data).toHaveLength(3 + 3 + 4);
    for (const n of notifications.body.data) expect(n.deliveries).toMatchObject({ pending: 0, failed: 0, skipped: 0 });
  });

  it("tells an email subscriber of a maintenance window at each step: scheduled, the day before, started, completed", async () => {
    await addSubscriber("email", "ops@example.com", ["database"]);
    const start = new Date(Math.ceil((Date.now() + 3 * 86_400_000) / 3_600_000) * 3_600_000);
    const end = new Date(start.getTime() + 2 * 3_600_000);
    const created = await admin("POST", "/api/admin/maintenance", {
      title: "Database upgrade",
      description: "Upgrading to PostgreSQL 17",
      scheduledStart: start.toISOString(),
      scheduledEnd: end.toISOString(),
      components: ["database"],
    });
    expect(created.status).toBe(201);
    for (const at of [inMinutes(1), new Date(start.getTime() - 23 * 3_600_000), new Date(start.getTime() + 60_000), new Date(end.getTime() + 60_000)]) {
      await runCron(EVERY_MINUTE, env(), at);
    }
    const emails = await vendors.emails();
    expect(emails.map((e) => e.subject.replace(/, \d.*$/, ""))).toEqual([
      "[Portal status] Maintenance scheduled: Database upgrade",
      "[Portal status] Tomorrow: Database upgrade",
      "[Portal status] Maintenance started: Database upgrade",
      "[Portal status] Maintenance completed: Database upgrade",
    ]);
    for (const email of emails) {
      expect(email.text).toContain("Upgrading to PostgreSQL 17");
      expect(email.text).toContain("Affected: Database");
      expect(email.text).toMatch(/When: \d+ \w+ \d{4}, \d\d:\d\d UTC – /);
      expect(email.text).toContain(`Status page: ${SITE}`);
      expect(email.text).toContain(`Unsubscribe: ${SITE}/subscriptions/unsubscribe?token=`);
      expect(email.headers?.["List-Unsubscribe-Post"]).toBe("List-Unsubscribe=One-Click");
    }
    // The sequence as the fake Resend recorded it, for the record.
    console.info(
      `[sequence]\n${emails.map((e) => `${e.at} to ${e.to.join(",")}\nSubject: ${e.subject}\n${e.text!.replace(/token=\S+/g, "token=…")}`).join("\n----\n")}`,
    );
  });

  it("signs every webhook delivery so that Stripe's own verifier accepts it with the secret shown once", async () => {
    const url = vendors.hookUrl("signed");
    const subscribed = await callWorker("/subscribe", env(), {
      method: "POST",
      headers: { "content-type": "application/json", "cf-connecting-ip": "198.51.100.21" },
      body: JSON.stringify({ channel: "webhook", address: url }),
    });
    expect(subscribed.status).toBe(202);
    const [confirmation] = await hookCalls("/signed");
    const secret: string = confirmation!.body.data.signing_secret;
    const confirmUrl = new URL(confirmation!.body.data.confirm_url);
    expect((await callWorker(`${confirmUrl.pathname}${confirmUrl.search}`, env(), { method: "POST" })).status).toBe(200);

    await admin("POST", "/api/admin/incidents", { component: "database", status: "partial_outage", message: "Replica lag" });
    const at = inMinutes(1);
    await runCron(EVERY_MINUTE, env(), at);
    const delivery = (await hookCalls("/signed"))[1]!;
    const header = delivery.headers!["phs-signature"]!;
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);

    const stripe = new Stripe("sk_test_unused", { httpClient: Stripe.createFetchHttpClient() });
    const crypto = Stripe.createSubtleCryptoProvider();
    const receivedAt = at.getTime() + 5_000; // Stripe takes it in milliseconds
    const event = await stripe.webhooks.constructEventAsync(delivery.raw!, header, secret, 300, crypto, receivedAt);
    expect(event).toMatchObject({ id: delivery.headers!["phs-event-id"], type: "incident.opened" });
    // A changed body, another secret, or a replay long after are refused.
    await expect(
      stripe.webhooks.constructEventAsync(delivery.raw!.replace("Replica lag", "All fine"), header, secret, 300, crypto, receivedAt),
    ).rejects.toThrow();
    await expect(stripe.webhooks.constructEventAsync(delivery.raw!, header, `${secret}x`, 300, crypto, receivedAt)).rejects.toThrow();
    await expect(stripe.webhooks.constructEventAsync(delivery.raw!, header, secret, 300, crypto, receivedAt + 3_600_000)).rejects.toThrow();
  });
});

describe("exactly once", () => {
  it("sends nothing twice when three runs overlap", async () => {
    await sql(
      databaseUrl,
      "INSERT INTO subscribers (channel, address, status, confirmed_at) SELECT 'email', 'overlap' || g || '@example.com', 'active', now() FROM generate_series(1, 250) g",
    );
    for (let i = 0; i < 30; i++) await addSubscriber("webhook", vendors.hookUrl(`w${i}`));
    await admin("POST", "/api/admin/incidents", { component: "api", status: "degraded", message: "Slow" });
    const at = inMinutes(1);
    await Promise.all([runCron(EVERY_MINUTE, env(), at), runCron(EVERY_MINUTE, env(), at), runCron(EVERY_MINUTE, env(), at)]);
    await runCron(EVERY_MINUTE, env(), inMinutes(2));
    await runCron(EVERY_MINUTE, env(), inMinutes(10));
    const boxes = await inboxes();
    expect(boxes.size).toBe(250);
    for (const [address, subjects] of boxes) expect(subjects, address).toEqual(["Incident: API (degraded)"]);
    const hooks = (await vendors.requests()).filter((r) => r.vendor === "hooks");
    expect(hooks).toHaveLength(30);
    expect(new Set(hooks.map((h) => h.path)).size).toBe(30);
    const [counts] = await sql<{ sent: number; other: number }>(
      databaseUrl,
      "SELECT count(*) FILTER (WHERE status = 'sent')::int AS sent, count(*) FILTER (WHERE status <> 'sent')::int AS other FROM subscriber_deliveries",
    );
    expect(counts).toEqual({ sent: 280, other: 0 });
  });

  it("sends nothing twice when a run is cut off after the email API took the batch, nor loses it when cut off before", async () => {
    for (const name of ["a", "b", "c"]) await addSubscriber("email", `${name}@example.com`);
    await admin("POST", "/api/admin/incidents", { component: "email", status: "degraded", message: "Delays" });
    // Cut off after sending: the batch reached Resend, then the database went away before
    // the run could write down that it was sent.
    const cutAfterSending: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (String(input).endsWith("/emails/batch")) await databaseFault(databaseUrl, { refuse: true });
      return response;
    };
    const t0 = inMinutes(1);
    await expect(withDatabase(databaseUrl, (db) => notifySubscribers(db, settings(), t0, cutAfterSending))).rejects.toThrow();
    await databaseFault(databaseUrl, null);
    expect((await vendors.emails()).length).toBe(3);
    // The next run leaves the leased batch alone; once the lease is over, the same batch
    // goes again with the same idempotency key, and Resend sends nothing new.
    await withDatabase(databaseUrl, (db) => notifySubscribers(db, settings(), inMinutes(2), fetch));
    expect((await vendors.requests()).filter((r) => r.path === "/emails/batch")).toHaveLength(1);
    await withDatabase(databaseUrl, (db) => notifySubscribers(db, settings(), inMinutes(7), fetch));
    const batches = (await vendors.requests()).filter((r) => r.path === "/emails/batch");
    expect(batches).toHaveLength(2);
    expect(batches[1]!.headers?.["idempotency-key"]).toBe(batches[0]!.headers?.["idempotency-key"]);
    expect(batches[1]!.replayed).toBe(true);
    expect([...(await inboxes()).entries()].sort()).toEqual([
      ["a@example.com", ["Incident: Email (degraded)"]],
      ["b@example.com", ["Incident: Email (degraded)"]],
      ["c@example.com", ["Incident: Email (degraded)"]],
    ]);
    expect(await sql(databaseUrl, "SELECT DISTINCT status FROM subscriber_deliveries")).toEqual([{ status: "sent" }]);

    // Cut off before sending: the run dies between claiming and the call; nothing is lost.
    await admin("PATCH", `/api/admin/incidents/${(await sql<{ id: string }>(databaseUrl, "SELECT id FROM system_status"))[0]!.id}`, {
      message: "Still delayed",
    });
    const cutBeforeSending: typeof fetch = async (input, init) => {
      if (String(input).endsWith("/emails/batch")) {
        await databaseFault(databaseUrl, { refuse: true });
        throw new Error("the isolate went away");
      }
      return fetch(input, init);
    };
    await expect(withDatabase(databaseUrl, (db) => notifySubscribers(db, settings(), inMinutes(8), cutBeforeSending))).rejects.toThrow();
    await databaseFault(databaseUrl, null);
    await withDatabase(databaseUrl, (db) => notifySubscribers(db, settings(), inMinutes(14), fetch));
    const boxes = await inboxes();
    for (const name of ["a", "b", "c"]) expect(boxes.get(`${name}@example.com`)).toEqual(["Incident: Email (degraded)", "Update: Email (investigating)"]);
  });
});

describe("at scale", () => {
  it("drains 10,000 subscribers in 5 runs at 2,000 a minute, in batches of 100, each once", { timeout: 180_000 }, async () => {
    // Paced at 20 requests a second here (a run's 20 calls: about 1 s); at Resend's default
    // 2 a second a run takes about 10 s, which the pacing test below shows.
    const paced = { RESEND_REQUESTS_PER_SECOND: "20" };
    await sql(
      databaseUrl,
      "INSERT INTO subscribers (channel, address, status, confirmed_at) SELECT 'email', 'reader' || g || '@example.com', 'active', now() FROM generate_series(1, 10000) g",
    );
    await admin("POST", "/api/admin/incidents", { component: "portal", status: "major_outage", message: "The portal is down" });
    const sentAfter: number[] = [];
    const runMs: number[] = [];
    for (let minute = 1; minute <= 6; minute++) {
      const started = Date.now();
      await runCron(EVERY_MINUTE, env(paced), inMinutes(minute));
      runMs.push(Date.now() - started);
      const [row] = await sql<{ sent: number }>(databaseUrl, "SELECT count(*)::int AS sent FROM subscriber_deliveries WHERE status = 'sent'");
      sentAfter.push(row!.sent);
    }
    expect(sentAfter).toEqual([2000, 4000, 6000, 8000, 10000, 10000]);
    const emails = await vendors.emails();
    expect(emails).toHaveLength(10_000);
    expect(new Set(emails.flatMap((e) => e.to)).size).toBe(10_000);
    const batches = (await vendors.requests()).filter((r) => r.path === "/emails/batch");
    expect(batches).toHaveLength(100);
    for (const batch of batches) expect(batch.body.length).toBeLessThanOrEqual(100);
    // A figure for the docs, not an assertion: how long a run of 2,000 took here.
    console.info(`[measure] 10,000 subscribers: runs took ${runMs.join(", ")} ms (last one: nothing left to send)`);
  });
});

describe("a failing endpoint", () => {
  it(`pauses a webhook whose deliveries failed in ${PAUSE_AFTER} runs in a row, shows why, and resumes it on request`, async () => {
    const failing = vendorScope();
    await failing.set("hooks", { failure: "500" });
    const hook = await addSubscriber("webhook", failing.hookUrl("down"));
    await addSubscriber("email", "fine@example.com");
    const opened = await admin("POST", "/api/admin/incidents", { component: "twilio", status: "degraded", message: "SMS delayed" });
    await admin("PATCH", `/api/admin/incidents/${opened.body.data.id}`, { phase: "identified" });
    await admin("PATCH", `/api/admin/incidents/${opened.body.data.id}`, { phase: "monitoring" });
    // Retried after 1, 2, 4, 8 minutes; each run's failures count once.
    for (const minute of [1, 3, 7, 15]) await runCron(EVERY_MINUTE, env(), inMinutes(minute));
    expect((await admin("GET", "/api/admin/subscribers?status=paused")).body.data).toEqual([]);
    await runCron(EVERY_MINUTE, env(), inMinutes(31)); // the fifth run in a row: paused
    const list = await admin("GET", "/api/admin/subscribers?status=paused");
    expect(list.body.data.map((s: { id: string }) => s.id)).toEqual([hook]);
    expect(list.body.data[0].pauseReason).toBe(`deliveries failed in ${PAUSE_AFTER} runs in a row; the last: webhook: HTTP 500`);
    const detail = await admin("GET", `/api/admin/subscribers/${hook}`);
    expect(detail.body.data.deliveries.map((d: { status: string }) => d.status)).toEqual(["skipped", "skipped", "skipped"]);
    expect(detail.body.data.deliveries[0].lastError).toBe("subscriber paused");
    expect((await failing.requests()).filter((r) => r.vendor === "hooks")).toHaveLength(3 * PAUSE_AFTER);
    // Paused: nothing more is tried; the email subscriber was not held up.
    await runCron(EVERY_MINUTE, env(), inMinutes(40));
    expect((await failing.requests()).filter((r) => r.vendor === "hooks")).toHaveLength(3 * PAUSE_AFTER);
    expect((await inboxes()).get("fine@example.com")).toHaveLength(3);

    await failing.reset();
    expect((await admin("POST", `/api/admin/subscribers/${hook}/resume`)).body.data).toMatchObject({
      status: "active",
      pausedAt: null,
      consecutiveFailures: 0,
    });
    expect((await admin("POST", `/api/admin/subscribers/${hook}/resume`)).status).toBe(409);
    await admin("POST", `/api/admin/incidents/${opened.body.data.id}/resolve`, {});
    await runCron(EVERY_MINUTE, env(), inMinutes(41));
    const received = (await failing.requests()).filter((r) => r.vendor === "hooks");
    expect(received.at(-1)!.headers?.["phs-event-type"]).toBe("incident.resolved");
    const audit = await admin("GET", "/api/admin/audit?entity=subscriber");
    expect(audit.body.data.map((a: { action: string }) => a.action)).toEqual(["subscriber.resume"]);
  });
});

describe("when the email service or an endpoint misbehaves", () => {
  const emailsTo = async (n: number) => {
    await sql(
      databaseUrl,
      `INSERT INTO subscribers (channel, address, status, confirmed_at) SELECT 'email', 'm' || g || '@example.com', 'active', now() FROM generate_series(1, ${n}) g`,
    );
  };
  const deliveries = () =>
    sql<{ status: string; attempts: number; last_error: string | null; next_attempt_at: Date }>(databaseUrl, "SELECT * FROM subscriber_deliveries");
  const batchCalls = async () => (await vendors.requests()).filter((r) => r.path === "/emails/batch");

  it("retries while the email service fails, and never pauses a subscriber for it", async () => {
    await emailsTo(2);
    await vendors.set("resend", { failure: "500" });
    await admin("POST", "/api/admin/incidents", { component: "crm", status: "degraded", message: "Slow" });
    for (const minute of [1, 3, 7, 15, 31, 63]) await runCron(EVERY_MINUTE, env(), inMinutes(minute));
    expect(await sql(databaseUrl, "SELECT DISTINCT status, consecutive_failures FROM subscribers")).toEqual([{ status: "active", consecutive_failures: 0 }]);
    expect((await deliveries()).map((d) => [d.status, d.attempts, d.last_error])).toEqual([
      ["pending", 6, "email: HTTP 500"],
      ["pending", 6, "email: HTTP 500"],
    ]);
    await vendors.reset();
    await runCron(EVERY_MINUTE, env(), inMinutes(200));
    expect([...(await inboxes()).values()]).toEqual([["Incident: CRM (degraded)"], ["Incident: CRM (degraded)"]]);
  });

  it("stops sending email at Resend's 429 until Retry-After, without spending an attempt", async () => {
    await emailsTo(250);
    await vendors.set("resend", { failure: "429" });
    await admin("POST", "/api/admin/incidents", { component: "crm", status: "degraded", message: "Slow" });
    const at = inMinutes(1);
    await runCron(EVERY_MINUTE, env(), at);
    expect(await batchCalls()).toHaveLength(1); // the first refusal ends the run's email sending
    const held = await deliveries();
    expect(new Set(held.map((d) => `${d.status}/${d.attempts}`))).toEqual(new Set(["pending/0"]));
    for (const d of held) expect(new Date(d.next_attempt_at).getTime()).toBeGreaterThanOrEqual(Date.now() + 25_000);
    await vendors.reset();
    await runCron(EVERY_MINUTE, env(), inMinutes(2));
    const boxes = await inboxes();
    expect(boxes.size).toBe(250);
    for (const subjects of boxes.values()) expect(subjects).toEqual(["Incident: CRM (degraded)"]);
  });

  it("re-forms a batch Resend refused, leaving out who unsubscribed meanwhile; drops news a day old; sends at least a whole batch a run", async () => {
    await emailsTo(3);
    await vendors.set("resend", { failure: "429" });
    await admin("POST", "/api/admin/incidents", { component: "crm", status: "degraded", message: "Slow" });
    await runCron(EVERY_MINUTE, env(), inMinutes(1));
    expect(await sql(databaseUrl, "SELECT DISTINCT batch_key FROM subscriber_deliveries")).toEqual([{ batch_key: null }]);
    const [gone] = await sql<{ id: string }>(databaseUrl, "SELECT id FROM subscribers WHERE address = 'm1@example.com'");
    await withDatabase(databaseUrl, (db) => unsubscribe(db, gone!.id, new Date()));
    await vendors.reset();
    await runCron(EVERY_MINUTE, env(), inMinutes(3));
    expect([...(await inboxes()).keys()].sort()).toEqual(["m2@example.com", "m3@example.com"]);

    // Held past a day (the email service refusing all along): dropped, not sent late.
    await vendors.forget();
    await sql(
      databaseUrl,
      `INSERT INTO notification_events (kind, dedup_key, components, message, created_at, fanned_out_at)
       VALUES ('incident.opened', 'held', '{crm}', '{"type":"incident","id":"x","component":"crm","componentName":"CRM","status":"degraded","phase":"investigating","message":"old","startedAt":"2026-01-01T00:00:00Z","resolvedAt":null}', now() - interval '25 hours', now() - interval '25 hours')`,
    );
    await sql(
      databaseUrl,
      "INSERT INTO subscriber_deliveries (event_id, subscriber_id) SELECT e.id, s.id FROM notification_events e, subscribers s WHERE e.dedup_key = 'held' AND s.status = 'active'",
    );
    await runCron(EVERY_MINUTE, env(), inMinutes(5));
    expect(await vendors.emails()).toEqual([]);
    expect(
      await sql(
        databaseUrl,
        "SELECT DISTINCT d.status, d.last_error FROM subscriber_deliveries d JOIN notification_events e ON e.id = d.event_id WHERE e.dedup_key = 'held'",
      ),
    ).toEqual([{ status: "skipped", last_error: "expired: not sent within a day" }]);

    // A limit under a batch's size still sends a whole batch a run.
    await sql(
      databaseUrl,
      "INSERT INTO subscribers (channel, address, status, confirmed_at) SELECT 'email', 'n' || g || '@example.com', 'active', now() FROM generate_series(1, 117) g",
    );
    await admin("POST", "/api/admin/incidents", { component: "api", status: "degraded", message: "Slow" });
    await runCron(EVERY_MINUTE, env({ NOTIFICATIONS_PER_MINUTE: "50" }), inMinutes(6));
    expect((await vendors.emails()).length).toBe(100);
    await runCron(EVERY_MINUTE, env({ NOTIFICATIONS_PER_MINUTE: "50" }), inMinutes(7));
    expect((await vendors.emails()).length).toBe(119);
  });

  it("paces batch calls to Resend's request rate (2 a second by default)", async () => {
    await emailsTo(250);
    await admin("POST", "/api/admin/incidents", { component: "crm", status: "degraded", message: "Slow" });
    await runCron(EVERY_MINUTE, env({ RESEND_REQUESTS_PER_SECOND: "2" }), inMinutes(1));
    const starts = (await batchCalls()).map((r) => r.startedAt);
    expect(starts).toHaveLength(3);
    // A lower bound the Worker sets by waiting (500 ms); the fake sees each call a little
    // after it starts, by a few milliseconds that vary.
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(450);
  });

  it("does not follow a webhook's redirect (its signing secret goes to its own URL only)", async () => {
    const moved = vendorScope();
    await moved.set("hooks", { failure: "redirect" });
    await addSubscriber("webhook", moved.hookUrl("hook"));
    await admin("POST", "/api/admin/incidents", { component: "crm", status: "degraded", message: "Slow" });
    await runCron(EVERY_MINUTE, env(), inMinutes(1));
    expect((await moved.requests()).map((r) => r.path)).toEqual(["/hook"]);
    expect((await deliveries())[0]).toMatchObject({ status: "pending", last_error: "webhook: HTTP 307 (a redirect, not followed)" });
  });

  it("sends a batch cut off after sending the same way again even when a member unsubscribed or was removed meanwhile", async () => {
    const ids = [];
    for (const name of ["a", "b", "c", "d"]) ids.push(await addSubscriber("email", `${name}@example.com`));
    await admin("POST", "/api/admin/incidents", { component: "crm", status: "degraded", message: "Slow" });
    const cutAfterSending: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (String(input).endsWith("/emails/batch")) await databaseFault(databaseUrl, { refuse: true });
      return response;
    };
    await expect(withDatabase(databaseUrl, (db) => notifySubscribers(db, settings(), inMinutes(1), cutAfterSending))).rejects.toThrow();
    await databaseFault(databaseUrl, null);
    // Meanwhile: a one-click unsubscribe and an admin removal.
    const [first] = await vendors.emails();
    const unsubscribe = new URL(/<([^>]+)>/.exec(first!.headers!["List-Unsubscribe"]!)![1]!);
    const who = (
      await sql<{ address: string }>(databaseUrl, "SELECT address FROM subscribers WHERE id = $1", [unsubscribe.searchParams.get("token")!.slice(0, 36)])
    )[0]!;
    expect((await callWorker(`${unsubscribe.pathname}${unsubscribe.search}`, env(), { method: "POST", body: "List-Unsubscribe=One-Click" })).status).toBe(200);
    const removed = ids.find((id) => id !== unsubscribe.searchParams.get("token")!.slice(0, 36))!;
    expect((await admin("DELETE", `/api/admin/subscribers/${removed}`)).status).toBe(200);
    await withDatabase(databaseUrl, (db) => notifySubscribers(db, settings(), inMinutes(7), fetch));
    const calls = await batchCalls();
    expect(calls).toHaveLength(2);
    expect(calls[1]!.headers?.["idempotency-key"]).toBe(calls[0]!.headers?.["idempotency-key"]);
    // Four emails, once each: nothing new went out, whatever happened to the batch's members.
    expect((await vendors.emails()).flatMap((e) => e.to).sort()).toEqual(["a@example.com", "b@example.com", "c@example.com", "d@example.com"]);
    expect(await sql(databaseUrl, "SELECT DISTINCT status FROM subscriber_deliveries")).toEqual([{ status: "sent" }]);
    // And the one who unsubscribed hears nothing more.
    await admin("POST", "/api/admin/incidents", { component: "api", status: "degraded", message: "Also slow" });
    await withDatabase(databaseUrl, (db) => notifySubscribers(db, settings(), inMinutes(8), fetch));
    expect((await inboxes()).get(who.address)).toEqual(["Incident: CRM (degraded)"]);
  });
});

describe("what is announced", () => {
  it("resolves with the resolution's words, reminds again of a moved window, tells a component's subscribers it is no longer affected, and drops stale news", async () => {
    await addSubscriber("email", "db@example.com", ["database"]);
    await addSubscriber("email", "pay@example.com", ["stripe"]);
    const incident = await admin("POST", "/api/admin/incidents", { component: "stripe", status: "degraded", message: "Card payments are slow" });
    await admin("POST", `/api/admin/incidents/${incident.body.data.id}/resolve`, { message: "Fixed by rolling back" });
    const start = new Date(Math.ceil((Date.now() + 3 * 86_400_000) / 3_600_000) * 3_600_000);
    const window = await admin("POST", "/api/admin/maintenance", {
      title: "Upgrade",
      scheduledStart: start.toISOString(),
      scheduledEnd: new Date(start.getTime() + 3_600_000).toISOString(),
      components: ["database", "stripe"],
    });
    await runCron(EVERY_MINUTE, env(), new Date(start.getTime() - 23 * 3_600_000));
    const later = new Date(start.getTime() + 2 * 86_400_000);
    await admin("PATCH", `/api/admin/maintenance/${window.body.data.id}`, {
      scheduledStart: later.toISOString(),
      scheduledEnd: new Date(later.getTime() + 3_600_000).toISOString(),
      components: ["database"],
    });
    await runCron(EVERY_MINUTE, env(), new Date(start.getTime() - 22 * 3_600_000));
    await runCron(EVERY_MINUTE, env(), new Date(later.getTime() - 23 * 3_600_000));
    // News a day old that was never fanned out (subscriptions were off, say) goes to no one.
    await sql(
      databaseUrl,
      `INSERT INTO notification_events (kind, dedup_key, components, message, created_at)
       VALUES ('incident.opened', 'stale', '{database}', '{"type":"incident","id":"x","component":"database","componentName":"Database","status":"degraded","phase":"investigating","message":"old","startedAt":"2026-01-01T00:00:00Z","resolvedAt":null}', now() - interval '2 days')`,
    );
    await runCron(EVERY_MINUTE, env(), new Date(later.getTime() - 22 * 3_600_000));

    const emails = await vendors.emails();
    const to = (address: string) => emails.filter((e) => e.to.includes(address));
    const resolved = to("pay@example.com").find((e) => e.subject.includes("Resolved"))!;
    expect(resolved.text).toContain("Fixed by rolling back");
    expect(resolved.text).not.toContain("Card payments are slow");
    const subjects = (address: string) => to(address).map((e) => e.subject.replace("[Portal status] ", "").replace(/, \d.*$/, ""));
    expect(subjects("db@example.com")).toEqual(["Maintenance scheduled: Upgrade", "Tomorrow: Upgrade", "Maintenance scheduled: Upgrade", "Tomorrow: Upgrade"]);
    expect(subjects("pay@example.com")).toEqual([
      "Incident: Payments (degraded)",
      "Resolved: Payments",
      "Maintenance scheduled: Upgrade",
      "Tomorrow: Upgrade",
      "Maintenance scheduled: Upgrade",
    ]);
    expect(to("pay@example.com").at(-1)!.text).toContain("Affected: Database");
    expect(await sql(databaseUrl, "SELECT fanned_out_at IS NOT NULL AS done FROM notification_events WHERE dedup_key = 'stale'")).toEqual([{ done: true }]);
  });

  it("sends no day-before reminder for a window moved to start within a day: the notice of the move said when", async () => {
    await addSubscriber("email", "db@example.com", ["database"]);
    const start = new Date(Math.ceil((Date.now() + 3 * 86_400_000) / 3_600_000) * 3_600_000);
    const window = await admin("POST", "/api/admin/maintenance", {
      title: "Failover test",
      scheduledStart: start.toISOString(),
      scheduledEnd: new Date(start.getTime() + 3_600_000).toISOString(),
      components: ["database"],
    });
    const soon = new Date(Math.ceil((Date.now() + 3 * 3_600_000) / 60_000) * 60_000);
    await admin("PATCH", `/api/admin/maintenance/${window.body.data.id}`, {
      scheduledStart: soon.toISOString(),
      scheduledEnd: new Date(soon.getTime() + 3_600_000).toISOString(),
    });
    await runCron(EVERY_MINUTE, env(), inMinutes(1));
    await runCron(EVERY_MINUTE, env(), inMinutes(2));
    expect((await vendors.emails()).map((e) => e.subject.replace(/, \d.*$/, ""))).toEqual([
      "[Portal status] Maintenance scheduled: Failover test",
      "[Portal status] Maintenance scheduled: Failover test",
    ]);
  });
});

describe("admin", () => {
  it("finds, shows and removes subscribers, and the audit log keeps no address", async () => {
    const one = await addSubscriber("email", "Alice@Example.com", ["stripe"]);
    await addSubscriber("email", "bob@example.org");
    await addSubscriber("slack", "https://hooks.slack.com/services/T0/B0/x");
    expect((await admin("GET", "/api/admin/subscribers?search=example.COM")).body.data.map((s: { id: string }) => s.id)).toEqual([one]);
    expect((await admin("GET", "/api/admin/subscribers?search=%25")).body.data).toEqual([]);
    expect((await admin("GET", "/api/admin/subscribers?channel=slack")).body.data).toHaveLength(1);
    expect((await admin("GET", "/api/admin/subscribers?component=stripe")).body.data).toHaveLength(3); // two hear about everything
    expect((await admin("GET", "/api/admin/subscribers?component=twilio")).body.data).toHaveLength(2);
    const page1 = await admin("GET", "/api/admin/subscribers?limit=2");
    const page2 = await admin("GET", `/api/admin/subscribers?limit=2&before=${page1.body.data[1].id}`);
    expect([...page1.body.data, ...page2.body.data].map((s: { id: string }) => s.id).sort()).toHaveLength(3);
    expect((await admin("GET", "/api/admin/subscribers?status=nope")).status).toBe(400);
    expect((await admin("GET", "/api/admin/subscribers?limit=0")).status).toBe(400);
    expect((await admin("GET", "/api/admin/subscribers", undefined, { token: null })).status).toBe(401);

    expect((await admin("DELETE", `/api/admin/subscribers/${one}`)).body.data).toEqual({ id: one, deleted: true });
    expect((await admin("DELETE", `/api/admin/subscribers/${one}`)).status).toBe(404);
    expect((await admin("GET", `/api/admin/subscribers/${one}`)).status).toBe(404);
    expect((await admin("GET", "/api/admin/subscribers/not-a-uuid")).status).toBe(400);
    const audit = await admin("GET", "/api/admin/audit?entity=subscriber");
    expect(audit.body.data).toHaveLength(1);
    expect(audit.body.data[0]).toMatchObject({
      action: "subscriber.remove",
      entityKey: one,
      before: { channel: "email", status: "active", components: ["stripe"] },
    });
    expect(JSON.stringify(audit.body.data)).not.toMatch(/alice/i);
  });
});

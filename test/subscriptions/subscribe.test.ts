// Subscribing from the outside: the status page's form and JSON, double opt-in, one-click
// unsubscribe, and the abuse cases (enumeration, floods, forged links), through the Worker.
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { DAILY, EVERY_MINUTE } from "../../src/cron/scheduled.ts";
import { adminClient, ADMIN_TOKENS } from "../support/admin.ts";
import { callWorker, emptyTables, freshDatabase, runCron, sql, vendorScope } from "../support/harness.ts";

const SITE = "https://status.example.com";
let databaseUrl: string;
const vendors = vendorScope();
const subscriptionEnv = {
  SUBSCRIPTION_KEY: "test-subscription-key-0123456789",
  PUBLIC_URL: SITE,
  NOTIFY_FROM: "Portal status <status@mail.example.com>",
  SUBSCRIBE_RATE_LIMIT_PER_MINUTE: "1000000",
  AUTO_INCIDENTS: "off",
};
const env = (extra: Record<string, string> = {}) => ({ DATABASE_URL: databaseUrl, ...vendors.env, ...subscriptionEnv, ADMIN_TOKENS, ...extra });
const admin = adminClient(() => databaseUrl, { ...vendors.env, ...subscriptionEnv });

const form = (fields: [string, string][], ip = "198.51.100.7", extra: Record<string, string> = {}) =>
  callWorker("/subscribe", env(extra), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", "cf-connecting-ip": ip },
    body: new URLSearchParams(fields).toString(),
  });
const json = (body: unknown, ip = "198.51.100.8", extra: Record<string, string> = {}) =>
  callWorker("/subscribe", env(extra), { method: "POST", headers: { "content-type": "application/json", "cf-connecting-ip": ip }, body: JSON.stringify(body) });
/** The path and query of a link in a message, to call the Worker with. */
const linkIn = (text: string, path: string) => {
  const match = new RegExp(`${SITE.replace(/\./g, "\\.")}(${path}\\?token=[^\\s"<>]+)`).exec(text);
  if (!match) throw new Error(`no ${path} link in: ${text}`);
  return match[1]!;
};
const subscribers = () =>
  sql<{ id: string; channel: string; address: string; status: string; components: string[]; confirmed_at: Date | null }>(
    databaseUrl,
    "SELECT id, channel, address, status, components, confirmed_at FROM subscribers ORDER BY created_at",
  );
const at = (minutes: number) => new Date(Date.now() + minutes * 60_000);

beforeAll(async () => {
  databaseUrl = await freshDatabase();
});
beforeEach(async () => {
  await emptyTables(databaseUrl);
  await vendors.reset();
  await vendors.forget();
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe("subscribing by email", () => {
  it("sends nothing but a confirmation until the address confirms, then every message, until one click unsubscribes it", async () => {
    const response = await form([
      ["channel", "email"],
      ["address", " Ops@Example.com "],
      ["components", "stripe"],
      ["components", "email"],
    ]);
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(await response.text()).toContain("a confirmation is on its way");
    expect(await subscribers()).toMatchObject([
      { channel: "email", address: "ops@example.com", status: "pending", components: ["stripe", "email"], confirmed_at: null },
    ]);

    let emails = await vendors.emails();
    expect(emails).toHaveLength(1);
    expect(emails[0]).toMatchObject({
      from: "Portal status <status@mail.example.com>",
      to: ["ops@example.com"],
      subject: "[Portal status] Confirm your subscription",
    });
    expect(emails[0]!.text).toContain("Nothing is sent until you confirm");

    // An incident while unconfirmed: nothing reaches the address.
    const opened = await admin("POST", "/api/admin/incidents", { component: "stripe", status: "degraded", message: "Card payments are slow" });
    expect(opened.status).toBe(201);
    await runCron(EVERY_MINUTE, env(), at(1));
    expect(await vendors.emails()).toHaveLength(1);

    // Opening the link (as a mail scanner would) confirms nothing; the button does.
    const preview = await callWorker(linkIn(emails[0]!.text!, "/subscriptions/confirm"), env());
    expect(preview.status).toBe(200);
    expect(await preview.text()).toContain("Confirm subscription</button>");
    expect((await subscribers())[0]).toMatchObject({ status: "pending" });
    const confirmed = await callWorker(linkIn(emails[0]!.text!, "/subscriptions/confirm"), env(), { method: "POST" });
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain("You are subscribed");
    expect((await subscribers())[0]).toMatchObject({ status: "active" });
    expect((await subscribers())[0]!.confirmed_at).not.toBeNull();

    // Confirmed: the next update arrives, once, with a plain-text part and RFC 8058 headers.
    await admin("PATCH", `/api/admin/incidents/${opened.body.data.id}`, { phase: "identified", message: "A fix is being deployed" });
    await runCron(EVERY_MINUTE, env(), at(2));
    await runCron(EVERY_MINUTE, env(), at(3));
    emails = await vendors.emails();
    expect(emails).toHaveLength(2);
    const update = emails[1]!;
    expect(update.to).toEqual(["ops@example.com"]);
    expect(update.subject).toBe("[Portal status] Update: Payments (identified)");
    expect(update.text).toContain("A fix is being deployed");
    expect(update.text).toContain("Affected: Payments");
    expect(update.text).toContain(`Status page: ${SITE}`);
    expect(update.html).toContain("A fix is being deployed");
    expect(update.headers?.["List-Unsubscribe-Post"]).toBe("List-Unsubscribe=One-Click");
    const listUnsubscribe = update.headers?.["List-Unsubscribe"] ?? "";
    expect(listUnsubscribe).toMatch(/^<https:\/\/status\.example\.com\/subscriptions\/unsubscribe\?token=[^>]+>$/);
    expect(update.text).toContain(listUnsubscribe.slice(1, -1));

    // One click, as a mail client does it (RFC 8058): a POST with List-Unsubscribe=One-Click.
    const oneClick = await callWorker(linkIn(listUnsubscribe, "/subscriptions/unsubscribe"), env(), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "List-Unsubscribe=One-Click",
    });
    expect(oneClick.status).toBe(200);
    expect((await subscribers())[0]).toMatchObject({ status: "unsubscribed" });
    await admin("POST", `/api/admin/incidents/${opened.body.data.id}/resolve`, { message: "Fixed" });
    await runCron(EVERY_MINUTE, env(), at(4));
    expect(await vendors.emails()).toHaveLength(2);

    // The link in the body opens a page with a button (link scanners do not unsubscribe anyone).
    const page = await callWorker(linkIn(update.text!, "/subscriptions/unsubscribe"), env());
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<form method="post" action="\/subscriptions\/unsubscribe\?token=/);
  });

  it("answers the same whether or not the address is known, and resends a pending confirmation at most once an hour", async () => {
    const first = await form([["address", "known@example.com"]]);
    const firstText = await first.text();
    const again = await form([["address", "KNOWN@example.com"]]);
    const unknown = await form([["address", "someone-else@example.com"]]);
    expect([again.status, unknown.status]).toEqual([first.status, first.status]);
    expect(await again.text()).toBe(firstText);
    expect(await unknown.text()).toBe(firstText);
    const jsonKnown = await json({ address: "known@example.com" });
    const jsonUnknown = await json({ address: "third@example.com" });
    expect(jsonKnown.status).toBe(202);
    expect(await jsonKnown.json()).toEqual(await jsonUnknown.json());
    // Confirmations: one per address, not one per request.
    expect((await vendors.emails()).map((e) => e.to[0]).sort()).toEqual(["known@example.com", "someone-else@example.com", "third@example.com"]);
    expect(await subscribers()).toHaveLength(3);

    // An active subscriber asking again changes nothing and is sent nothing.
    const known = (await subscribers()).find((s) => s.address === "known@example.com")!;
    await sql(databaseUrl, "UPDATE subscribers SET status = 'active', confirmed_at = now() WHERE id = $1", [known.id]);
    const active = await form([
      ["address", "known@example.com"],
      ["components", "twilio"],
    ]);
    expect(await active.text()).toBe(firstText);
    expect((await subscribers()).find((s) => s.id === known.id)).toMatchObject({ status: "active", components: [] });
    expect(await vendors.emails()).toHaveLength(3);
  });

  it("refuses a flood from one client with 429, and other clients are not affected", async () => {
    const limited = { SUBSCRIBE_RATE_LIMIT_PER_MINUTE: "5" };
    const ip = `203.0.113.${Math.floor(Math.random() * 200) + 20}`;
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await form([["address", `flood${i}@example.com`]], ip, limited)).status);
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses.slice(5)).toEqual([429, 429, 429]);
    const refused = await form([["address", "flood-more@example.com"]], ip, limited);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await subscribers()).toHaveLength(5);
    expect((await form([["address", "other@example.com"]], "192.0.2.99", limited)).status).toBe(200);
  });

  it("refuses bad input with the field named and writes nothing", async () => {
    const cases: [unknown, string][] = [
      [{ address: "not-an-email" }, "address"],
      [{ address: "a@b" }, "address"],
      [{ channel: "webhook", address: "http://hooks.example.com/x" }, "address"],
      [{ channel: "webhook", address: "ftp://example.com/x" }, "address"],
      [{ channel: "slack", address: "javascript:alert(1)" }, "address"],
      [{ address: "ok@example.com", components: ["nope"] }, "components"],
      [{ address: "ok@example.com", components: "stripe" }, "components"],
      [{ channel: "pigeon", address: "ok@example.com" }, "channel"],
      [{ address: `${"x".repeat(250)}@example.com` }, "address"],
      [{ address: "ok\u0000@example.com" }, "address"],
      [[], "request"],
      [null, "request"],
    ];
    for (const [body, field] of cases) {
      const response = await json(body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      const answer = (await response.json()) as { success: boolean; error: { code: string; message: string } };
      expect(answer.success).toBe(false);
      expect(answer.error.code).toBe("VALIDATION_ERROR");
      expect(answer.error.message.startsWith(field), answer.error.message).toBe(true);
    }
    const broken = await callWorker("/subscribe", env(), { method: "POST", headers: { "content-type": "application/json" }, body: "{nope" });
    expect(broken.status).toBe(400);
    const huge = await json({ address: "a@example.com", padding: "x".repeat(20_000) });
    expect(huge.status).toBe(413);
    expect(((await huge.json()) as { error: { code: string } }).error.code).toBe("PAYLOAD_TOO_LARGE");
    const noBoundary = await callWorker("/subscribe", env(), { method: "POST", headers: { "content-type": "multipart/form-data" }, body: "address=x" });
    expect(noBoundary.status).toBe(400);
    const formBad = await form([["address", "nope"]]);
    expect(formBad.status).toBe(400);
    expect(await formBad.text()).toContain("address: is not an email address");
    expect(await subscribers()).toEqual([]);
    expect(await vendors.emails()).toEqual([]);
  });

  it("refuses forged, altered and expired links", async () => {
    await form([["address", "links@example.com"]]);
    const [email] = await vendors.emails();
    const confirm = linkIn(email!.text!, "/subscriptions/confirm");
    const [id] = (await subscribers()).map((s) => s.id);
    const altered = confirm.replace(/\.([A-Za-z0-9_-]{24})$/, (_, sig: string) => `.${sig[0] === "A" ? "B" : "A"}${sig.slice(1)}`);
    for (const [path, method] of [
      altered,
      `/subscriptions/confirm?token=${id}.0.AAAAAAAAAAAAAAAAAAAAAAAA`,
      "/subscriptions/confirm?token=",
      "/subscriptions/confirm",
      `/subscriptions/confirm?token=${encodeURIComponent("' OR 1=1 --")}`,
    ].flatMap((p) => [
      [p, "GET"],
      [p, "POST"],
    ])) {
      const response = await callWorker(path!, env(), { method });
      expect(response.status, `${method} ${path}`).toBe(400);
    }
    // Signed with another key (another deployment's link): refused.
    expect((await callWorker(confirm, env({ SUBSCRIPTION_KEY: "another-key-entirely-0123456789" }), { method: "POST" })).status).toBe(400);
    // A confirmation link expires after 7 days.
    vi.useFakeTimers({ now: Date.now() + 8 * 86_400_000, toFake: ["Date"] });
    try {
      expect((await callWorker(confirm, env(), { method: "POST" })).status).toBe(400);
    } finally {
      vi.useRealTimers();
    }
    expect((await subscribers())[0]).toMatchObject({ status: "pending" });
    // An unsubscribe token is not a confirmation token, nor the other way round.
    expect((await callWorker(confirm.replace("/confirm", "/unsubscribe"), env(), { method: "POST" })).status).toBe(400);
    expect((await callWorker(confirm, env(), { method: "POST" })).status).toBe(200);
    expect((await subscribers())[0]).toMatchObject({ status: "active" });
  });

  it("is off, and says so, without a key or a public URL, and the page offers no form then", async () => {
    const off = await json({ address: "x@example.com" }, "198.51.100.9", { SUBSCRIPTION_KEY: "" });
    expect(off.status).toBe(503);
    expect(((await off.json()) as { error: { code: string } }).error.code).toBe("SUBSCRIPTIONS_OFF");
    expect((await json({ address: "x@example.com" }, "198.51.100.9", { PUBLIC_URL: "" })).status).toBe(503);
    expect(await (await callWorker("/", env({ SUBSCRIPTION_KEY: "" }))).text()).not.toContain('action="/subscribe"');
    const page = await (await callWorker("/", env())).text();
    expect(page).toContain('<form class="card subscribe" method="post" action="/subscribe">');
    expect(page).toContain('value="stripe"');
    // Without a sender, email is not offered; webhooks still are.
    const noEmail = await json({ address: "x@example.com" }, "198.51.100.9", { NOTIFY_FROM: "" });
    expect(noEmail.status).toBe(400);
    expect(await (await callWorker("/", env({ NOTIFY_FROM: "" }))).text()).not.toContain('name="channel" value="email"');
  });
});

describe("while the database is down", () => {
  it("answers 503 DATABASE_UNAVAILABLE with Retry-After, and sends nothing", async () => {
    const down = { DATABASE_URL: "postgresql://u:p@127.0.0.1:1/down" };
    const response = await json({ address: "during-outage@example.com" }, "198.51.100.30", down);
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("30");
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("DATABASE_UNAVAILABLE");
    expect((await callWorker("/subscriptions/confirm?token=x", env(down), { method: "POST" })).status).toBe(400);
    expect(await vendors.emails()).toEqual([]);
  });
});

describe("subscribing a webhook or Slack", () => {
  it("sends the webhook its confirmation link and signing secret, once, and nothing else until it confirms", async () => {
    const url = vendors.hookUrl("receiver");
    expect((await json({ channel: "webhook", address: url, components: ["database"] })).status).toBe(202);
    expect((await json({ channel: "slack", address: vendors.hookUrl("slack") })).status).toBe(202);
    const hooks = (await vendors.requests()).filter((r) => r.vendor === "hooks");
    expect(hooks.map((h) => h.path).sort()).toEqual(["/receiver", "/slack"]);
    const confirmation = hooks.find((h) => h.path === "/receiver")!;
    expect(confirmation.headers?.["phs-event-type"]).toBe("subscription.confirmation");
    expect(confirmation.body.data.confirm_method).toBe("POST");
    expect(confirmation.body.data.signing_secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(confirmation.body.data.confirm_url.startsWith(`${SITE}/subscriptions/confirm?token=`)).toBe(true);
    expect(hooks.find((h) => h.path === "/slack")!.body.text).toContain("/subscriptions/confirm?token=");
    // A URL is stored as its parser writes it (ASCII), and must fit once encoded.
    const wide = `https://hooks.example.com/${"漢".repeat(200)}`;
    expect((await json({ channel: "webhook", address: wide })).status).toBe(202);
    const encoded = new URL(wide).href;
    expect(encoded).toMatch(/^[\x21-\x7e]+$/);
    expect(await sql(databaseUrl, "SELECT count(*)::int AS n FROM subscribers WHERE address = $1", [encoded])).toEqual([{ n: 1 }]);
    const tooWide = await json({ channel: "webhook", address: `https://hooks.example.com/${"漢".repeat(1500)}` });
    expect(tooWide.status).toBe(400);
    expect(((await tooWide.json()) as { error: { message: string } }).error.message).toBe("address: is too long once encoded (at most 2048 characters)");
    // URLs keep their case: one differing only in case is another subscriber.
    expect((await json({ channel: "webhook", address: url.replace("receiver", "Receiver") })).status).toBe(202);
    expect((await sql(databaseUrl, "SELECT count(*)::int AS n FROM subscribers WHERE channel = 'webhook'"))[0]).toEqual({ n: 3 });
    // The secret is not stored: no column holds it.
    const [row] = await sql<Record<string, unknown>>(databaseUrl, "SELECT * FROM subscribers WHERE channel = 'webhook'");
    expect(JSON.stringify(row)).not.toContain(confirmation.body.data.signing_secret);
  });
});

describe("privacy", () => {
  it("never shows subscriber data or counts in public answers or logs", async () => {
    const logged: string[] = [];
    for (const method of ["log", "info", "warn", "error"] as const) vi.spyOn(console, method).mockImplementation((...args) => void logged.push(args.join(" ")));
    await form([["address", "private.person@example.com"]]);
    const [s] = await subscribers();
    await sql(databaseUrl, "UPDATE subscribers SET status = 'active', confirmed_at = now() WHERE id = $1", [s!.id]);
    await admin("POST", "/api/admin/incidents", { component: "stripe", status: "degraded", message: "Slow" });
    await runCron(EVERY_MINUTE, env(), at(1));
    for (const path of [
      "/",
      "/api/v2/summary.json",
      "/feed.rss",
      "/feed.atom",
      "/maintenance.ics",
      "/api/portal/status",
      "/api/portal/health",
      "/api/openapi.json",
    ]) {
      const text = await (await callWorker(path, env())).text();
      expect(text, path).not.toContain("private.person");
      if (path !== "/api/openapi.json") expect(text, path).not.toMatch(/subscriber/i);
    }
    expect(logged.join("\n")).not.toContain("private.person");
    // The read-only role, which every public answer uses, cannot read subscribers at all.
    expect((await vendors.emails()).length).toBe(2);
  });

  it("deletes unconfirmed and unsubscribed addresses after the retention period, and keeps active ones", async () => {
    await sql(
      databaseUrl,
      `INSERT INTO subscribers (channel, address, status, confirmation_sent_at, confirmed_at, unsubscribed_at, created_at) VALUES
        ('email', 'pending-old@example.com', 'pending', now() - interval '31 days', NULL, NULL, now() - interval '31 days'),
        ('email', 'pending-new@example.com', 'pending', now() - interval '2 days', NULL, NULL, now() - interval '2 days'),
        ('email', 'gone-old@example.com', 'unsubscribed', now() - interval '90 days', now() - interval '90 days', now() - interval '31 days', now() - interval '90 days'),
        ('email', 'gone-new@example.com', 'unsubscribed', now() - interval '90 days', now() - interval '90 days', now() - interval '1 day', now() - interval '90 days'),
        ('email', 'active-old@example.com', 'active', now() - interval '400 days', now() - interval '400 days', NULL, now() - interval '400 days')`,
    );
    await runCron(DAILY, env(), new Date());
    expect((await subscribers()).map((s) => s.address).sort()).toEqual(["active-old@example.com", "gone-new@example.com", "pending-new@example.com"]);
  });
});

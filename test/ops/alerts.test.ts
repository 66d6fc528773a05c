import { beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { violatingSince, type ProbeRound } from "../../src/alerts/conditions.ts";
import { backoffMs, MAX_ATTEMPTS } from "../../src/alerts/deliver.ts";
import { DAILY_REPORT, EVERY_MINUTE, WEEKLY } from "../../src/cron/scheduled.ts";
import { evaluateAlerts } from "../../src/alerts/evaluate-alerts.ts";
import { emptyTables, freshDatabase, runCron, sql, vendorScope, withDatabase } from "../support/harness.ts";

describe("alert conditions", () => {
  const round = (minute: number, components: Record<string, [string, number]>): ProbeRound => ({
    at: new Date(Date.UTC(2030, 0, 1, 0, minute)),
    components: Object.fromEntries(Object.entries(components).map(([name, [status, ms]]) => [name, { status: status as "healthy", responseTimeMs: ms }])),
  });
  const healthy = { api: ["healthy", 5], database: ["healthy", 50], stripe: ["healthy", 100], twilio: ["healthy", 100], email: ["healthy", 100] } as Record<
    string,
    [string, number]
  >;

  it("finds the start of the unbroken violating run ending now", () => {
    const rounds = [
      round(3, { ...healthy, database: ["healthy", 1500] }),
      round(2, { ...healthy, database: ["healthy", 1200] }),
      round(1, healthy),
      round(0, { ...healthy, database: ["healthy", 1800] }),
    ];
    const slow = { target: "database", condition: "slow" as const, thresholdMs: 1000 };
    expect(violatingSince(slow, rounds)).toEqual(rounds[1]!.at);
    expect(violatingSince(slow, rounds.slice(2))).toBeNull();
    expect(violatingSince({ target: "any", condition: "degraded", thresholdMs: null }, [round(0, { ...healthy, email: ["degraded", 2500] })])).not.toBeNull();
    const overall = { target: "overall", condition: "major_outage" as const, thresholdMs: null };
    expect(violatingSince(overall, [round(0, { ...healthy, stripe: ["unhealthy", 0], email: ["unhealthy", 0] })])).not.toBeNull();
    expect(violatingSince(overall, [round(0, { ...healthy, stripe: ["unhealthy", 0] })])).toBeNull();
  });

  it("backs off 1, 2, 4 … minutes, capped at an hour", () => {
    expect([1, 2, 3, 4, 7, 8, 20].map((n) => backoffMs(n) / 60_000)).toEqual([1, 2, 4, 8, 60, 60, 60]);
  });
});

describe("alerting through the every-minute cron", () => {
  let databaseUrl: string;
  const vendors = vendorScope();
  const at = (minute: number) => new Date(Date.UTC(2030, 6, 1, 8, minute));
  const env = (extra: Record<string, string> = {}) => ({ DATABASE_URL: databaseUrl, ...vendors.env, ...vendors.hooks, AUTO_INCIDENTS: "off", ...extra });
  const hooks = async () => (await vendors.requests()).filter((r) => r.vendor === "hooks");
  const notifications = () =>
    sql<{ event: string; channel: string; status: string; attempts: number; next_attempt_at: Date; last_error: string | null; rule: string }>(
      databaseUrl,
      "SELECT n.*, r.name AS rule FROM alert_notifications n LEFT JOIN alert_rules r ON r.id = n.rule_id ORDER BY n.created_at, n.channel",
    );

  beforeAll(async () => {
    databaseUrl = await freshDatabase();
  });
  beforeEach(async () => {
    await emptyTables(databaseUrl);
    await vendors.reset();
  });

  it("pages once when Stripe has been down 5 minutes, and resolves once when it recovers", async () => {
    await vendors.set("stripe", { failure: "500" });
    for (let minute = 0; minute < 5; minute++) await runCron(EVERY_MINUTE, env(), at(minute));
    expect(await hooks()).toEqual([]);
    await runCron(EVERY_MINUTE, env(), at(5));
    const fired = await hooks();
    const paths = fired.map((h) => h.path).sort();
    // Payment Processing Down (page: PagerDuty + webhook) and Partial Outage (warn: Slack + webhook).
    expect(paths).toEqual(["/pagerduty", "/slack", "/webhook", "/webhook"]);
    const page = fired.find((h) => h.path === "/pagerduty")!.body;
    expect(page).toMatchObject({
      routing_key: "R0UTINGKEYFORTESTS0000000000000",
      event_action: "trigger",
      dedup_key: expect.stringMatching(/^phs-/),
      payload: { severity: "critical", source: "portal-health-status", component: "stripe", summary: expect.stringContaining("Payment Processing Down") },
    });
    expect(fired.find((h) => h.path === "/slack")!.body.text).toContain("[WARN] Partial Outage");
    expect(fired.filter((h) => h.path === "/webhook").map((h) => h.body.event)).toEqual(["alert.triggered", "alert.triggered"]);

    // Still down: no second notification, however often the cron runs.
    await Promise.all([runCron(EVERY_MINUTE, env(), at(6)), runCron(EVERY_MINUTE, env(), at(6))]);
    expect(await hooks()).toHaveLength(4);

    await vendors.set("stripe", { failure: null });
    await runCron(EVERY_MINUTE, env(), at(7));
    const all = await hooks();
    const resolve = all.slice(4).find((h) => h.path === "/pagerduty")!.body;
    expect(resolve).toEqual({ routing_key: "R0UTINGKEYFORTESTS0000000000000", event_action: "resolve", dedup_key: page.dedup_key });
    expect(
      all
        .slice(4)
        .map((h) => h.path)
        .sort(),
    ).toEqual(["/pagerduty", "/slack", "/webhook", "/webhook"]);
    await runCron(EVERY_MINUTE, env(), at(8));
    expect(await hooks()).toHaveLength(8);
    expect((await notifications()).every((n) => n.status === "sent")).toBe(true);
  });

  it("fires Slow Database from logged response times after 15 minutes", async () => {
    for (let minute = 0; minute <= 15; minute++) {
      await sql(databaseUrl, "INSERT INTO health_check_logs (component, status, response_time_ms, checked_at) VALUES ('database', 'degraded', 1400, $1)", [
        at(minute),
      ]);
    }
    // The evaluation alone: the cron's own probe round would add a fast check at "now".
    const run = await withDatabase(databaseUrl, (db) => evaluateAlerts(db, new Date(at(15).getTime() + 30_000)));
    expect(run.fired.sort()).toEqual(["Degraded Performance", "Slow Database"]);
    const fired = (await notifications()).filter((n) => n.event === "alert.trigger").map((n) => n.rule);
    expect(fired).toContain("Slow Database");
    expect(fired).toContain("Degraded Performance");
  });

  it("retries a failed delivery with backoff on later runs, and never loses it", async () => {
    await vendors.set("hooks", { failure: "500" });
    await vendors.set("stripe", { failure: "500" });
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    for (let minute = 0; minute <= 5; minute++) await runCron(EVERY_MINUTE, env(), at(minute));
    let pending = await notifications();
    expect(pending.length).toBe(4);
    expect(pending.every((n) => n.status === "pending" && n.attempts === 1 && n.last_error === "HTTP 500 from the channel")).toBe(true);
    expect(pending[0]!.next_attempt_at).toEqual(new Date(at(5).getTime() + 60_000));

    await vendors.set("hooks", { failure: null });
    await runCron(EVERY_MINUTE, env(), new Date(at(5).getTime() + 30_000)); // before the retry time: nothing sent
    expect((await notifications()).every((n) => n.status === "pending")).toBe(true);
    await runCron(EVERY_MINUTE, env(), at(6));
    pending = await notifications();
    expect(pending.every((n) => n.status === "sent" && n.attempts === 2)).toBe(true);
    warn.mockRestore();
  });

  it(`marks a notification failed after ${MAX_ATTEMPTS} attempts and logs an error`, async () => {
    await sql(
      databaseUrl,
      "INSERT INTO alert_notifications (event, channel, payload, attempts, next_attempt_at) VALUES ('alert.trigger', 'webhook', '{}'::jsonb, $1, $2)",
      [MAX_ATTEMPTS - 1, at(0)],
    );
    await vendors.set("hooks", { failure: "500" });
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    vi.spyOn(console, "warn").mockImplementation(() => {});
    await runCron(EVERY_MINUTE, env(), at(1));
    const lines = errors.mock.calls.map((args) => JSON.parse(String(args[0])));
    vi.restoreAllMocks();
    expect((await notifications())[0]).toMatchObject({ status: "failed", attempts: MAX_ATTEMPTS });
    expect(lines.some((l) => l.event === "alert_delivery_failed")).toBe(true);
  });

  it("never lets a resolve overtake its trigger, even when the trigger waits on a retry", async () => {
    const [rule] = await sql<{ id: string }>(databaseUrl, "SELECT id FROM alert_rules ORDER BY name LIMIT 1");
    // The trigger (from the outage buffer, say) is backing off; the resolve is due now.
    await sql(
      databaseUrl,
      `INSERT INTO alert_notifications (rule_id, event, channel, payload, attempts, next_attempt_at, created_at) VALUES
         ($1, 'alert.trigger', 'webhook', '{"n":"trigger"}'::jsonb, 1, $2, $3),
         ($1, 'alert.resolve', 'webhook', '{"n":"resolve"}'::jsonb, 0, $3, $4)`,
      [rule!.id, at(10), at(0), at(1)],
    );
    const earlier = (await hooks()).length; // this file's scope keeps what earlier tests received
    const received = async () => (await hooks()).slice(earlier).filter((h) => h.path === "/webhook");
    await runCron(EVERY_MINUTE, env(), at(2));
    expect(await received()).toEqual([]);
    await runCron(EVERY_MINUTE, env(), at(10)); // the trigger first
    await runCron(EVERY_MINUTE, env(), at(11)); // then the resolve
    expect((await received()).map((h) => h.body.n)).toEqual(["trigger", "resolve"]);
  });

  it("skips, and logs, a channel that is not configured", async () => {
    await vendors.set("stripe", { failure: "500" });
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    for (let minute = 0; minute <= 5; minute++) await runCron(EVERY_MINUTE, env({ PAGERDUTY_ROUTING_KEY: "" }), at(minute));
    const lines = warn.mock.calls.map((args) => JSON.parse(String(args[0])));
    warn.mockRestore();
    const page = (await notifications()).find((n) => n.channel === "pagerduty")!;
    expect(page).toMatchObject({ status: "skipped", last_error: "channel pagerduty is not configured" });
    expect(lines.some((l) => l.event === "alert_channel_not_configured")).toBe(true);
  });

  it("sends the weekly flag audit to the chat and webhook channels", async () => {
    await sql(
      databaseUrl,
      "INSERT INTO feature_flags (key, name, enabled, rollout_percentage, full_rollout_since) VALUES ('portal_done', 'Done', true, 100, $1)",
      [new Date(at(0).getTime() - 20 * 86_400_000)],
    );
    // Run twice (a retried or overlapping trigger): posted once.
    await runCron(WEEKLY, env(), at(0));
    await runCron(WEEKLY, env(), at(0));
    await runCron(EVERY_MINUTE, env(), at(1));
    const sent = (await hooks()).filter((h) => h.body?.event === "report" || String(h.body?.text ?? "").includes("audit"));
    expect(sent.map((h) => h.path).sort()).toEqual(["/slack", "/webhook"]);
    expect(JSON.stringify(sent)).toContain("portal_done (20 d)");
  });

  it("posts the daily health report at 09:00 UTC, for the day before, once", async () => {
    const morning = new Date("2030-06-02T09:00:00Z");
    await sql(
      databaseUrl,
      "INSERT INTO health_check_logs (component, status, response_time_ms, checked_at) VALUES ('stripe', 'healthy', 120, '2030-06-01T12:00:00Z')",
    );
    await runCron(DAILY_REPORT, env(), morning);
    await runCron(DAILY_REPORT, env(), new Date(morning.getTime() + 30_000));
    await runCron(EVERY_MINUTE, env(), new Date(morning.getTime() + 60_000));
    const sent = (await hooks()).filter((h) => JSON.stringify(h.body ?? "").includes("Daily health report"));
    expect(sent.map((h) => h.path).sort()).toEqual(["/slack", "/webhook"]);
    const webhook = sent.find((h) => h.path === "/webhook")!.body;
    expect(webhook).toMatchObject({ title: "Daily health report, 2030-06-01", data: { date: "2030-06-01" } });
    expect(webhook.lines).toContain("stripe: 100.000 % up, p50 120 ms, p95 120 ms (1 checks)");
  });
});

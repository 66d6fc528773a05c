// The service through a database outage, on the real chain: the relay refuses (or holds)
// every connection to this test's database while the every-minute cron keeps running at
// simulated minutes. Every public answer stays up and says the database is down; probe
// rounds go to the outage buffer (a Durable Object) and come back exactly once; the
// critical alerts page from the buffer and resolve once.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { EVERY_MINUTE, runScheduled, type CronOutcome } from "../../src/cron/scheduled.ts";
import { forgetMemoryCache } from "../../src/edge/edge-cache.ts";
import type { Env } from "../../src/env.ts";
import { resetDatabaseBreaker } from "../../src/db/breaker.ts";
import { forgetLastKnown } from "../../src/outage/last-known.ts";
import { outageBuffer } from "../../src/outage/buffer-client.ts";
import { loadPageData } from "../../src/status-page/page-data.ts";
import { callWorker, databaseFault, freshDatabase, harness, sql, TEST_DEFAULTS, vendorScope, withDatabase } from "../support/harness.ts";

const MINUTE = 60_000;
let databaseUrl: string;
const vendors = vendorScope();
const baseEnv = () => ({ ...harness, ...TEST_DEFAULTS, DATABASE_URL: databaseUrl, ...vendors.env, ...vendors.hooks }) as Env;
const cron = (at: Date, extra: Partial<Env> = {}) => runScheduled(EVERY_MINUTE, { ...baseEnv(), ...extra } as Env, at);
const get = (path: string, extra: Partial<Env> = {}) => callWorker(path, { DATABASE_URL: databaseUrl, ...vendors.env, ...extra });
const pages = async () =>
  (await vendors.requests())
    .filter((r) => r.vendor === "hooks" && r.path.endsWith("/pagerduty"))
    .map((r) => r.body as { event_action: string; dedup_key: string; payload?: { summary: string } });
const quietly = () => {
  for (const level of ["log", "warn", "error"] as const) vi.spyOn(console, level).mockImplementation(() => {});
};

beforeEach(async () => {
  databaseUrl = await freshDatabase();
  await vendors.reset();
  forgetLastKnown();
  forgetMemoryCache();
  resetDatabaseBreaker();
});
afterEach(async () => {
  await databaseFault(databaseUrl, null);
  vi.restoreAllMocks();
});

/** Every public URL, as an outside client would fetch them. */
const PUBLIC_PATHS = [
  "/",
  "/api/portal/status",
  "/api/v2/summary.json",
  "/api/v2/status.json",
  "/api/v2/components.json",
  "/api/v2/incidents.json",
  "/api/v2/incidents/unresolved.json",
  "/api/v2/scheduled-maintenances.json",
  "/api/v2/scheduled-maintenances/upcoming.json",
  "/api/v2/scheduled-maintenances/active.json",
  "/feed.rss",
  "/feed.atom",
  "/maintenance.ics",
  "/badge.svg",
  "/badge.svg?component=database",
];

describe("a database refusing connections for ten minutes, with the cron running", () => {
  it("keeps every public answer up and honest, buffers every round, pages once, and back-fills exactly once", async () => {
    quietly();
    // 23:54 on the 1st: one healthy run (it also leaves the last known state in the buffer).
    const t = (minute: number) => new Date(Date.UTC(2030, 2, 1, 23, 54) + minute * MINUTE);
    await sql(databaseUrl, "INSERT INTO feature_flags (key, name, enabled, rollout_percentage) VALUES ('portal_analytics', 'Analytics', true, 100)");
    await sql(
      databaseUrl,
      "INSERT INTO system_status (component, status, message, started_at, resolved_at) VALUES ('email', 'degraded', 'Slow email last week', now() - interval '3 days', now() - interval '3 days' + interval '1 hour')",
    );
    await sql(databaseUrl, "INSERT INTO maintenance_windows (title, scheduled_start, scheduled_end) VALUES ('Database upgrade', $1, $2)", [
      new Date(t(0).getTime() + 72 * 60 * MINUTE),
      new Date(t(0).getTime() + 74 * 60 * MINUTE),
    ]);
    const before = await cron(t(0));
    expect(Object.values(before.results).every((r) => r.ok)).toBe(true);
    // A cold isolate: nothing remembered here, only what the buffer keeps.
    forgetLastKnown();

    await databaseFault(databaseUrl, { refuse: true });
    const runs: CronOutcome[] = [];
    for (let minute = 1; minute <= 10; minute++) {
      // Stripe fails too for three of the minutes: a major outage.
      await vendors.set("stripe", { failure: minute >= 4 && minute <= 6 ? "500" : null });
      runs.push(await cron(t(minute)));

      if (minute === 5) {
        // Mid-outage, every public URL answers 200 and shows the database down.
        for (const path of PUBLIC_PATHS) {
          const response = await get(path);
          expect(response.status, path).toBe(200);
          expect(response.headers.get("cache-control"), path).toBe("no-store");
          expect(response.headers.get("age"), path).toMatch(/^\d+$/);
          const text = await response.text();
          expect(text, path).not.toContain("127.0.0.1");
          expect(text, path).not.toContain(new URL(databaseUrl).pathname.slice(1));
        }
        const page = await (await get("/")).text();
        expect(page).toMatch(/Live data unavailable since \d\d:\d\d UTC<\/strong> — showing the last known state/);
        expect(page).not.toContain("All Systems Operational");
        expect(page).toContain("Database upgrade"); // from the last known state
        const summary = (await (await get("/api/v2/summary.json")).json()) as any;
        expect(summary).toMatchObject({ stale: true, generatedAt: t(0).toISOString() });
        expect(summary.components.find((c: { id: string }) => c.id === "database").status).toBe("major_outage");
        expect(summary.status.indicator).not.toBe("none");
        const status = (await (await get("/api/portal/status")).json()) as any;
        expect(status).toMatchObject({ stale: true, data: { featureFlags: { portal_analytics: true }, upcomingMaintenance: [{ title: "Database upgrade" }] } });
        expect(status.data.systemStatus).toBe("major_outage"); // database and Stripe down, live
        expect(await (await get("/badge.svg")).text()).toContain("major system outage");
        expect(await (await get("/badge.svg?component=database")).text()).toContain("major outage");
        const health = await get("/api/portal/health", { HEALTH_DB_UNHEALTHY_MS: "600" });
        expect(health.status).toBe(503);
        expect(((await health.json()) as any).data.components.database).toMatchObject({ status: "unhealthy", message: "unreachable" });
        expect(health.elapsedMs).toBeLessThan(600 + 1500);
      }
    }
    // Every outage run kept its round in the buffer and skipped the jobs that need Postgres.
    for (const run of runs) {
      expect(run.results.health_checks).toMatchObject({ ok: true, result: { database: "down", reason: "unreachable" } });
      expect(run.results.alerts).toMatchObject({ ok: false, skipped: true });
    }
    expect((runs.at(-1)!.results.health_checks as any).result.buffered).toBe(10);
    // Paged from the buffer: Database Unhealthy after 2 minutes, Major Outage after 1, and
    // Major Outage resolved once Stripe came back — all while Postgres was down.
    const during = await pages();
    expect(during.map((p) => `${p.event_action} ${p.payload?.summary.split(":")[0] ?? ""}`.trim())).toEqual([
      "trigger Database Unhealthy",
      "trigger Major Outage",
      "resolve",
    ]);
    expect(during[2]!.dedup_key).toBe(during[1]!.dedup_key);
    expect(runs[2]!.results.health_checks).toMatchObject({ result: { fired: ["Database Unhealthy"] } });

    // Recovery at 00:05 on the 2nd.
    await databaseFault(databaseUrl, null);
    const recovery = await cron(t(11));
    expect(recovery.results.health_checks).toMatchObject({ ok: true, result: { database: "up", buffer: { rounds: 10, rows: 50, alerts: 2 } } });
    expect(Object.values(recovery.results).every((r) => r.ok)).toBe(true);
    await cron(t(12));

    // Every buffered row exactly once, in health_check_logs, marked as back-filled.
    const rows = await sql<{ n: number; buffered: number; rounds: number }>(
      databaseUrl,
      "SELECT count(*)::int AS n, (count(*) FILTER (WHERE metadata->>'buffered' = 'true'))::int AS buffered, count(DISTINCT checked_at)::int AS rounds FROM health_check_logs",
    );
    expect(rows).toEqual([{ n: 13 * 5, buffered: 50, rounds: 13 }]);
    const database = await sql<{ status: string; error_message: string | null }>(
      databaseUrl,
      "SELECT status, error_message FROM health_check_logs WHERE component = 'database' ORDER BY checked_at",
    );
    expect(database.map((r) => r.status)).toEqual(["healthy", ...Array(10).fill("unhealthy"), "healthy", "healthy"]);
    expect(database[1]!.error_message).toBe("unreachable");

    // One resolve for Database Unhealthy, sent through Postgres's outbox with the buffer's key.
    const all = await pages();
    expect(all).toHaveLength(4);
    expect(all[3]).toMatchObject({ event_action: "resolve", dedup_key: during[0]!.dedup_key });
    const state = await sql<{ name: string; firing: boolean }>(
      databaseUrl,
      "SELECT r.name, s.firing FROM alert_state s JOIN alert_rules r ON r.id = s.rule_id ORDER BY r.name",
    );
    expect(state).toEqual([
      { name: "Database Unhealthy", firing: false },
      { name: "Major Outage", firing: false },
    ]);
    // The buffer's notifications are in the outbox's history, sent once each.
    const outbox = await sql<{ event: string; status: string }>(
      databaseUrl,
      "SELECT event, status FROM alert_notifications WHERE channel = 'pagerduty' ORDER BY event, status",
    );
    expect(outbox.map((n) => `${n.event} ${n.status}`)).toEqual(["alert.resolve sent", "alert.resolve sent", "alert.trigger sent", "alert.trigger sent"]);

    // The downtime shows in the day it fell on, rolled up again at recovery (5 of the 6
    // checks that day were down), and in the 90-day bars as of the next morning.
    const daily = await sql<{ checks: number; unhealthy: number; uptime: number }>(
      databaseUrl,
      "SELECT checks, unhealthy, uptime_percent::float8 AS uptime FROM health_check_daily WHERE day = '2030-03-01' AND component = 'database'",
    );
    expect(daily).toEqual([{ checks: 6, unhealthy: 5, uptime: 16.6667 }]);
    const bars = await withDatabase(databaseUrl, (db) => loadPageData(db, t(12)));
    expect(bars.uptime.database!.map((d) => d.day)).toEqual(["2030-03-01", "2030-03-02"]);
    expect(bars.uptime.database![0]!.uptimePercent).toBe(16.6667);
    expect(bars.uptime.database![1]!.uptimePercent).toBeCloseTo((2 / 7) * 100, 3);
    // The incidents the outage would have opened, at the times the checks say.
    const incidents = await sql<{ component: string; status: string; started_at: Date; resolved_at: Date; message: string }>(
      databaseUrl,
      "SELECT component, status, started_at, resolved_at, message FROM system_status WHERE metadata->>'recordedAfterOutage' = 'true' ORDER BY component",
    );
    expect(incidents.map((i) => [i.component, i.status, i.started_at.toISOString(), i.resolved_at.toISOString()])).toEqual([
      ["database", "major_outage", t(1).toISOString(), t(11).toISOString()],
      ["stripe", "partial_outage", t(4).toISOString(), t(7).toISOString()],
    ]);
    expect(incidents[0]!.message).toBe("database failed 10 consecutive health checks: unreachable (recorded after the database recovered)");
    // The buffer is empty again.
    expect(await outageBuffer(harness.OUTAGE_BUFFER, databaseUrl)!.inventory()).toMatchObject({ rounds: 0, changedRules: [], outageSince: null });
  }, 60_000);
});

describe("a database that accepts connections and never answers", () => {
  const FAST = { HEALTH_DB_DEGRADED_MS: "150", HEALTH_DB_UNHEALTHY_MS: "600" };

  it("buffers the round within the threshold and answers the public within it too", async () => {
    quietly();
    const at = new Date(Date.UTC(2030, 3, 1, 12, 0));
    await cron(at, FAST);
    await databaseFault(databaseUrl, { hang: true });
    const started = Date.now();
    const run = await cron(new Date(at.getTime() + MINUTE), FAST);
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(run.results.health_checks).toMatchObject({ ok: true, result: { database: "down", reason: "timed out after 600 ms", buffered: 1 } });
    const health = await get("/api/portal/health", FAST);
    expect(health.status).toBe(503);
    expect(((await health.json()) as any).data.components.database).toMatchObject({ message: "timed out after 600 ms" });
    expect(health.elapsedMs).toBeLessThan(600 + 1500);
    for (const path of ["/", "/api/portal/status", "/api/v2/summary.json", "/feed.atom", "/badge.svg"]) {
      const response = await get(path, FAST);
      expect(response.status, path).toBe(200);
      expect(response.elapsedMs, path).toBeLessThan(2 * 600 + 2000);
    }
    await databaseFault(databaseUrl, null);
    await cron(new Date(at.getTime() + 2 * MINUTE), FAST);
    expect(await sql(databaseUrl, "SELECT 1 FROM health_check_logs")).toHaveLength(15);
  }, 30_000);

  it("writes a round once even when the write that timed out lands later", async () => {
    quietly();
    const at = new Date(Date.UTC(2030, 3, 2, 12, 0));
    // Every round trip takes 900 ms: the probe and the write are past the 600 ms threshold,
    // so the round is buffered — and the write still lands.
    await databaseFault(databaseUrl, { latencyMs: 900 });
    const run = await cron(at, FAST);
    expect(run.results.health_checks).toMatchObject({ result: { database: "down", buffered: 1 } });
    await new Promise((r) => setTimeout(r, 2_500));
    await databaseFault(databaseUrl, null);
    const landed = await sql<{ n: number }>(databaseUrl, "SELECT count(*)::int AS n FROM health_check_logs");
    await cron(new Date(at.getTime() + MINUTE), FAST);
    expect(landed[0]!.n).toBe(5);
    expect(await sql(databaseUrl, "SELECT 1 FROM health_check_logs")).toHaveLength(10);
    expect(await sql(databaseUrl, "SELECT 1 FROM health_check_logs GROUP BY id HAVING count(*) > 1")).toHaveLength(0);
  }, 30_000);
});

const BUFFER_METHODS = [
  "record",
  "claimNotifications",
  "settleNotification",
  "handover",
  "acknowledge",
  "syncRules",
  "keepLastKnown",
  "lastKnown",
  "inventory",
];

/** The real buffer namespace with chosen methods failing, or every call failing. */
function brokenBuffer(fail: (method: string) => boolean): DurableObjectNamespace {
  const real = harness.OUTAGE_BUFFER!;
  return {
    idFromName: (name: string) => real.idFromName(name),
    get: (id: DurableObjectId) => {
      const stub = real.get(id) as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
      return Object.fromEntries(
        BUFFER_METHODS.map((method) => [
          method,
          (...args: unknown[]) => (fail(method) ? Promise.reject(new Error("Durable Object reset because its code was updated.")) : stub[method]!(...args)),
        ]),
      );
    },
  } as unknown as DurableObjectNamespace;
}

describe("the outage buffer itself unavailable", () => {
  it("with the database down: the cron still finishes, and its log says the round was lost", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    vi.spyOn(console, "warn").mockImplementation(() => {});
    await databaseFault(databaseUrl, { refuse: true });
    const run = await cron(new Date(Date.UTC(2030, 4, 1)), { OUTAGE_BUFFER: brokenBuffer(() => true) as Env["OUTAGE_BUFFER"] });
    expect(run.results.health_checks).toMatchObject({ ok: false, error: "round lost: database unreachable and outage buffer unreachable" });
    expect(Object.keys(run.results)).toContain("outage_buffer_sync");
    const line = JSON.parse(String(errors.mock.calls.at(-1)![0]));
    expect(line).toMatchObject({ event: "cron_run", level: "error", results: { health_checks: { ok: false } } });
    // The public answers do not depend on it either.
    for (const path of ["/", "/api/portal/status", "/badge.svg"]) {
      expect((await get(path, { OUTAGE_BUFFER: brokenBuffer(() => true) as Env["OUTAGE_BUFFER"] })).status, path).toBe(200);
    }
    // Nothing known but the live probes, and the page says what it cannot show.
    const page = await (await get("/", { OUTAGE_BUFFER: brokenBuffer(() => true) as Env["OUTAGE_BUFFER"] })).text();
    expect(page).toContain("component states are checked live; incidents, maintenance and uptime history will show again once it recovers");
    expect(page).toContain('role="status">Partial System Outage');
  });

  it("with the database up: the round is logged and the run says the buffer could not be reached", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    vi.spyOn(console, "error").mockImplementation(() => {});
    const run = await cron(new Date(Date.UTC(2030, 4, 2)), { OUTAGE_BUFFER: brokenBuffer(() => true) as Env["OUTAGE_BUFFER"] });
    expect(run.results.health_checks).toMatchObject({ ok: true, result: { database: "up", logged: 5, buffer: "unavailable" } });
    expect(run.results.alerts!.ok).toBe(true);
    expect(run.results.outage_buffer_sync!.ok).toBe(false);
  });
});

describe("a write-back interrupted halfway", () => {
  async function bufferRounds(count: number, start: Date) {
    await databaseFault(databaseUrl, { refuse: true });
    for (let i = 0; i < count; i++) await cron(new Date(start.getTime() + i * MINUTE));
    await databaseFault(databaseUrl, null);
  }

  it("cut inside the write-back transaction: nothing half-written, and the next run writes it back once", async () => {
    quietly();
    const start = new Date(Date.UTC(2030, 5, 1, 10, 0));
    await bufferRounds(3, start);
    // Round trips of the recovery run: 1 the database probe, 2 the round, 3 BEGIN,
    // 4 the back-fill insert — cut there.
    await databaseFault(databaseUrl, { dropAfter: 4 });
    const cut = await cron(new Date(start.getTime() + 3 * MINUTE));
    expect(cut.results.health_checks).toMatchObject({ ok: false });
    expect(await sql(databaseUrl, "SELECT 1 FROM health_check_logs WHERE metadata->>'buffered' = 'true'")).toHaveLength(0);
    expect((await outageBuffer(harness.OUTAGE_BUFFER, databaseUrl)!.inventory()).rounds).toBe(3);
    const next = await cron(new Date(start.getTime() + 4 * MINUTE));
    expect(next.results.health_checks).toMatchObject({ ok: true, result: { buffer: { rounds: 3, rows: 15 } } });
    expect(await sql(databaseUrl, "SELECT 1 FROM health_check_logs WHERE metadata->>'buffered' = 'true'")).toHaveLength(15);
    expect((await outageBuffer(harness.OUTAGE_BUFFER, databaseUrl)!.inventory()).rounds).toBe(0);
  });

  it("committed but never acknowledged: offered again, written nothing twice", async () => {
    quietly();
    const start = new Date(Date.UTC(2030, 5, 2, 10, 0));
    await bufferRounds(3, start);
    const lostAck = await cron(new Date(start.getTime() + 3 * MINUTE), { OUTAGE_BUFFER: brokenBuffer((m) => m === "acknowledge") as Env["OUTAGE_BUFFER"] });
    expect(lostAck.results.health_checks).toMatchObject({ ok: true, result: { buffer: { rounds: 3, rows: 15 } } });
    expect((await outageBuffer(harness.OUTAGE_BUFFER, databaseUrl)!.inventory()).rounds).toBe(3);
    const again = await cron(new Date(start.getTime() + 4 * MINUTE));
    expect(again.results.health_checks).toMatchObject({ ok: true, result: { buffer: { rounds: 3, rows: 0 } } });
    expect(await sql(databaseUrl, "SELECT 1 FROM health_check_logs WHERE metadata->>'buffered' = 'true'")).toHaveLength(15);
    expect(await sql(databaseUrl, "SELECT 1 FROM health_check_logs GROUP BY id HAVING count(*) > 1")).toHaveLength(0);
    expect((await outageBuffer(harness.OUTAGE_BUFFER, databaseUrl)!.inventory()).rounds).toBe(0);
    // The database's outage is recorded as one incident, however often it is written back.
    expect(await sql(databaseUrl, "SELECT component FROM system_status")).toEqual([{ component: "database" }]);
  });
});

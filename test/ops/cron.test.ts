import { beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { DAILY, EVERY_MINUTE, JOBS, runScheduled } from "../../src/cron/scheduled.ts";
import wranglerConfig from "../../wrangler.toml?raw";
import { checkHealth } from "../../src/health/check-health.ts";
import { recordHealthRound } from "../../src/health/record-checks.ts";
import { configOf } from "../../src/config.ts";
import type { Env } from "../../src/env.ts";
import { emptyTables, freshDatabase, harness, roundTrips, runCron, sql, vendorScope, withDatabase } from "../support/harness.ts";

let databaseUrl: string;
const vendors = vendorScope();
const DAY = 86_400_000;

beforeAll(async () => {
  databaseUrl = await freshDatabase();
});
beforeEach(async () => {
  await emptyTables(databaseUrl);
  await vendors.reset();
});

describe("the cron triggers", () => {
  it("are exactly the schedules that have jobs: wrangler.toml's triggers and the code agree", () => {
    const declared = JSON.parse(/^crons = (\[.*\])$/m.exec(wranglerConfig)![1]!) as string[];
    expect([...declared].sort()).toEqual(Object.keys(JOBS).sort());
    // The spec's own lines: the daily report and the weekly audit at 09:00 UTC.
    expect(declared).toEqual(expect.arrayContaining(["* * * * *", "0 9 * * *", "0 9 * * 1"]));
  });
});

describe("every-minute health logging", () => {
  it("records the probe round through the scheduled handler, one row per component at the scheduled time", async () => {
    const at = new Date("2030-01-01T12:00:00Z");
    await runCron(EVERY_MINUTE, { DATABASE_URL: databaseUrl, ...vendors.env }, at);
    const rows = await sql<{ component: string; status: string; checked_at: Date; response_time_ms: number }>(
      databaseUrl,
      "SELECT * FROM health_check_logs ORDER BY component",
    );
    expect(rows.map((r) => [r.component, r.status])).toEqual([
      ["api", "healthy"],
      ["database", "healthy"],
      ["email", "healthy"],
      ["stripe", "healthy"],
      ["twilio", "healthy"],
    ]);
    expect(rows.every((r) => r.checked_at.getTime() === at.getTime())).toBe(true);
    expect((await vendors.requests()).length).toBe(3);
  });

  it("writes a round in one database round trip", async () => {
    const report = await withDatabase(databaseUrl, (db) =>
      checkHealth({
        database: () => db,
        vendors: configOf({ ...harness, ...vendors.env } as Env).vendors,
        fetch,
        clock: Date.now,
        thresholds: configOf(harness as Env).thresholds,
        requestStartedAt: Date.now(),
      }),
    );
    const before = await roundTrips(databaseUrl);
    await withDatabase(databaseUrl, (db) => recordHealthRound(db, report, new Date()));
    expect((await roundTrips(databaseUrl)) - before).toBe(1);
    expect(await sql(databaseUrl, "SELECT 1 FROM health_check_logs")).toHaveLength(5);
  });

  it("logs one structured line per run, and a failing job does not stop the others", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const ran: string[] = [];
    const outcome = await runScheduled("*/5 * * * *", { ...harness, DATABASE_URL: databaseUrl } as Env, new Date(), fetch, {
      "*/5 * * * *": {
        first: async () => ran.push("first"),
        broken: async () => {
          throw new Error("connect failed postgresql://u:pw@10.0.0.1/db");
        },
        last: async () => ran.push("last"),
      },
    });
    const lines = logged.mock.calls.map((args) => JSON.parse(String(args[0])));
    logged.mockRestore();
    expect(ran).toEqual(["first", "last"]);
    expect(outcome.results.broken).toEqual({ ok: false, error: "connect failed [url]" });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: "error", event: "cron_run", cron: "*/5 * * * *", results: { first: { ok: true }, last: { ok: true } } });
  });
});

describe("feature signal retention", () => {
  it("deletes hourly counts and adoption days past SIGNAL_RETENTION_DAYS, and keeps the rest", async () => {
    const now = new Date("2030-06-01T00:15:00Z");
    await sql(
      databaseUrl,
      `INSERT INTO flag_signal_hours (hour, flag_key, signal, count) VALUES
         ('2030-02-01T10:00:00Z', 'portal_x', 'evaluated:on', 5), ('2030-05-30T10:00:00Z', 'portal_x', 'evaluated:on', 7)`,
    );
    await sql(
      databaseUrl,
      `INSERT INTO flag_adoption_days (day, flag_key, evaluated, enabled)
       SELECT d::date, 'portal_x', array_fill(0::smallint, ARRAY[2048]), array_fill(0::smallint, ARRAY[2048]) FROM unnest(ARRAY['2030-02-01', '2030-05-30']) AS d`,
    );
    await runCron(DAILY, { DATABASE_URL: databaseUrl, SIGNAL_RETENTION_DAYS: "30" }, now);
    expect(await sql(databaseUrl, "SELECT count::int FROM flag_signal_hours")).toEqual([{ count: 7 }]);
    expect(await sql(databaseUrl, "SELECT to_char(day, 'YYYY-MM-DD') AS day FROM flag_adoption_days")).toEqual([{ day: "2030-05-30" }]);
  });
});

describe("daily roll-up, retention and archive", () => {
  const day = "2030-02-10";
  const dayStart = new Date(`${day}T00:00:00Z`).getTime();
  const at = (hours: number) => new Date(dayStart + hours * 3_600_000);
  const dailyRun = new Date(dayStart + DAY + 15 * 60_000); // 00:15 the next day

  async function seedDay() {
    // 24 checks a component: hourly. Database: 20 healthy, 2 degraded, 2 unhealthy; the
    // unhealthy ones at 03:00 and 04:00 fall in a completed portal maintenance window.
    const rows: unknown[][] = [];
    for (let h = 0; h < 24; h++) {
      const status = h === 3 || h === 4 ? "unhealthy" : h === 10 || h === 11 ? "degraded" : "healthy";
      rows.push(["database", status, 100 + h * 10, at(h + 0.5)]);
      rows.push(["stripe", h === 12 ? "unhealthy" : "healthy", 200, at(h + 0.5)]);
    }
    for (const [component, status, ms, checkedAt] of rows) {
      await sql(databaseUrl, "INSERT INTO health_check_logs (component, status, response_time_ms, checked_at) VALUES ($1, $2, $3, $4)", [
        component,
        status,
        ms,
        checkedAt,
      ]);
    }
    await sql(
      databaseUrl,
      `INSERT INTO maintenance_windows (title, scheduled_start, scheduled_end, actual_start, actual_end, status, affects_portal)
       VALUES ('DB upgrade', $1, $2, $1, $2, 'completed', true)`,
      [at(3), at(5)],
    );
  }

  it("rolls a finished day up per component, leaving maintenance out of uptime and saying how much", async () => {
    await seedDay();
    await runCron(DAILY, { DATABASE_URL: databaseUrl }, dailyRun);
    const rows = await sql<Record<string, unknown>>(
      databaseUrl,
      "SELECT to_char(day, 'YYYY-MM-DD') AS day, component, checks, healthy, degraded, unhealthy, excluded_checks, excluded_seconds, uptime_percent::float8 AS uptime, p50_ms, p95_ms, p99_ms FROM health_check_daily ORDER BY component",
    );
    expect(rows).toEqual([
      // 22 checks count (2 in maintenance), all up: 100 %.
      {
        day,
        component: "database",
        checks: 24,
        healthy: 20,
        degraded: 2,
        unhealthy: 2,
        excluded_checks: 2,
        excluded_seconds: 7200,
        uptime: 100,
        p50_ms: 225,
        p95_ms: 320,
        p99_ms: 328,
      },
      // 1 of 22 counted checks down; the window also covers stripe (portal surface).
      {
        day,
        component: "stripe",
        checks: 24,
        healthy: 23,
        degraded: 0,
        unhealthy: 1,
        excluded_checks: 2,
        excluded_seconds: 7200,
        uptime: 95.4545,
        p50_ms: 200,
        p95_ms: 200,
        p99_ms: 200,
      },
    ]);
    // Idempotent: a second run (or an overlapping one) leaves the same figures.
    await Promise.all([runCron(DAILY, { DATABASE_URL: databaseUrl }, dailyRun), runCron(DAILY, { DATABASE_URL: databaseUrl }, dailyRun)]);
    expect(await sql(databaseUrl, "SELECT count(*)::int AS n FROM health_check_daily")).toEqual([{ n: 2 }]);
  });

  it("rolls yesterday up from the minute cron when the daily run could not (the database was down at 00:15)", async () => {
    await seedDay();
    const nextDay = dayStart + DAY;
    await runCron(EVERY_MINUTE, { DATABASE_URL: databaseUrl, AUTO_INCIDENTS: "off" }, new Date(nextDay + 20 * 60_000)); // before 00:30: the daily job's turn
    expect(await sql(databaseUrl, "SELECT 1 FROM health_check_daily WHERE day = $1", [day])).toHaveLength(0);
    await runCron(EVERY_MINUTE, { DATABASE_URL: databaseUrl, AUTO_INCIDENTS: "off" }, new Date(nextDay + 40 * 60_000));
    expect(await sql(databaseUrl, "SELECT 1 FROM health_check_daily WHERE day = $1", [day])).toHaveLength(2);
  });

  it("deletes logs past retention only after their day is rolled up, and keeps the roll-up", async () => {
    await seedDay();
    await runCron(DAILY, { DATABASE_URL: databaseUrl }, dailyRun);
    const later = new Date(dayStart + 31 * DAY);
    await sql(databaseUrl, "INSERT INTO health_check_logs (component, status, response_time_ms, checked_at) VALUES ('database', 'healthy', 5, $1)", [
      new Date(later.getTime() - DAY),
    ]);
    await runCron(DAILY, { DATABASE_URL: databaseUrl, LOG_RETENTION_DAYS: "30" }, later);
    const logs = await sql<{ checked_at: Date }>(databaseUrl, "SELECT checked_at FROM health_check_logs");
    expect(logs).toHaveLength(1);
    expect(await sql(databaseUrl, "SELECT 1 FROM health_check_daily WHERE day = $1", [day])).toHaveLength(2);
  });

  it("moves incidents resolved more than 90 days ago to the archive, timeline included", async () => {
    const now = new Date("2030-06-01T00:15:00Z");
    const [old] = await sql<{ id: string }>(
      databaseUrl,
      "INSERT INTO system_status (component, status, message, started_at, resolved_at) VALUES ('email', 'major_outage', 'down', $1, $2) RETURNING id",
      [new Date(now.getTime() - 100 * DAY), new Date(now.getTime() - 99 * DAY)],
    );
    await sql(
      databaseUrl,
      "INSERT INTO incident_updates (incident_id, status, message, created_at) VALUES ($1, 'major_outage', 'down', $2), ($1, 'major_outage', 'fixed', $3)",
      [old!.id, new Date(now.getTime() - 100 * DAY), new Date(now.getTime() - 99 * DAY)],
    );
    await sql(databaseUrl, "INSERT INTO system_status (component, status, message, started_at, resolved_at) VALUES ('api', 'degraded', 'recent', $1, $2)", [
      new Date(now.getTime() - 11 * DAY),
      new Date(now.getTime() - 10 * DAY),
    ]);
    await sql(databaseUrl, "INSERT INTO system_status (component, status, message, started_at) VALUES ('crm', 'degraded', 'still open', $1)", [
      new Date(now.getTime() - 200 * DAY),
    ]);
    await runCron(DAILY, { DATABASE_URL: databaseUrl }, now);
    expect((await sql<{ message: string }>(databaseUrl, "SELECT message FROM system_status ORDER BY message")).map((r) => r.message)).toEqual([
      "recent",
      "still open",
    ]);
    const [archived] = await sql<{ id: string; updates: { message: string }[] }>(databaseUrl, "SELECT id, updates FROM system_status_archive");
    expect(archived!.id).toBe(old!.id);
    expect(archived!.updates.map((u) => u.message)).toEqual(["down", "fixed"]);
    expect(await sql(databaseUrl, "SELECT 1 FROM incident_updates WHERE incident_id = $1", [old!.id])).toHaveLength(0);
    await runCron(DAILY, { DATABASE_URL: databaseUrl }, now);
    expect(await sql(databaseUrl, "SELECT 1 FROM system_status_archive")).toHaveLength(1);
  });
});

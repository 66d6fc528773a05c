// Faults, each with its expected outcome: the service keeps answering, and says what is wrong.
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { DAILY, EVERY_MINUTE, runScheduled } from "../../src/cron/scheduled.ts";
import { applyDueRolloutSteps } from "../../src/flags/rollouts.ts";
import type { Env } from "../../src/env.ts";
import {
  callWorker,
  databaseFault,
  emptyTables,
  freshDatabase,
  harness,
  runCron,
  sql,
  vendorScope,
  withDatabase,
  type VendorName,
} from "../support/harness.ts";

let databaseUrl: string;
const vendors = vendorScope();
const FAST = { HEALTH_DB_DEGRADED_MS: "150", HEALTH_DB_UNHEALTHY_MS: "600", HEALTH_VENDOR_DEGRADED_MS: "150", HEALTH_VENDOR_UNHEALTHY_MS: "400" };
const health = async (extra: Partial<Env> = {}) => {
  const response = await callWorker("/api/portal/health", { DATABASE_URL: databaseUrl, ...vendors.env, ...FAST, ...extra });
  return { response, body: (await response.json()) as any };
};

beforeAll(async () => {
  databaseUrl = await freshDatabase();
});
beforeEach(async () => {
  await vendors.reset();
  await databaseFault(databaseUrl, null);
});
afterEach(() => vi.restoreAllMocks());

describe("a slow database", () => {
  it.each([
    [0, "healthy", 200],
    [250, "degraded", 200],
    [900, "unhealthy", 503],
  ] as const)("with %i ms a round trip is %s (HTTP %i)", async (latencyMs, status, code) => {
    await databaseFault(databaseUrl, { latencyMs });
    const { response, body } = await health();
    expect(body.data.components.database.status).toBe(status);
    expect(response.status).toBe(code);
    if (status === "unhealthy") {
      expect(body.data.components.database.message).toBe("timed out after 600 ms");
      expect(response.elapsedMs).toBeLessThan(600 + 1500);
    }
  });
});

describe("the connection dropped mid-query", () => {
  it("makes the database unhealthy for that request only, with a clean message", async () => {
    await databaseFault(databaseUrl, { dropAfter: 1 });
    const { response, body } = await health();
    expect(response.status).toBe(503);
    expect(body.data.components.database.status).toBe("unhealthy");
    expect(body.data.components.database.message).not.toMatch(/127\.0\.0\.1|postgres(ql)?:\/\//);
    const again = await health();
    expect(again.body.data.components.database.status).toBe("healthy");
  });

  it("gives /status the last known state for that request, and the next request is live again", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    await databaseFault(databaseUrl, { dropAfter: 1 });
    const failed = await callWorker("/api/portal/status", { DATABASE_URL: databaseUrl, ...vendors.env });
    expect(failed.status).toBe(200);
    expect(await failed.json()).toMatchObject({ success: true, stale: true });
    const next = await callWorker("/api/portal/status", { DATABASE_URL: databaseUrl, ...vendors.env });
    expect(next.status).toBe(200);
    expect(await next.json()).not.toHaveProperty("stale");
  });
});

describe("vendors misbehaving", () => {
  const cases = (["stripe", "twilio", "resend"] as const).flatMap((vendor) =>
    (["hang", "500", "garbage"] as const).map((failure) => [vendor, failure] as const),
  );
  const component = (vendor: VendorName) => (vendor === "resend" ? "email" : vendor);

  it.each(cases)("%s answering %s: only that component is unhealthy", async (vendor, failure) => {
    await vendors.set(vendor, { failure });
    const { response, body } = await health();
    expect(response.status).toBe(503);
    expect(body.data.status).toBe("partial_outage");
    const others = ["stripe", "twilio", "email"].filter((c) => c !== component(vendor));
    expect(body.data.components[component(vendor)].status).toBe("unhealthy");
    for (const other of others) expect(body.data.components[other].status).toBe("healthy");
    const expected =
      failure === "hang" ? "timed out after 400 ms" : failure === "500" ? `HTTP 500 from ${component(vendor)}` : `unreadable answer from ${component(vendor)}`;
    expect(body.data.components[component(vendor)].message).toBe(expected);
    expect(response.elapsedMs).toBeLessThan(400 + 1500);
  });

  it("cuts a hanging vendor at the spec's 5 s by default, and answers within about 5 s", async () => {
    await vendors.set("stripe", { failure: "hang" });
    const response = await callWorker("/api/portal/health", { DATABASE_URL: databaseUrl, ...vendors.env });
    const body = (await response.json()) as any;
    expect(body.data.components.stripe).toMatchObject({ status: "unhealthy", message: "timed out after 5000 ms" });
    expect(response.elapsedMs).toBeGreaterThanOrEqual(5000);
    expect(response.elapsedMs).toBeLessThan(6500);
  }, 15_000);
});

describe("cron runs cut off", () => {
  beforeEach(() => emptyTables(databaseUrl));

  it("a daily run cut off halfway is completed by the next", async () => {
    const now = new Date("2030-05-20T00:15:00Z");
    const old = new Date(now.getTime() - 40 * 86_400_000);
    const yesterday = new Date(now.getTime() - 12 * 3_600_000);
    await sql(
      databaseUrl,
      "INSERT INTO health_check_logs (component, status, response_time_ms, checked_at) VALUES ('api', 'healthy', 5, $1), ('api', 'healthy', 6, $2)",
      [old, yesterday],
    );
    await sql(databaseUrl, "INSERT INTO system_status (component, status, message, started_at, resolved_at) VALUES ('email', 'degraded', 'old', $1, $1)", [
      new Date(now.getTime() - 120 * 86_400_000),
    ]);
    vi.spyOn(console, "error").mockImplementation(() => {});
    // The second statement of the run (log retention) loses its connection.
    await databaseFault(databaseUrl, { dropAfter: 2 });
    const cut = await runScheduled(DAILY, { ...harness, DATABASE_URL: databaseUrl } as Env, now);
    expect(cut.results.daily_rollup!.ok).toBe(true);
    expect(cut.results.log_retention!.ok).toBe(false);
    expect(await sql(databaseUrl, "SELECT 1 FROM health_check_logs")).toHaveLength(2);

    await databaseFault(databaseUrl, null);
    const next = await runScheduled(DAILY, { ...harness, DATABASE_URL: databaseUrl } as Env, now);
    expect(Object.values(next.results).every((r) => r.ok)).toBe(true);
    expect(await sql(databaseUrl, "SELECT 1 FROM health_check_logs")).toHaveLength(1);
    expect(await sql(databaseUrl, "SELECT 1 FROM system_status")).toHaveLength(0);
    expect(await sql(databaseUrl, "SELECT 1 FROM system_status_archive")).toHaveLength(1);
    expect(await sql(databaseUrl, "SELECT checks FROM health_check_daily")).toEqual([{ checks: 1 }]);
  });

  it("a rollout run cut off between plans is completed by the next, each step once", async () => {
    for (const key of ["portal_one", "portal_two"]) {
      const id = (
        await sql<{ id: string }>(databaseUrl, "INSERT INTO feature_flags (key, name, enabled, rollout_percentage) VALUES ($1, $1, true, 0) RETURNING id", [
          key,
        ])
      )[0]!.id;
      await sql(
        databaseUrl,
        "INSERT INTO flag_rollouts (flag_id, start_percentage, end_percentage, duration_hours, interval_hours, started_at) VALUES ($1, 0, 100, 4, 1, $2)",
        [id, new Date("2030-05-20T00:00:00Z")],
      );
    }
    vi.spyOn(console, "error").mockImplementation(() => {});
    const at = new Date("2030-05-20T02:30:00Z");
    // Round trips: 1 lists the plans, 2–8 are the first plan's transaction (BEGIN … COMMIT);
    // the 10th, inside the second plan's transaction, loses its connection.
    await databaseFault(databaseUrl, { dropAfter: 10 });
    await expect(withDatabase(databaseUrl, (db) => applyDueRolloutSteps(db, at))).rejects.toThrow();
    const afterCut = await sql<{ rollout_percentage: number }>(databaseUrl, "SELECT rollout_percentage FROM feature_flags ORDER BY key");
    // The cut run finished one plan and not the other.
    expect(afterCut.map((f) => f.rollout_percentage).sort()).toEqual([0, 50]);
    await databaseFault(databaseUrl, null);
    await runCron(EVERY_MINUTE, { DATABASE_URL: databaseUrl, AUTO_INCIDENTS: "off" }, at);
    const flags = await sql<{ key: string; rollout_percentage: number }>(databaseUrl, "SELECT key, rollout_percentage FROM feature_flags ORDER BY key");
    expect(flags).toEqual([
      { key: "portal_one", rollout_percentage: 50 },
      { key: "portal_two", rollout_percentage: 50 },
    ]);
    const steps = await sql<{ entity_key: string; n: number }>(
      databaseUrl,
      "SELECT entity_key, count(*)::int AS n FROM audit_log WHERE action = 'rollout.step' GROUP BY entity_key ORDER BY entity_key",
    );
    expect(steps).toEqual([
      { entity_key: "portal_one", n: 2 },
      { entity_key: "portal_two", n: 2 },
    ]);
  });
});

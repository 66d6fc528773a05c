import { describe, expect, it, vi } from "vitest";
import { httpStatusFor, overallStatus } from "../../src/health/overall.ts";
import { runProbe } from "../../src/health/probe.ts";
import { classifyResponseTime } from "../../src/health/thresholds.ts";
import { ConfigError, parseConfig } from "../../src/config.ts";
import type { Env } from "../../src/env.ts";
import { harness } from "../support/harness.ts";

describe("threshold boundaries (the spec's table, as wrangler.toml's defaults)", () => {
  const { database, vendor } = parseConfig(harness as Env).thresholds;
  it.each([
    [0, "healthy"],
    [999, "healthy"],
    [1000, "degraded"],
    [1500, "degraded"],
    [2000, "degraded"],
    [2001, "unhealthy"],
  ] as const)("database at %i ms is %s", (ms, expected) => {
    expect(classifyResponseTime(ms, database)).toBe(expected);
  });
  it.each([
    [1999, "healthy"],
    [2000, "degraded"],
    [5000, "degraded"],
    [5001, "unhealthy"],
  ] as const)("vendor at %i ms is %s", (ms, expected) => {
    expect(classifyResponseTime(ms, vendor)).toBe(expected);
  });

  it("reads thresholds from the environment", () => {
    const env = { ...harness, HEALTH_DB_DEGRADED_MS: "50", HEALTH_VENDOR_UNHEALTHY_MS: "900" } as Env;
    expect(parseConfig(env).thresholds).toEqual({ database: { degradedMs: 50, unhealthyMs: 2000 }, vendor: { degradedMs: 2000, unhealthyMs: 900 } });
  });

  it.each([
    ["HEALTH_DB_UNHEALTHY_MS", "abc"],
    ["HEALTH_VENDOR_DEGRADED_MS", "-3"],
    ["HEALTH_VENDOR_DEGRADED_MS", "0"],
    ["HEALTH_DB_DEGRADED_MS", ""],
  ])("refuses %s=%j, naming the variable rather than guessing", (name, value) => {
    const error = (() => {
      try {
        parseConfig({ ...harness, [name]: value } as Env);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(name);
    expect((error as ConfigError).message).toContain(name);
  });
});

describe("overall status and HTTP code", () => {
  it.each([
    [["healthy", "healthy", "healthy", "healthy", "healthy"], "operational", 200],
    [["healthy", "degraded", "healthy", "healthy", "healthy"], "degraded", 200],
    [["degraded", "degraded", "degraded", "degraded", "degraded"], "degraded", 200],
    [["healthy", "unhealthy", "healthy", "healthy", "healthy"], "partial_outage", 503],
    [["healthy", "unhealthy", "degraded", "healthy", "healthy"], "partial_outage", 503],
    [["healthy", "unhealthy", "unhealthy", "healthy", "healthy"], "major_outage", 503],
    [["unhealthy", "unhealthy", "unhealthy", "unhealthy", "unhealthy"], "major_outage", 503],
  ] as const)("%j → %s (%i)", (statuses, expected, code) => {
    const status = overallStatus([...statuses]);
    expect(status).toBe(expected);
    expect(httpStatusFor(status)).toBe(code);
  });
});

describe("runProbe", () => {
  const threshold = { degradedMs: 40, unhealthyMs: 120 };
  const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it("classifies by the time the probe took", async () => {
    expect((await runProbe(threshold, Date.now, async () => "ok")).health.status).toBe("healthy");
    const slow = await runProbe(threshold, Date.now, () => wait(70));
    expect(slow.health.status).toBe("degraded");
    expect(slow.health.responseTime).toBeGreaterThanOrEqual(40);
    expect(slow.health.message).toMatch(/slow/);
  });

  it("uses the clock it is given", async () => {
    let now = 1_000;
    const clock = () => now;
    const result = await runProbe(threshold, clock, async () => {
      now += 40; // exactly the degraded boundary
    });
    expect(result.health).toMatchObject({ status: "degraded", responseTime: 40, lastChecked: new Date(1_040).toISOString() });
  });

  it("cuts a probe off past the unhealthy limit and aborts its work", async () => {
    let aborted = false;
    const started = Date.now();
    const result = await runProbe(threshold, Date.now, (signal) => {
      signal.addEventListener("abort", () => (aborted = true));
      return new Promise(() => {});
    });
    const elapsed = Date.now() - started;
    expect(result.health.status).toBe("unhealthy");
    expect(result.health.message).toBe("timed out after 120 ms");
    expect(aborted).toBe(true);
    expect(elapsed).toBeGreaterThanOrEqual(120);
    expect(elapsed).toBeLessThan(1000);
  });

  it("turns a thrown error into a public category; the detail goes to the logs only", async () => {
    const logged = vi.spyOn(console, "warn").mockImplementation(() => {});
    const result = await runProbe(
      threshold,
      Date.now,
      async () => {
        throw new Error("connect failed postgres://admin:hunter2@db.internal.example.com:5432/main\n    at Socket.connect (net.js:1:1)");
      },
      "database",
    );
    const line = JSON.parse(String(logged.mock.calls[0]![0]));
    logged.mockRestore();
    expect(result.health.status).toBe("unhealthy");
    expect(result.health.message).toBe("unreachable");
    expect(line).toMatchObject({ event: "probe_failed", component: "database", category: "unreachable", detail: "connect failed [url]" });
  });

  it.each([
    [Object.assign(new Error('password authentication failed for user "portal"'), { code: "28P01" }), "authentication failed"],
    [Object.assign(new Error('database "portal_prod" does not exist'), { code: "3D000" }), "database not found"],
    [Object.assign(new Error("sorry, too many clients already"), { code: "53300" }), "too many connections"],
    [Object.assign(new Error("the database system is starting up"), { code: "57P03" }), "restarting"],
    [Object.assign(new Error('relation "customers" does not exist'), { code: "42P01" }), "query failed (SQLSTATE 42P01)"],
    [new Error("timeout exceeded when trying to connect"), "timed out"],
    [new Error("Connection terminated unexpectedly"), "unreachable"],
    [new TypeError("Network connection lost."), "unreachable"],
  ])("names a driver failure by category only: %s", async (error, category) => {
    const logged = vi.spyOn(console, "warn").mockImplementation(() => {});
    const result = await runProbe(threshold, Date.now, async () => {
      throw error;
    });
    logged.mockRestore();
    expect(result.health.message).toBe(category);
    expect(result.health.message).not.toMatch(/portal|customers|user/);
  });
});

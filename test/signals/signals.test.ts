// Feature signals: evaluations counted where they are served (OFREP, /check, the library),
// events applications report, adoption from HyperLogLog sketches; gathered in memory and
// written at most once a minute, never lost to a failed write.
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { compileFlag, isFlagOn, prepareContext } from "../../src/flags/evaluate.ts";
import { add, estimate, merge, newSketch } from "../../src/signals/hyperloglog.ts";
import { FLUSH_INTERVAL_MS, MAX_EVENT_NAMES, MAX_PENDING_COUNTS, SignalRecorder, type SignalBatch } from "../../src/signals/recorder.ts";
import { isolateSignals } from "../../src/signals/worker-signals.ts";
import { writeSignals } from "../../src/signals/write-signals.ts";
import { adminClient } from "../support/admin.ts";
import { callWorker, emptyTables, freshDatabase, sql, withDatabase } from "../support/harness.ts";
import { seededUuids } from "../support/random.ts";

const CLIENT = "test-client-token";
let databaseUrl: string;
const admin = adminClient(() => databaseUrl);
const writeHere = (batch: SignalBatch) => withDatabase(databaseUrl, (db) => writeSignals(db, batch));
const ofrep = (path: string, body: unknown, token: string | null = CLIENT) =>
  callWorker(
    path,
    { DATABASE_URL: databaseUrl, FLAG_CLIENT_TOKENS: CLIENT },
    {
      method: "POST",
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    },
  );

beforeAll(async () => {
  databaseUrl = await freshDatabase();
});
beforeEach(async () => {
  await emptyTables(databaseUrl);
  await isolateSignals.flush(async () => {}); // whatever an earlier test left pending
});

describe("the recorder", () => {
  it("writes at most once a minute, and keeps what a failed write could not write", async () => {
    const recorder = new SignalRecorder();
    const written: SignalBatch[] = [];
    const at = new Date("2030-01-01T10:15:00Z");
    recorder.evaluated("portal_a", true, "c1", at);
    expect(await recorder.flushIfDue(async (b) => void written.push(b), at.getTime())).toBe("written");
    recorder.evaluated("portal_a", false, "c2", at);
    expect(await recorder.flushIfDue(async (b) => void written.push(b), at.getTime() + FLUSH_INTERVAL_MS - 1)).toBe("not due");
    await expect(
      recorder.flushIfDue(async () => {
        throw new Error("database down");
      }, at.getTime() + FLUSH_INTERVAL_MS),
    ).rejects.toThrow("database down");
    recorder.evaluated("portal_a", false, "c3", at);
    expect(await recorder.flushIfDue(async (b) => void written.push(b), at.getTime() + 2 * FLUSH_INTERVAL_MS)).toBe("written");
    expect(written.map((b) => b.counts.map((c) => [c.signal, c.count]))).toEqual([[["evaluated:on", 1]], [["evaluated:off", 2]]]);
    expect(estimate(written[1]!.adoption[0]!.evaluated)).toBe(2);
  });
});

describe("the recorder's bounds", () => {
  it("keeps at most MAX_EVENT_NAMES event names per flag and hour and MAX_PENDING_COUNTS counts, whatever a client sends", async () => {
    const recorder = new SignalRecorder();
    const at = new Date("2030-01-01T10:00:00Z");
    for (let i = 0; i < 5_000; i++) recorder.event("portal_target", `made.up.${i}`, 1, at);
    recorder.event("portal_target", "made.up.1", 1, at); // a name already kept still counts
    expect(recorder.dropped).toBe(5_000 - MAX_EVENT_NAMES);
    for (let f = 0; f < MAX_PENDING_COUNTS; f++) recorder.event(`portal_f${f}`, "conversion", 1, at);
    let batch: SignalBatch | undefined;
    await recorder.flush(async (b) => {
      batch = b;
    });
    expect(batch!.counts).toHaveLength(MAX_PENDING_COUNTS);
    expect(batch!.counts.find((c) => c.signal === "event:made.up.1")).toMatchObject({ count: 2 });
  });

  it("drops a batch the database refuses as data instead of retrying it for ever", async () => {
    const recorder = new SignalRecorder();
    recorder.event("portal_target", "conversion", 1, new Date());
    const refused = Object.assign(new Error("value out of range: overflow"), { code: "22003" });
    await expect(recorder.flush(() => Promise.reject(refused))).rejects.toThrow();
    expect(recorder.pending).toBe(false);
    recorder.event("portal_target", "conversion", 1, new Date());
    await expect(recorder.flush(() => Promise.reject(new Error("Connection terminated unexpectedly")))).rejects.toThrow();
    expect(recorder.pending).toBe(true); // an outage is not the data's fault: kept
  });
});

describe("HyperLogLog", () => {
  const ids = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

  it.each([1_000, 10_000, 100_000])("estimates %i distinct ids within 3 standard errors (6.9 %)", (n) => {
    const sketch = newSketch();
    for (const id of ids(n, "customer")) add(sketch, id);
    for (const id of ids(n, "customer")) add(sketch, id); // seen twice: counted once
    const error = Math.abs(estimate(sketch) - n) / n;
    console.log(JSON.stringify({ event: "hll_error", distinct: n, estimate: estimate(sketch), errorPercent: Number((error * 100).toFixed(2)) }));
    expect(error).toBeLessThan(0.069);
  });

  it("merges to the union, whichever order", () => {
    const [a, b] = [newSketch(), newSketch()];
    for (const id of ids(6000, "x")) add(a, id);
    for (const id of ids(6000, "x").slice(3000)) add(b, id);
    for (const id of ids(3000, "y")) add(b, id);
    const union = newSketch();
    merge(union, a);
    merge(union, b);
    expect(Math.abs(estimate(union) - 9000) / 9000).toBeLessThan(0.069);
  });
});

describe("adoption of a flag, from a simulated day of 10,000 customers", () => {
  it("is the share of distinct customers evaluated who got it, as the sketches estimate it", async () => {
    const flag = compileFlag({ key: "portal_analytics", enabled: true, rolloutPercentage: 30, userIds: [], customerIds: [], salt: "s4lt", requires: [] });
    const customers = Array.from({ length: 10_000 }, seededUuids(99));
    const recorder = new SignalRecorder();
    const at = new Date();
    let enabled = 0;
    // Each customer loads a few pages: evaluated several times, counted once.
    for (const customerId of customers) {
      const on = isFlagOn(flag, prepareContext({ customerId }));
      if (on) enabled++;
      for (let visit = 0; visit < 3; visit++) recorder.evaluated(flag.key, on, customerId, at);
    }
    await recorder.flush(writeHere);
    await admin("POST", "/api/admin/flags", { key: "portal_analytics", name: "Analytics" });
    const [day] = (await admin("GET", "/api/admin/flags/portal_analytics/signals?days=1")).body.data.days;
    const exact = (100 * enabled) / customers.length;
    console.log(
      JSON.stringify({
        event: "adoption_simulation",
        customers: customers.length,
        evaluations: day.evaluations,
        customersEvaluated: day.customersEvaluated,
        customersEnabled: day.customersEnabled,
        adoptionPercent: day.adoptionPercent,
        exactPercent: Number(exact.toFixed(2)),
      }),
    );
    expect(day.evaluations).toEqual({ on: enabled * 3, off: (customers.length - enabled) * 3 });
    expect(Math.abs(day.customersEvaluated - 10_000) / 10_000).toBeLessThan(0.069);
    expect(Math.abs(day.adoptionPercent - exact)).toBeLessThan(3);
  });
});

describe("evaluations and events through the Worker", () => {
  it("counts every OFREP evaluation by flag and result, and /check's, written once a minute", async () => {
    await admin("POST", "/api/admin/flags", { key: "portal_dark_mode", name: "Dark mode", enabled: true, rolloutPercentage: 50 });
    await admin("POST", "/api/admin/flags", { key: "portal_off", name: "Off" });
    const customers = Array.from({ length: 120 }, seededUuids(7));
    for (const customerId of customers) expect((await ofrep("/ofrep/v1/evaluate/flags", { context: { customerId } })).status).toBe(200);
    await ofrep("/ofrep/v1/evaluate/flags/portal_dark_mode", { context: { targetingKey: customers[0] } });
    await admin("POST", "/api/admin/flags/portal_off/check", { customerId: customers[0] });
    await isolateSignals.flush(writeHere);
    const days = (await admin("GET", "/api/admin/flags/portal_dark_mode/signals")).body.data.days;
    const total = days.reduce((sum: number, d: { evaluations: { on: number; off: number } }) => sum + d.evaluations.on + d.evaluations.off, 0);
    expect(total).toBe(121);
    const off = (await admin("GET", "/api/admin/flags/portal_off/signals")).body.data.days;
    expect(off.at(-1).evaluations).toEqual({ on: 0, off: 121 });
  });

  it("takes events for flags with the client token, ignores unknown flags, refuses bad ones whole", async () => {
    await admin("POST", "/api/admin/flags", { key: "portal_checkout", name: "Checkout", enabled: true });
    const events = [
      { name: "error", flagKey: "portal_checkout", context: { targetingKey: "user-1" } },
      { name: "conversion", flagKey: "portal_checkout", value: 49.5 },
      { name: "conversion", flagKey: "portal_checkout", value: 0.5 },
      { name: "error", flagKey: "portal_gone" },
    ];
    expect((await ofrep("/ofrep/v1/events", { events }, null)).status).toBe(401);
    const bad = await ofrep("/ofrep/v1/events", { events: [...events, { name: "Bad Name!", flagKey: "portal_checkout" }] });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ errorCode: "PARSE_ERROR", errorDetails: expect.stringContaining("events.4.name") });
    for (const value of [1.7e308, -1e13]) {
      const huge = await ofrep("/ofrep/v1/events", { events: [{ name: "conversion", flagKey: "portal_checkout", value }] });
      expect(huge.status).toBe(400);
    }
    const accepted = await ofrep("/ofrep/v1/events", { events });
    expect(accepted.status).toBe(202);
    expect(await accepted.json()).toEqual({ accepted: 3, ignored: 1 });
    await isolateSignals.flush(writeHere);
    const [today] = (await admin("GET", "/api/admin/flags/portal_checkout/signals?days=1")).body.data.days;
    expect(today.events).toEqual({ error: { count: 1, valueSum: 0 }, conversion: { count: 2, valueSum: 50 } });
    expect(await sql(databaseUrl, "SELECT 1 FROM flag_signal_hours WHERE flag_key = 'portal_gone'")).toEqual([]);
  });
});

// Rollouts that watch what they change: held while a component the flag depends on is
// down or while its error rate is too high, resumed on their own once the guard has been
// clear long enough, rolled back a step when the plan says so; each move audited and
// posted to the chat and webhook channels. Through the admin API and the real cron.
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { EVERY_MINUTE } from "../../src/cron/scheduled.ts";
import { SignalRecorder } from "../../src/signals/recorder.ts";
import { writeSignals } from "../../src/signals/write-signals.ts";
import { adminClient } from "../support/admin.ts";
import { emptyTables, freshDatabase, runCron, sql, vendorScope, withDatabase } from "../support/harness.ts";

const MINUTE = 60_000;
let databaseUrl: string;
const vendors = vendorScope();
const env = () => ({ DATABASE_URL: databaseUrl, ...vendors.env, ...vendors.hooks, HEALTH_VENDOR_UNHEALTHY_MS: "300", AUTO_INCIDENTS: "off" });
const admin = adminClient(() => databaseUrl, { ...vendors.env });

const audit = (key: string) =>
  sql<{ action: string; actor_id: string | null; after: Record<string, unknown> | null }>(
    databaseUrl,
    "SELECT action, actor_id, after FROM audit_log WHERE entity_key = $1 AND action LIKE 'rollout.%' ORDER BY seq",
    [key],
  );
const percentage = async (key: string) =>
  (await sql<{ p: number }>(databaseUrl, "SELECT rollout_percentage AS p FROM feature_flags WHERE key = $1", [key]))[0]!.p;

beforeAll(async () => {
  databaseUrl = await freshDatabase();
});
beforeEach(async () => {
  await emptyTables(databaseUrl);
  await vendors.reset();
});

describe("a rollout guarded by the components its feature depends on", () => {
  it("holds while Stripe is down, resumes 30 clear minutes after it recovers, then steps on", async () => {
    await admin("POST", "/api/admin/flags", { key: "portal_one_click_pay", name: "One-click pay", dependsOn: ["stripe"] });
    const started = await admin("POST", "/api/admin/flags/portal_one_click_pay/rollout", {
      startPercentage: 0,
      endPercentage: 100,
      durationHours: 4,
      intervalHours: 1,
      resumeAfterMinutes: 30,
    });
    expect(started.status).toBe(201);
    const t0 = new Date(started.body.data.rollout.startedAt).getTime();
    const at = (minutes: number) => new Date(t0 + minutes * MINUTE);

    // Step 1 falls due at 60 min, while Stripe answers 500s.
    await vendors.set("stripe", { failure: "500" });
    await runCron(EVERY_MINUTE, env(), at(60));
    expect(await percentage("portal_one_click_pay")).toBe(0);
    const held = (await admin("GET", "/api/admin/flags/portal_one_click_pay")).body.data.rollout;
    expect(held).toMatchObject({ status: "held", holdReason: "stripe: unhealthy", heldAt: at(60).toISOString(), plannedPercentage: 0 });
    await runCron(EVERY_MINUTE, env(), at(75)); // still down: nothing moves, nothing is lost
    expect((await admin("GET", "/api/admin/flags/portal_one_click_pay")).body.data.rollout).toMatchObject({ status: "held", guard: { clearSince: null } });

    // Stripe recovers at 90 min: the guard is clear from then on.
    await vendors.reset();
    await runCron(EVERY_MINUTE, env(), at(90));
    await runCron(EVERY_MINUTE, env(), at(90)); // an overlapping run: changes nothing twice
    expect((await admin("GET", "/api/admin/flags/portal_one_click_pay")).body.data.rollout).toMatchObject({
      status: "held",
      guard: { clearSince: at(90).toISOString() },
    });
    await runCron(EVERY_MINUTE, env(), at(119));
    expect((await admin("GET", "/api/admin/flags/portal_one_click_pay")).body.data.rollout.status).toBe("held");
    await runCron(EVERY_MINUTE, env(), at(120));
    const resumed = (await admin("GET", "/api/admin/flags/portal_one_click_pay")).body.data.rollout;
    // The 60 held minutes do not count: the plan's clock starts again where it stopped.
    expect(resumed).toMatchObject({ status: "active", heldAt: null, startedAt: at(60).toISOString() });
    await runCron(EVERY_MINUTE, env(), at(121));
    expect(await percentage("portal_one_click_pay")).toBe(25);

    expect(await audit("portal_one_click_pay")).toEqual([
      { action: "rollout.start", actor_id: expect.any(String), after: expect.anything() },
      {
        action: "rollout.hold",
        actor_id: null,
        after: expect.objectContaining({ status: "held", reason: "stripe: unhealthy", step: 0, rolloutPercentage: 0 }),
      },
      { action: "rollout.resume", actor_id: null, after: expect.objectContaining({ status: "active", reason: "the guard has been clear for 30 minutes" }) },
      { action: "rollout.step", actor_id: null, after: expect.objectContaining({ step: 1, rolloutPercentage: 25 }) },
    ]);
    // Posted (once each) to the chat and webhook channels.
    await runCron(EVERY_MINUTE, env(), at(122));
    const posted = (await vendors.requests()).filter((r) => r.vendor === "hooks").map((r) => `${r.path} ${r.body?.title ?? r.body?.text ?? ""}`);
    expect(posted.filter((p) => p.includes("held")).sort()).toEqual([
      "/slack *Rollout of portal_one_click_pay held at 0 %*\n• Why: stripe: unhealthy\n• It resumes by itself once the guard has been clear for 30 minutes.",
      "/webhook Rollout of portal_one_click_pay held at 0 %",
    ]);
    expect(posted.filter((p) => p.includes("resumed"))).toHaveLength(2);
  });

  it("also holds on an open incident on the component, and an admin may resume it at once", async () => {
    await admin("POST", "/api/admin/flags", { key: "portal_sms_reminders", name: "SMS reminders", dependsOn: ["twilio"] });
    const started = await admin("POST", "/api/admin/flags/portal_sms_reminders/rollout", {
      startPercentage: 10,
      endPercentage: 50,
      durationHours: 2,
      intervalHours: 1,
    });
    const t0 = new Date(started.body.data.rollout.startedAt).getTime();
    await admin("POST", "/api/admin/incidents", { component: "twilio", status: "degraded", message: "Delivery delays" });
    await runCron(EVERY_MINUTE, env(), new Date(t0 + 61 * MINUTE));
    expect((await admin("GET", "/api/admin/flags/portal_sms_reminders")).body.data.rollout).toMatchObject({
      status: "held",
      holdReason: "twilio: open incident",
    });
    const overridden = await admin("POST", "/api/admin/flags/portal_sms_reminders/rollout/resume");
    expect(overridden.body.data.rollout).toMatchObject({ status: "active", heldAt: null });
    expect((await audit("portal_sms_reminders")).at(-1)).toMatchObject({ action: "rollout.resume", actor_id: expect.any(String) });
  });
});

describe("a rollout guarded by the feature's own error rate", () => {
  /** Evaluations and errors of a flag at a given time, written as the isolates' flush writes them. */
  /** `evaluations` that got the feature (and as many that did not, which the rate leaves out). */
  async function signals(key: string, at: Date, evaluations: number, errors: number) {
    const recorder = new SignalRecorder();
    for (let i = 0; i < evaluations; i++) recorder.evaluated(key, true, `customer-${i}`, at);
    for (let i = 0; i < evaluations; i++) recorder.evaluated(key, false, `other-${i}`, at);
    for (let i = 0; i < errors; i++) recorder.event(key, "error", undefined, at);
    await withDatabase(databaseUrl, (db) => recorder.flush((batch) => writeSignals(db, batch)));
  }

  it("rolls a step back and holds when the errors of the current step pass the limit, and not before the minimum", async () => {
    await admin("POST", "/api/admin/flags", { key: "portal_new_checkout", name: "New checkout" });
    const started = await admin("POST", "/api/admin/flags/portal_new_checkout/rollout", {
      startPercentage: 0,
      endPercentage: 100,
      durationHours: 4,
      intervalHours: 1,
      maxErrorRate: 0.05,
      minEvaluations: 50,
      onErrorRate: "rollback",
    });
    const t0 = new Date(started.body.data.rollout.startedAt).getTime();
    const at = (minutes: number) => new Date(t0 + minutes * MINUTE);
    await runCron(EVERY_MINUTE, env(), at(61));
    expect(await percentage("portal_new_checkout")).toBe(25);

    // Step 1 (counted in whole hours from its start): 10 errors in 40 evaluations is 25 %,
    // but under the minimum of 50.
    await signals("portal_new_checkout", at(120), 40, 10);
    await runCron(EVERY_MINUTE, env(), at(121));
    expect(await percentage("portal_new_checkout")).toBe(50);
    // Step 2: 9 errors in 60 evaluations (15 %) passes the 5 % limit.
    await signals("portal_new_checkout", at(180), 60, 9);
    await runCron(EVERY_MINUTE, env(), at(181));
    expect(await percentage("portal_new_checkout")).toBe(25);
    const rollout = (await admin("GET", "/api/admin/flags/portal_new_checkout")).body.data.rollout;
    expect(rollout).toMatchObject({
      status: "held",
      step: 1,
      holdReason: "error rate 15.00 % over the current step (limit 5.00 %, 60 evaluations)",
    });
    expect((await audit("portal_new_checkout")).slice(-2)).toEqual([
      { action: "rollout.rollback", actor_id: null, after: expect.objectContaining({ step: 1, rolloutPercentage: 25 }) },
      { action: "rollout.hold", actor_id: null, after: expect.objectContaining({ status: "held", step: 1, rolloutPercentage: 25 }) },
    ]);
    // The flag's signals show the step that went wrong, and the weekly audit the hold.
    const steps = (await admin("GET", "/api/admin/flags/portal_new_checkout/signals")).body.data.rollout.steps;
    expect(steps.find((s: { step: number }) => s.step === 1)).toMatchObject({ percentage: 25 });
    const weekly = (await admin("GET", "/api/admin/reports/flags")).body.data;
    expect(weekly.rolloutsInProgress).toEqual([
      expect.objectContaining({ key: "portal_new_checkout", status: "held", rolloutPercentage: 25, step: 1, totalSteps: 4, holdReason: rollout.holdReason }),
    ]);

    // Clear again (the failed step's errors, before the hold, no longer count): after 30
    // clear minutes it resumes at 25 %, which runs a whole interval again before 50 % is
    // tried again; nothing jumps two steps at once.
    await signals("portal_new_checkout", at(240), 60, 0);
    for (const minute of [182, 212, 213, 250, 271]) await runCron(EVERY_MINUTE, env(), at(minute)); // resumed at 212
    expect((await admin("GET", "/api/admin/flags/portal_new_checkout")).body.data.rollout).toMatchObject({ status: "active", step: 1 });
    expect(await percentage("portal_new_checkout")).toBe(25);
    await runCron(EVERY_MINUTE, env(), at(272)); // a whole interval after the resume
    expect(await percentage("portal_new_checkout")).toBe(50);
    const applied = (await audit("portal_new_checkout"))
      .filter((a) => a.action === "rollout.step")
      .map((a) => (a.after as { rolloutPercentage: number }).rolloutPercentage);
    expect(applied).toEqual([25, 50, 50]);
  });
});

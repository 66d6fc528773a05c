import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { runScheduled } from "../../src/cron/scheduled.ts";
import { applyDueRolloutSteps } from "../../src/flags/rollouts.ts";
import { nextStepAt, percentageAt, percentageAtStep, stepAt, totalSteps } from "../../src/flags/rollout-plan.ts";
import { adminClient } from "../support/admin.ts";
import { emptyTables, freshDatabase, harness, sql, withDatabase } from "../support/harness.ts";

const HOUR = 3_600_000;

describe("rollout plan arithmetic", () => {
  const week = { startPercentage: 0, endPercentage: 100, durationHours: 168, intervalHours: 24, startedAt: new Date("2026-01-01T00:00:00Z") };
  const at = (hours: number) => new Date(week.startedAt.getTime() + hours * HOUR);

  it("steps every interval from start to end: 0→100 over 168 h in 24 h steps", () => {
    expect(totalSteps(week)).toBe(7);
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((s) => percentageAtStep(week, s))).toEqual([0, 14, 29, 43, 57, 71, 86, 100]);
    expect(percentageAt(week, at(0))).toBe(0);
    expect(percentageAt(week, at(23.99))).toBe(0);
    expect(percentageAt(week, at(24))).toBe(14);
    expect(percentageAt(week, at(167.9))).toBe(86);
    expect(percentageAt(week, at(168))).toBe(100);
    expect(percentageAt(week, at(10_000))).toBe(100);
    expect(percentageAt(week, at(-5))).toBe(0);
  });

  it("depends only on the plan and the time, so late runs catch up exactly", () => {
    expect(stepAt(week, at(73))).toBe(3);
    expect(nextStepAt(week, at(73))).toEqual(at(96));
    expect(nextStepAt(week, at(168))).toBeNull();
  });

  it("rounds consistently, downward plans too, and ends exactly at the end", () => {
    const down = { ...week, startPercentage: 100, endPercentage: 0 };
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((s) => percentageAtStep(down, s))).toEqual([100, 86, 71, 57, 43, 29, 14, 0]);
    const ragged = { startPercentage: 10, endPercentage: 50, durationHours: 10, intervalHours: 3, startedAt: week.startedAt };
    expect(totalSteps(ragged)).toBe(4);
    expect(percentageAt(ragged, new Date(week.startedAt.getTime() + 9 * HOUR))).toBe(40);
    expect(percentageAt(ragged, new Date(week.startedAt.getTime() + 10 * HOUR))).toBe(50);
    expect(nextStepAt(ragged, new Date(week.startedAt.getTime() + 9 * HOUR))).toEqual(new Date(week.startedAt.getTime() + 10 * HOUR));
  });
});

describe("gradual rollouts through the API and the cron", () => {
  let databaseUrl: string;
  const admin = adminClient(() => databaseUrl);
  const flag = async () =>
    (await sql<{ rollout_percentage: number; enabled: boolean }>(databaseUrl, "SELECT * FROM feature_flags WHERE key = 'portal_new_dashboard'"))[0]!;
  const plan = async () => (await sql<{ id: string; status: string; applied_step: number; started_at: Date }>(databaseUrl, "SELECT * FROM flag_rollouts"))[0]!;
  const startedAt = async () => new Date((await plan()).started_at).getTime();
  const steps = () =>
    sql<{ after: { step: number; rolloutPercentage: number } }>(
      databaseUrl,
      "SELECT after FROM audit_log WHERE action = 'rollout.step' ORDER BY created_at, (after->>'step')::int",
    );

  beforeAll(async () => {
    databaseUrl = await freshDatabase();
  });
  beforeEach(async () => {
    await emptyTables(databaseUrl);
    await admin("POST", "/api/admin/flags", { key: "portal_new_dashboard", name: "New dashboard", rolloutPercentage: 0 });
  });

  const start = (body: object = { startPercentage: 0, endPercentage: 100, durationHours: 168, intervalHours: 24 }) =>
    admin("POST", "/api/admin/flags/portal_new_dashboard/rollout", body);

  it("starts a plan: the flag is enabled at the start percentage and the plan is shown", async () => {
    const { status, body } = await start({ startPercentage: 10, endPercentage: 100, durationHours: 168, intervalHours: 24 });
    expect(status).toBe(201);
    expect(body.data).toMatchObject({ enabled: true, rolloutPercentage: 10 });
    expect(body.data.rollout).toMatchObject({ status: "active", step: 0, totalSteps: 7, plannedPercentage: 10, startPercentage: 10, endPercentage: 100 });
    expect(body.data.rollout.nextStepAt).toEqual(expect.any(String));
    expect((await start()).status).toBe(409);
  });

  it("refuses a plan whose interval is longer than its duration, naming the field", async () => {
    const { status, body } = await start({ startPercentage: 0, endPercentage: 100, durationHours: 12, intervalHours: 24 });
    expect(status).toBe(400);
    expect(body.error!.message).toContain("intervalHours");
    expect(await sql(databaseUrl, "SELECT 1 FROM flag_rollouts")).toHaveLength(0);
  });

  it("applies due steps from the cron, catching up on missed runs with an audit row per step", async () => {
    await start();
    const t0 = await startedAt();
    await withDatabase(databaseUrl, (db) => applyDueRolloutSteps(db, new Date(t0 + 1 * HOUR)));
    expect((await flag()).rollout_percentage).toBe(0);
    const run = await withDatabase(databaseUrl, (db) => applyDueRolloutSteps(db, new Date(t0 + 50 * HOUR)));
    expect(run.applied).toEqual([
      { key: "portal_new_dashboard", step: 1, percentage: 14 },
      { key: "portal_new_dashboard", step: 2, percentage: 29 },
    ]);
    expect((await flag()).rollout_percentage).toBe(29);
    expect((await steps()).map((s) => s.after)).toMatchObject([
      { step: 1, rolloutPercentage: 14 },
      { step: 2, rolloutPercentage: 29 },
    ]);

    const end = await withDatabase(databaseUrl, (db) => applyDueRolloutSteps(db, new Date(t0 + 200 * HOUR)));
    expect(end.completed).toEqual(["portal_new_dashboard"]);
    expect((await flag()).rollout_percentage).toBe(100);
    expect((await plan()).status).toBe("completed");
    expect((await steps()).map((s) => s.after.rolloutPercentage)).toEqual([14, 29, 43, 57, 71, 86, 100]);
    // A plan that has finished is left alone.
    const after = await withDatabase(databaseUrl, (db) => applyDueRolloutSteps(db, new Date(t0 + 300 * HOUR)));
    expect(after.applied).toEqual([]);
  });

  it("applies each step once when runs overlap", async () => {
    await start();
    const t0 = await startedAt();
    const at = new Date(t0 + 80 * HOUR);
    const runs = await Promise.all(Array.from({ length: 4 }, () => withDatabase(databaseUrl, (db) => applyDueRolloutSteps(db, at))));
    expect(
      runs
        .flatMap((r) => r.applied)
        .map((s) => s.step)
        .sort(),
    ).toEqual([1, 2, 3]);
    expect((await steps()).map((s) => s.after.step)).toEqual([1, 2, 3]);
    expect((await flag()).rollout_percentage).toBe(43);
  });

  it("runs from the Worker's every-minute cron trigger", async () => {
    await start({ startPercentage: 0, endPercentage: 50, durationHours: 2, intervalHours: 1 });
    const t0 = await startedAt();
    const outcome = await runScheduled("* * * * *", { ...harness, DATABASE_URL: databaseUrl }, new Date(t0 + 90 * 60_000));
    expect(outcome.results.rollout_steps).toMatchObject({ ok: true, result: { applied: [{ step: 1, percentage: 25 }] } });
    expect((await flag()).rollout_percentage).toBe(25);
  });

  it("pauses (the clock stops), resumes and cancels", async () => {
    await start();
    const t0 = await startedAt();
    const paused = await admin("POST", "/api/admin/flags/portal_new_dashboard/rollout/pause");
    expect(paused.status).toBe(200);
    expect(paused.body.data.rollout).toMatchObject({ status: "paused", nextStepAt: null });
    expect((await admin("POST", "/api/admin/flags/portal_new_dashboard/rollout/pause")).status).toBe(409);
    // A paused plan is not advanced by the cron.
    await withDatabase(databaseUrl, (db) => applyDueRolloutSteps(db, new Date(t0 + 100 * HOUR)));
    expect((await flag()).rollout_percentage).toBe(0);

    const resumed = await admin("POST", "/api/admin/flags/portal_new_dashboard/rollout/resume");
    expect(resumed.status).toBe(200);
    expect(resumed.body.data.rollout.status).toBe("active");
    expect(await startedAt()).toBeGreaterThan(t0);
    expect((await admin("POST", "/api/admin/flags/portal_new_dashboard/rollout/resume")).status).toBe(409);

    const cancelled = await admin("DELETE", "/api/admin/flags/portal_new_dashboard/rollout");
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.data.rollout).toBeNull();
    expect((await plan()).status).toBe("cancelled");
    expect((await admin("DELETE", "/api/admin/flags/portal_new_dashboard/rollout")).body.error!.code).toBe("ROLLOUT_NOT_FOUND");
    const actions = (await sql<{ action: string }>(databaseUrl, "SELECT action FROM audit_log WHERE action LIKE 'rollout.%' ORDER BY created_at")).map(
      (r) => r.action,
    );
    expect(actions).toEqual(["rollout.start", "rollout.pause", "rollout.resume", "rollout.cancel"]);
  });

  it("cancels an active plan when the percentage is set by hand, and says so", async () => {
    await start();
    const { status, body } = await admin("PATCH", "/api/admin/flags/portal_new_dashboard", { rolloutPercentage: 60 });
    expect(status).toBe(200);
    expect(body.data).toMatchObject({ rolloutPercentage: 60, rollout: null });
    expect(body.warnings).toEqual(["The gradual rollout of this flag was cancelled because its percentage was set by hand"]);
    expect((await plan()).status).toBe("cancelled");
    const audit = await sql<{ after: { reason: string } }>(databaseUrl, "SELECT after FROM audit_log WHERE action = 'rollout.cancel'");
    expect(audit.map((a) => a.after.reason)).toEqual(["manual_percentage"]);
  });

  it("leaves the plan running when something other than the percentage changes", async () => {
    await start();
    const { body } = await admin("PATCH", "/api/admin/flags/portal_new_dashboard", { description: "Now with charts" });
    expect(body.warnings).toBeUndefined();
    expect(body.data.rollout.status).toBe("active");
  });
});

import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DAILY } from "../../src/cron/scheduled.ts";
import { adminClient } from "../support/admin.ts";
import { emptyTables, freshDatabase, runCron, sql } from "../support/harness.ts";

let databaseUrl: string;
const admin = adminClient(() => databaseUrl, { FLAG_LIMIT: "3" });

beforeAll(async () => {
  databaseUrl = await freshDatabase();
});
beforeEach(() => emptyTables(databaseUrl));

describe("daily health report", () => {
  const day = "2030-03-15";
  const t = (hours: number) => new Date(new Date(`${day}T00:00:00Z`).getTime() + hours * 3_600_000);

  beforeEach(async () => {
    for (let h = 0; h < 4; h++) {
      await sql(databaseUrl, "INSERT INTO health_check_logs (component, status, response_time_ms, checked_at) VALUES ('email', $1, $2, $3)", [
        h === 0 ? "unhealthy" : "healthy",
        100 * (h + 1),
        t(h),
      ]);
    }
    await sql(
      databaseUrl,
      "INSERT INTO system_status (component, status, message, started_at, resolved_at) VALUES ('email', 'major_outage', 'Resend down', $1, $2)",
      [t(-1), t(0.5)],
    );
    await sql(databaseUrl, "INSERT INTO system_status (component, status, message, started_at) VALUES ('crm', 'degraded', 'other day', $1)", [t(30)]);
    await sql(databaseUrl, "INSERT INTO maintenance_windows (title, scheduled_start, scheduled_end) VALUES ('Tonight', $1, $2)", [t(22), t(26)]);
  });

  it("is computed from the logs before the day is rolled up, and from the roll-up after", async () => {
    const live = await admin("GET", `/api/admin/reports/daily?date=${day}`);
    expect(live.status).toBe(200);
    expect(live.body.data).toMatchObject({
      date: day,
      source: "logs",
      components: [{ component: "email", checks: 4, healthy: 3, unhealthy: 1, uptimePercent: 75, p50Ms: 250 }],
      incidents: [{ component: "email", message: "Resend down" }],
      maintenance: [{ title: "Tonight" }],
    });
    await runCron(DAILY, { DATABASE_URL: databaseUrl }, new Date(t(24.25)));
    const rolled = await admin("GET", `/api/admin/reports/daily?date=${day}`);
    expect(rolled.body.data.source).toBe("rollup");
    expect(rolled.body.data.components).toEqual(live.body.data.components);
  });

  it("refuses a date that is not a date", async () => {
    const response = await admin("GET", "/api/admin/reports/daily?date=15/03/2030");
    expect(response.status).toBe(400);
    expect(response.body.error!.message).toContain("date");
  });
});

describe("flag audit report", () => {
  it("lists stale flags, the budget and rollouts in progress", async () => {
    await sql(
      databaseUrl,
      `INSERT INTO feature_flags (key, name, enabled, rollout_percentage, full_rollout_since) VALUES
        ('portal_old', 'Old', true, 100, now() - interval '30 days'),
        ('portal_new', 'New', true, 100, now() - interval '2 days'),
        ('portal_off', 'Off', false, 0, NULL)`,
    );
    await sql(databaseUrl, "UPDATE feature_flags SET remove_by = (now() - interval '3 days')::date, owner = 'growth' WHERE key = 'portal_new'");
    await admin("POST", "/api/admin/flags/portal_off/rollout", { startPercentage: 0, endPercentage: 100, durationHours: 48, intervalHours: 12 });
    const { status, body } = await admin("GET", "/api/admin/reports/flags");
    expect(status).toBe(200);
    expect(body.data).toMatchObject({
      totalFlags: 3,
      flagLimit: 3,
      overBudget: true,
      staleAfterDays: 14,
      staleFlags: [{ key: "portal_old", daysAtFullRollout: 30 }],
      pastRemoveBy: [{ key: "portal_new", owner: "growth", daysPast: 3 }],
      rolloutsInProgress: [{ key: "portal_off", status: "active", rolloutPercentage: 0, step: 0, totalSteps: 4, holdReason: null, stepErrorRate: null }],
      adoption: [],
    });
  });
});

import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { emptyTables, freshDatabase, sql } from "../support/harness.ts";

let databaseUrl: string;
beforeAll(async () => {
  databaseUrl = await freshDatabase();
});
beforeEach(async () => {
  await emptyTables(databaseUrl);
});

describe("log_health_check()", () => {
  it("records a check and returns the new log id", async () => {
    const [row] = await sql<{ id: string }>(databaseUrl, `SELECT log_health_check('database', 'healthy', 145, NULL, '{"query": "SELECT 1"}'::jsonb) AS id`);
    expect(row!.id).toMatch(/^[0-9a-f-]{36}$/);
    const [log] = await sql(databaseUrl, "SELECT * FROM health_check_logs WHERE id = $1", [row!.id]);
    expect(log).toMatchObject({ component: "database", status: "healthy", response_time_ms: 145, error_message: null, metadata: { query: "SELECT 1" } });
    expect(log!.checked_at).toBeTruthy();
  });

  it("refuses a status outside the spec's enum", async () => {
    await expect(sql(databaseUrl, `SELECT log_health_check('stripe', 'broken', 1, NULL, NULL)`)).rejects.toThrow(/health_check_logs_status_check/);
  });
});

describe("get_system_status()", () => {
  it("returns each component with unresolved issues, its most severe one", async () => {
    await sql(
      databaseUrl,
      `INSERT INTO system_status (component, status, message, started_at, resolved_at) VALUES
        ('stripe', 'degraded', 'slow', now() - interval '3 hours', NULL),
        ('stripe', 'major_outage', 'down', now() - interval '2 hours', NULL),
        ('stripe', 'degraded', 'slow again', now() - interval '1 hour', NULL),
        ('twilio', 'partial_outage', 'sms delayed', now() - interval '30 minutes', NULL),
        ('email', 'major_outage', 'was down', now() - interval '2 days', now() - interval '1 day')`,
    );
    const rows = await sql<{ component: string; status: string; message: string; since: string }>(
      databaseUrl,
      "SELECT * FROM get_system_status() ORDER BY component",
    );
    expect(rows.map((r) => [r.component, r.status, r.message])).toEqual([
      ["stripe", "major_outage", "down"],
      ["twilio", "partial_outage", "sms delayed"],
    ]);
    expect(rows[0]!.since).toBeTruthy();
  });
});

describe("get_upcoming_maintenance(hours_ahead)", () => {
  it("returns scheduled windows starting within the horizon, in order", async () => {
    await sql(
      databaseUrl,
      `INSERT INTO maintenance_windows (title, scheduled_start, scheduled_end, status) VALUES
        ('in 2 days', now() + interval '2 days', now() + interval '2 days 2 hours', 'scheduled'),
        ('in 1 hour', now() + interval '1 hour', now() + interval '2 hours', 'scheduled'),
        ('in 8 days', now() + interval '8 days', now() + interval '8 days 1 hour', 'scheduled'),
        ('cancelled', now() + interval '3 hours', now() + interval '4 hours', 'cancelled'),
        ('running', now() - interval '1 hour', now() + interval '1 hour', 'in_progress')`,
    );
    const week = await sql<{ title: string }>(databaseUrl, "SELECT * FROM get_upcoming_maintenance(168)");
    expect(week.map((r) => r.title)).toEqual(["in 1 hour", "in 2 days"]);
    const day = await sql<{ title: string }>(databaseUrl, "SELECT * FROM get_upcoming_maintenance(24)");
    expect(day.map((r) => r.title)).toEqual(["in 1 hour"]);
    const [first] = await sql(databaseUrl, "SELECT * FROM get_upcoming_maintenance(168) LIMIT 1");
    expect(Object.keys(first!).sort()).toEqual(["affects_crm", "affects_portal", "description", "id", "scheduled_end", "scheduled_start", "status", "title"]);
  });
});

describe("CHECK constraints refuse bad rows", () => {
  it.each([
    ["rollout above 100", `INSERT INTO feature_flags (key, name, rollout_percentage) VALUES ('flag_a', 'A', 101)`, "feature_flags_rollout_percentage_check"],
    ["rollout below 0", `INSERT INTO feature_flags (key, name, rollout_percentage) VALUES ('flag_a', 'A', -1)`, "feature_flags_rollout_percentage_check"],
    ["key that is not snake_case", `INSERT INTO feature_flags (key, name) VALUES ('Portal-Dark', 'A')`, "feature_flags_key_check"],
    [
      "rollout step slower than its plan",
      `INSERT INTO flag_rollouts (flag_id, start_percentage, end_percentage, duration_hours, interval_hours) VALUES (gen_random_uuid(), 0, 100, 12, 24)`,
      "flag_rollouts_timing_check",
    ],
    ["duplicate flag key", `INSERT INTO feature_flags (key, name) VALUES ('flag_dup', 'A'), ('flag_dup', 'B')`, "feature_flags_key_unique"],
    ["flag without a name", `INSERT INTO feature_flags (key) VALUES ('flag_a')`, "null value"],
    ["unknown incident status", `INSERT INTO system_status (component, status) VALUES ('stripe', 'on_fire')`, "system_status_status_check"],
    // Which components exist is the registry's to say (src/components), so one entry adds one; the
    // database holds ids to their form.
    ["malformed component id", `INSERT INTO system_status (component, status) VALUES ('Main Frame!', 'degraded')`, "system_status_component_check"],
    [
      "resolved before it started",
      `INSERT INTO system_status (component, status, started_at, resolved_at) VALUES ('api', 'degraded', now(), now() - interval '1 hour')`,
      "system_status_resolved_after_start_check",
    ],
    [
      "window ending at its start",
      `INSERT INTO maintenance_windows (title, scheduled_start, scheduled_end) VALUES ('x', '2030-01-01T02:00Z', '2030-01-01T02:00Z')`,
      "maintenance_windows_schedule_check",
    ],
    [
      "window ending before its start",
      `INSERT INTO maintenance_windows (title, scheduled_start, scheduled_end) VALUES ('x', '2030-01-01T04:00Z', '2030-01-01T02:00Z')`,
      "maintenance_windows_schedule_check",
    ],
    [
      "unknown window status",
      `INSERT INTO maintenance_windows (title, scheduled_start, scheduled_end, status) VALUES ('x', '2030-01-01T02:00Z', '2030-01-01T04:00Z', 'paused')`,
      "maintenance_windows_status_check",
    ],
    [
      "window without a title",
      `INSERT INTO maintenance_windows (scheduled_start, scheduled_end) VALUES ('2030-01-01T02:00Z', '2030-01-01T04:00Z')`,
      "null value",
    ],
    ["unknown health status", `INSERT INTO health_check_logs (component, status) VALUES ('api', 'fine')`, "health_check_logs_status_check"],
    [
      "negative response time",
      `INSERT INTO health_check_logs (component, status, response_time_ms) VALUES ('api', 'healthy', -5)`,
      "health_check_logs_response_time_check",
    ],
  ])("%s", async (_name, statement, constraint) => {
    await expect(sql(databaseUrl, statement)).rejects.toThrow(constraint);
  });

  it("accepts the boundaries and fills the defaults", async () => {
    await sql(databaseUrl, `INSERT INTO feature_flags (key, name, rollout_percentage) VALUES ('flag_zero', 'Zero', 0), ('flag_full', 'Full', 100)`);
    const [flag] = await sql(databaseUrl, `SELECT * FROM feature_flags WHERE key = 'flag_full'`);
    expect(flag).toMatchObject({ enabled: false, rollout_percentage: 100, user_ids: [], customer_ids: [], metadata: {} });
    expect(flag!.id).toMatch(/^[0-9a-f-]{36}$/);
    const [window] = await sql(
      databaseUrl,
      `INSERT INTO maintenance_windows (title, scheduled_start, scheduled_end) VALUES ('x', '2030-01-01T02:00Z', '2030-01-01T02:00:01Z') RETURNING *`,
    );
    expect(window).toMatchObject({ status: "scheduled", affects_portal: true, affects_crm: false });
  });
});

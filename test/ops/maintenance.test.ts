import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { EVERY_MINUTE } from "../../src/cron/scheduled.ts";
import { adminClient } from "../support/admin.ts";
import { callWorker, emptyTables, freshDatabase, runCron, sql } from "../support/harness.ts";

let databaseUrl: string;
const admin = adminClient(() => databaseUrl);
const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();
const windowRow = async (id: string) =>
  (await sql<{ status: string; actual_start: Date | null; actual_end: Date | null }>(databaseUrl, "SELECT * FROM maintenance_windows WHERE id = $1", [id]))[0]!;
const schedule = (startInHours: number, lengthHours: number, extra: object = {}) =>
  admin("POST", "/api/admin/maintenance", {
    title: "Database upgrade",
    description: "Upgrading to PostgreSQL 17",
    scheduledStart: iso(Date.now() + startInHours * HOUR),
    scheduledEnd: iso(Date.now() + (startInHours + lengthHours) * HOUR),
    ...extra,
  });

beforeAll(async () => {
  databaseUrl = await freshDatabase();
});
beforeEach(() => emptyTables(databaseUrl));

describe("maintenance windows API", () => {
  it("schedules a window with the names /status uses, and lists, reads and changes it", async () => {
    const created = await schedule(72, 3, { affectsCRM: true, metadata: { expectedDurationMinutes: 120 } });
    expect(created.status).toBe(201);
    expect(created.body.warnings).toBeUndefined();
    expect(created.body.data).toMatchObject({ title: "Database upgrade", status: "scheduled", affectsPortal: true, affectsCRM: true, actualStart: null });
    const id = created.body.data.id;
    expect((await admin("GET", `/api/admin/maintenance/${id}`)).body.data.id).toBe(id);
    expect((await admin("GET", "/api/admin/maintenance?status=scheduled")).body.data).toHaveLength(1);
    expect((await admin("GET", "/api/admin/maintenance?status=completed")).body.data).toHaveLength(0);
    const patched = await admin("PATCH", `/api/admin/maintenance/${id}`, { title: "Database upgrade to 17.2" });
    expect(patched.body.data.title).toBe("Database upgrade to 17.2");
    const actions = (await sql<{ action: string }>(databaseUrl, "SELECT action FROM audit_log ORDER BY created_at")).map((r) => r.action);
    expect(actions).toEqual(["maintenance.create", "maintenance.update"]);
  });

  it("accepts short notice and a thin buffer, with warnings", async () => {
    const { status, body } = await schedule(5, 2, { metadata: { expectedDurationMinutes: 100 } });
    expect(status).toBe(201);
    expect(body.warnings).toHaveLength(2);
    expect(body.warnings![0]).toContain("48 hours");
    expect(body.warnings![1]).toContain("50 % buffer");
  });

  it.each([
    ["an end before the start", { title: "x", scheduledStart: "2030-01-01T04:00:00Z", scheduledEnd: "2030-01-01T02:00:00Z" }, "scheduledEnd"],
    ["a missing title", { scheduledStart: "2030-01-01T02:00:00Z", scheduledEnd: "2030-01-01T04:00:00Z" }, "title"],
    ["a time without an offset", { title: "x", scheduledStart: "2030-01-01T02:00:00", scheduledEnd: "2030-01-01T04:00:00Z" }, "scheduledStart"],
    ["a time that is not a time", { title: "x", scheduledStart: "tomorrow", scheduledEnd: "2030-01-01T04:00:00Z" }, "scheduledStart"],
    ["an unknown field", { title: "x", scheduledStart: "2030-01-01T02:00:00Z", scheduledEnd: "2030-01-01T04:00:00Z", affects_crm: true }, "affects_crm"],
  ])("refuses %s with 400 naming the field, writing nothing", async (_name, body, field) => {
    const response = await admin("POST", "/api/admin/maintenance", body);
    expect(response.status).toBe(400);
    expect(response.body.error!.message).toContain(field);
    expect(await sql(databaseUrl, "SELECT 1 FROM maintenance_windows")).toHaveLength(0);
    expect(await sql(databaseUrl, "SELECT 1 FROM audit_log")).toHaveLength(0);
  });

  it("starts, completes and cancels only from the right states, naming the current one", async () => {
    const id = (await schedule(72, 2)).body.data.id;
    expect((await admin("POST", `/api/admin/maintenance/${id}/complete`)).body.error).toMatchObject({
      code: "MAINTENANCE_STATE_CONFLICT",
      message: "Cannot complete a maintenance window that is scheduled",
    });
    const started = await admin("POST", `/api/admin/maintenance/${id}/start`);
    expect(started.body.data).toMatchObject({ status: "in_progress", actualStart: expect.any(String) });
    const cancel = await admin("POST", `/api/admin/maintenance/${id}/cancel`);
    expect(cancel.status).toBe(409);
    expect(cancel.body.error!.message).toBe("Cannot cancel a maintenance window that is in progress");
    expect((await admin("DELETE", `/api/admin/maintenance/${id}`)).status).toBe(409);
    const completed = await admin("POST", `/api/admin/maintenance/${id}/complete`);
    expect(completed.body.data).toMatchObject({ status: "completed", actualEnd: expect.any(String) });
    expect((await admin("PATCH", `/api/admin/maintenance/${id}`, { title: "late" })).status).toBe(409);
    const other = (await schedule(80, 2)).body.data.id;
    expect((await admin("POST", `/api/admin/maintenance/${other}/cancel`)).body.data.status).toBe("cancelled");
    expect((await admin("POST", `/api/admin/maintenance/${other}/start`)).status).toBe(409);
    expect((await admin("DELETE", `/api/admin/maintenance/${other}`)).body.data).toEqual({ id: other, deleted: true });
    expect((await admin("GET", `/api/admin/maintenance/${other}`)).status).toBe(404);
  });

  it("shows a portal window in progress on /status with Retry-After until its scheduled end", async () => {
    const id = (await schedule(-0.5, 2)).body.data.id;
    await admin("POST", `/api/admin/maintenance/${id}/start`);
    const response = await callWorker("/api/portal/status", { DATABASE_URL: databaseUrl });
    const body = (await response.json()) as { data: { maintenanceMode: boolean; systemStatus: string; currentMaintenance: { id: string } } };
    expect(body.data).toMatchObject({ maintenanceMode: true, systemStatus: "maintenance", currentMaintenance: { id } });
    const retryAfter = Number(response.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(1.4 * 3600);
    expect(retryAfter).toBeLessThanOrEqual(1.5 * 3600 + 5);
  });
});

describe("automatic maintenance transitions (every-minute cron)", () => {
  const insertWindow = async (start: Date, end: Date, metadata: object = {}) =>
    (
      await sql<{ id: string }>(
        databaseUrl,
        "INSERT INTO maintenance_windows (title, scheduled_start, scheduled_end, metadata) VALUES ('w', $1, $2, $3) RETURNING id",
        [start, end, metadata],
      )
    )[0]!.id;

  it("completes a window the cron missed entirely at its scheduled times, and never stamps an end past the scheduled one", async () => {
    const t0 = new Date("2030-04-01T02:00:00Z");
    const missed = await insertWindow(t0, new Date(t0.getTime() + HOUR));
    const late = await insertWindow(new Date(t0.getTime() + 2 * HOUR), new Date(t0.getTime() + 3 * HOUR));
    await runCron(EVERY_MINUTE, { DATABASE_URL: databaseUrl }, new Date(t0.getTime() + 2 * HOUR + 60_000)); // the first run after an outage
    expect(await windowRow(missed)).toMatchObject({ status: "completed", actual_start: t0, actual_end: new Date(t0.getTime() + HOUR) });
    expect(await windowRow(late)).toMatchObject({ status: "in_progress", actual_start: new Date(t0.getTime() + 2 * HOUR + 60_000) });
    await runCron(EVERY_MINUTE, { DATABASE_URL: databaseUrl }, new Date(t0.getTime() + 5 * HOUR)); // two hours late
    expect(await windowRow(late)).toMatchObject({ status: "completed", actual_end: new Date(t0.getTime() + 3 * HOUR) });
  });

  it("starts a window at its scheduled start and completes it at its scheduled end, once", async () => {
    const t0 = new Date("2030-03-01T02:00:00Z");
    const id = await insertWindow(t0, new Date(t0.getTime() + 2 * HOUR));
    await runCron(EVERY_MINUTE, { DATABASE_URL: databaseUrl }, new Date(t0.getTime() - 60_000));
    expect((await windowRow(id)).status).toBe("scheduled");
    await runCron(EVERY_MINUTE, { DATABASE_URL: databaseUrl }, t0);
    expect(await windowRow(id)).toMatchObject({ status: "in_progress", actual_start: t0 });
    await runCron(EVERY_MINUTE, { DATABASE_URL: databaseUrl }, new Date(t0.getTime() + 60_000));
    expect((await windowRow(id)).actual_start).toEqual(t0);
    const end = new Date(t0.getTime() + 2 * HOUR);
    await Promise.all([runCron(EVERY_MINUTE, { DATABASE_URL: databaseUrl }, end), runCron(EVERY_MINUTE, { DATABASE_URL: databaseUrl }, end)]);
    expect(await windowRow(id)).toMatchObject({ status: "completed", actual_end: end });
    const audit = (await sql<{ action: string }>(databaseUrl, "SELECT action FROM audit_log WHERE entity_key = $1 ORDER BY created_at", [id])).map(
      (r) => r.action,
    );
    expect(audit).toEqual(["maintenance.start", "maintenance.complete"]);
  });

  it("leaves windows alone when their metadata says so", async () => {
    const t0 = new Date("2030-04-01T02:00:00Z");
    const manual = await insertWindow(t0, new Date(t0.getTime() + HOUR), { autoStart: false });
    const waits = await insertWindow(new Date(t0.getTime() - HOUR), new Date(t0.getTime() - 60_000), { waitForOperator: true });
    await sql(databaseUrl, "UPDATE maintenance_windows SET status = 'in_progress', actual_start = scheduled_start WHERE id = $1", [waits]);
    await runCron(EVERY_MINUTE, { DATABASE_URL: databaseUrl }, t0);
    expect((await windowRow(manual)).status).toBe("scheduled");
    expect((await windowRow(waits)).status).toBe("in_progress");
  });
});

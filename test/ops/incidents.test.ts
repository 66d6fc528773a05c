import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { EVERY_MINUTE } from "../../src/cron/scheduled.ts";
import { ACTOR, adminClient } from "../support/admin.ts";
import { callWorker, emptyTables, freshDatabase, runCron, sql, vendorScope } from "../support/harness.ts";

let databaseUrl: string;
const admin = adminClient(() => databaseUrl);
const vendors = vendorScope();

beforeAll(async () => {
  databaseUrl = await freshDatabase();
});
beforeEach(async () => {
  await emptyTables(databaseUrl);
  await vendors.reset();
});

describe("incidents API", () => {
  it("opens, updates and resolves an incident, keeping its timeline", async () => {
    const opened = await admin("POST", "/api/admin/incidents", {
      component: "stripe",
      status: "degraded",
      message: "Stripe API experiencing slow response times",
      metadata: { avgResponseTime: 3500, threshold: 2000 },
    });
    expect(opened.status).toBe(201);
    const id = opened.body.data.id;
    expect(opened.body.data).toMatchObject({
      component: "stripe",
      status: "degraded",
      resolvedAt: null,
      createdBy: ACTOR,
      updates: [{ status: "degraded", resolved: false, actorId: ACTOR }],
    });

    const status = await callWorker("/api/portal/status", { DATABASE_URL: databaseUrl });
    expect(((await status.json()) as { data: { knownIssues: { id: string }[] } }).data.knownIssues.map((i) => i.id)).toEqual([id]);

    const worse = await admin("PATCH", `/api/admin/incidents/${id}`, { status: "partial_outage", message: "Payments failing for some cards" });
    expect(worse.body.data).toMatchObject({ status: "partial_outage", message: "Payments failing for some cards" });
    const resolved = await admin("POST", `/api/admin/incidents/${id}/resolve`, { message: "Stripe recovered" });
    expect(resolved.body.data.resolvedAt).toEqual(expect.any(String));
    expect(resolved.body.data.updates.map((u: { status: string; message: string; resolved: boolean }) => [u.status, u.message, u.resolved])).toEqual([
      ["degraded", "Stripe API experiencing slow response times", false],
      ["partial_outage", "Payments failing for some cards", false],
      ["partial_outage", "Stripe recovered", true],
    ]);
    expect((await admin("POST", `/api/admin/incidents/${id}/resolve`)).body.error).toMatchObject({ code: "INCIDENT_RESOLVED" });
    expect((await admin("PATCH", `/api/admin/incidents/${id}`, { message: "late" })).status).toBe(409);
    expect((await admin("GET", "/api/admin/incidents?state=open")).body.data).toEqual([]);
    expect((await admin("GET", "/api/admin/incidents?state=resolved")).body.data).toHaveLength(1);
    const actions = (await sql<{ action: string }>(databaseUrl, "SELECT action FROM audit_log ORDER BY created_at")).map((r) => r.action);
    expect(actions).toEqual(["incident.open", "incident.update", "incident.resolve"]);
  });

  it.each([
    [{ component: "mainframe", status: "degraded", message: "x" }, "component"],
    [{ component: "stripe", status: "on_fire", message: "x" }, "status"],
    [{ component: "stripe", status: "degraded" }, "message"],
    [{ component: "stripe", status: "degraded", message: "x", startedAt: "2020-01-01T00:00:00Z" }, "startedAt"],
  ])("refuses %j naming %s", async (body, field) => {
    const response = await admin("POST", "/api/admin/incidents", body);
    expect(response.status).toBe(400);
    expect(response.body.error!.message).toContain(field);
    expect(await sql(databaseUrl, "SELECT 1 FROM system_status")).toHaveLength(0);
  });

  it("answers 404 for an unknown incident", async () => {
    expect((await admin("GET", "/api/admin/incidents/6f1c2f9e-0000-4000-8000-000000000000")).status).toBe(404);
  });
});

describe("automatic incidents from sustained failures", () => {
  const env = () => ({ DATABASE_URL: databaseUrl, ...vendors.env, HEALTH_VENDOR_UNHEALTHY_MS: "300" });
  const at = (minute: number) => new Date(Date.UTC(2030, 5, 1, 12, minute));

  it("opens after 3 unhealthy checks in a row and resolves after 2 healthy ones", async () => {
    await vendors.set("twilio", { failure: "500" });
    await runCron(EVERY_MINUTE, env(), at(0));
    await runCron(EVERY_MINUTE, env(), at(1));
    expect(await sql(databaseUrl, "SELECT 1 FROM system_status")).toHaveLength(0);
    await runCron(EVERY_MINUTE, env(), at(2));
    const [incident] = await sql<{
      id: string;
      component: string;
      status: string;
      message: string;
      metadata: Record<string, unknown>;
      resolved_at: Date | null;
    }>(databaseUrl, "SELECT * FROM system_status");
    expect(incident).toMatchObject({
      component: "twilio",
      status: "partial_outage",
      resolved_at: null,
      metadata: { automatic: true, consecutiveUnhealthy: 3, openAfter: 3, resolveAfter: 2 },
    });
    expect(incident!.message).toContain("HTTP 500 from twilio");
    await runCron(EVERY_MINUTE, env(), at(3));
    expect(await sql(databaseUrl, "SELECT 1 FROM system_status")).toHaveLength(1);

    await vendors.reset();
    await runCron(EVERY_MINUTE, env(), at(4));
    expect((await sql<{ resolved_at: Date | null }>(databaseUrl, "SELECT resolved_at FROM system_status"))[0]!.resolved_at).toBeNull();
    await runCron(EVERY_MINUTE, env(), at(5));
    expect((await sql<{ resolved_at: Date | null }>(databaseUrl, "SELECT resolved_at FROM system_status"))[0]!.resolved_at).toEqual(at(5));
    const updates = await sql<{ message: string; resolved: boolean }>(databaseUrl, "SELECT message, resolved FROM incident_updates ORDER BY created_at");
    expect(updates.at(-1)).toEqual({ message: "Recovered: 2 consecutive healthy checks", resolved: true });
  });
});

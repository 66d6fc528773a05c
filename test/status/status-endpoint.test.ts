import { beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { emptyTables, callWorker, freshDatabase, roundTrips, sql, vendorScope } from "../support/harness.ts";

type Maintenance = { id: string; title: string; scheduledStart: string; scheduledEnd: string; status: string; affectsPortal: boolean; affectsCRM: boolean };
type StatusBody = {
  success: boolean;
  version: string;
  data: {
    maintenanceMode: boolean;
    currentMaintenance: (Maintenance & { actualStart: string | null }) | null;
    upcomingMaintenance: Maintenance[];
    featureFlags: Record<string, boolean>;
    version: { app: string; api: string; build: string; deployedAt: string | null };
    knownIssues: { id: string; component: string; status: string; message: string | null; startedAt: string }[];
    systemStatus: string;
    timestamp: string;
  };
};

let databaseUrl: string;
beforeAll(async () => {
  databaseUrl = await freshDatabase();
});
beforeEach(async () => {
  await emptyTables(databaseUrl);
});
const getStatus = async (env: Record<string, string> = {}) => {
  const response = await callWorker("/api/portal/status", { DATABASE_URL: databaseUrl, ...env });
  return { response, body: (await response.json()) as StatusBody };
};
const window = (title: string, startOffset: string, endOffset: string, status = "scheduled", portal = true, crm = false) =>
  sql(
    databaseUrl,
    `INSERT INTO maintenance_windows (title, description, scheduled_start, scheduled_end, status, affects_portal, affects_crm)
     VALUES ($1, 'test window', now() + $2::interval, now() + $3::interval, $4, $5, $6)`,
    [title, startOffset, endOffset, status, portal, crm],
  );

describe("GET /api/portal/status", () => {
  it("is in maintenance mode only for a window that covers the portal, by the components it names when it names any", async () => {
    const crmOnly =
      "INSERT INTO maintenance_windows (title, scheduled_start, scheduled_end, status, affects_portal, components) VALUES ($1, now() - interval '1 hour', now() + interval '1 hour', 'in_progress', $2, $3)";
    await sql(databaseUrl, crmOnly, ["CRM only", true, ["crm"]]);
    let { body } = await getStatus();
    expect(body.data).toMatchObject({ maintenanceMode: false, currentMaintenance: null });
    await sql(databaseUrl, crmOnly, ["Portal by name", false, ["portal"]]);
    ({ body } = await getStatus());
    expect(body.data).toMatchObject({ maintenanceMode: true, currentMaintenance: { title: "Portal by name", affectsPortal: true, affectsCRM: false } });
  });

  it("answers the spec's shape on an empty database", async () => {
    const { response, body } = await getStatus({ APP_VERSION: "1.5.2", BUILD_ID: "a3c2d1f", DEPLOYED_AT: "2025-10-22T10:00:00Z" });
    expect(response.status).toBe(200);
    expect(body).toMatchObject({ success: true, version: "v1" });
    expect(body.data).toEqual({
      maintenanceMode: false,
      currentMaintenance: null,
      upcomingMaintenance: [],
      featureFlags: {},
      version: { app: "1.5.2", api: "v1", build: "a3c2d1f", deployedAt: "2025-10-22T10:00:00Z" },
      knownIssues: [],
      systemStatus: "operational",
      timestamp: expect.any(String),
    });
  });

  it("takes exactly one database round trip", async () => {
    await window("Upgrade", "1 day", "1 day 2 hours");
    await sql(databaseUrl, `INSERT INTO feature_flags (key, name, enabled) VALUES ('portal_a', 'A', true)`);
    await sql(databaseUrl, `INSERT INTO system_status (component, status, message) VALUES ('stripe', 'degraded', 'slow')`);
    const before = await roundTrips(databaseUrl);
    const { response } = await getStatus();
    expect(response.status).toBe(200);
    expect((await roundTrips(databaseUrl)) - before).toBe(1);
  });

  it("shows a flag as true only when enabled at 100%", async () => {
    await sql(
      databaseUrl,
      `INSERT INTO feature_flags (key, name, enabled, rollout_percentage) VALUES
        ('portal_full', 'Full', true, 100), ('portal_almost', 'Almost', true, 99),
        ('portal_off', 'Off', false, 100), ('portal_zero', 'Zero', true, 0)`,
    );
    const { body } = await getStatus();
    expect(body.data.featureFlags).toEqual({ portal_almost: false, portal_full: true, portal_off: false, portal_zero: false });
  });

  it("lists scheduled windows starting within the next 7 days, soonest first", async () => {
    await window("Later", "3 days", "3 days 2 hours");
    await window("Sooner", "1 hour", "3 hours");
    await window("Just inside", "7 days -1 minute", "7 days 1 hour");
    await window("Just outside", "7 days 1 minute", "7 days 2 hours");
    await window("Cancelled", "2 hours", "4 hours", "cancelled");
    await window("Completed", "-4 hours", "-2 hours", "completed");
    await window("Already over", "-3 hours", "-1 hour", "scheduled");
    const { body } = await getStatus();
    expect(body.data.upcomingMaintenance.map((m) => m.title)).toEqual(["Sooner", "Later", "Just inside"]);
    const first = body.data.upcomingMaintenance[0]!;
    expect(Object.keys(first).sort()).toEqual(["affectsCRM", "affectsPortal", "description", "id", "scheduledEnd", "scheduledStart", "status", "title"].sort());
    expect(first).toMatchObject({ status: "scheduled", affectsPortal: true, affectsCRM: false });
    expect(first.scheduledStart).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(body.data.maintenanceMode).toBe(false);
  });

  it("is in maintenance mode while a portal window is in progress", async () => {
    await window("Portal upgrade", "-30 minutes", "90 minutes", "in_progress");
    await sql(databaseUrl, `UPDATE maintenance_windows SET actual_start = now() - interval '29 minutes'`);
    await sql(databaseUrl, `INSERT INTO system_status (component, status, message) VALUES ('stripe', 'degraded', 'slow')`);
    const { body } = await getStatus();
    expect(body.data.maintenanceMode).toBe(true);
    // The worst of maintenance, open incidents and fresh probes: degraded outranks maintenance.
    expect(body.data.systemStatus).toBe("degraded");
    await sql(databaseUrl, `DELETE FROM system_status`);
    expect((await getStatus()).body.data.systemStatus).toBe("maintenance");
    expect(body.data.currentMaintenance).toMatchObject({ title: "Portal upgrade", status: "in_progress", affectsPortal: true });
    expect(body.data.currentMaintenance!.actualStart).toMatch(/Z$/);
    expect(body.data.upcomingMaintenance).toEqual([]);
  });

  it("is not in maintenance mode for a window that only affects the CRM", async () => {
    await window("CRM upgrade", "-30 minutes", "90 minutes", "in_progress", false, true);
    const { body } = await getStatus();
    expect(body.data.maintenanceMode).toBe(false);
    expect(body.data.currentMaintenance).toBeNull();
    expect(body.data.systemStatus).toBe("operational");
  });

  it("lists unresolved incidents as known issues and takes the worst as the system status", async () => {
    await sql(
      databaseUrl,
      `INSERT INTO system_status (component, status, message, started_at, resolved_at) VALUES
        ('stripe', 'degraded', 'Slow API responses', now() - interval '2 hours', NULL),
        ('twilio', 'partial_outage', 'SMS delayed', now() - interval '1 hour', NULL),
        ('email', 'major_outage', 'Was down', now() - interval '3 days', now() - interval '2 days')`,
    );
    const { body } = await getStatus();
    expect(body.data.knownIssues.map((i) => [i.component, i.status])).toEqual([
      ["twilio", "partial_outage"],
      ["stripe", "degraded"],
    ]);
    expect(body.data.knownIssues[0]).toMatchObject({ message: "SMS delayed", id: expect.any(String), startedAt: expect.stringMatching(/Z$/) });
    expect(body.data.systemStatus).toBe("partial_outage");
  });

  describe("systemStatus agrees with /api/portal/health", () => {
    const logRound = async (agoMs: number, statuses: Record<string, string>) => {
      for (const [component, status] of Object.entries(statuses)) {
        await sql(
          databaseUrl,
          "INSERT INTO health_check_logs (component, status, response_time_ms, checked_at) VALUES ($1, $2, 10, now() - make_interval(secs => $3))",
          [component, status, agoMs / 1000],
        );
      }
    };
    const healthy = { api: "healthy", database: "healthy", stripe: "healthy", twilio: "healthy", email: "healthy" };

    it("counts the latest probe round when it is fresh (at most two minutes old), by /health's rules", async () => {
      await logRound(30_000, { ...healthy, stripe: "unhealthy" });
      expect((await getStatus()).body.data.systemStatus).toBe("partial_outage");
      await logRound(10_000, { ...healthy, stripe: "unhealthy", twilio: "unhealthy" });
      expect((await getStatus()).body.data.systemStatus).toBe("major_outage");
      await logRound(5_000, { ...healthy, email: "degraded" });
      expect((await getStatus()).body.data.systemStatus).toBe("degraded");
    });

    it("ignores a round older than two minutes", async () => {
      await logRound(150_000, { ...healthy, stripe: "unhealthy", twilio: "unhealthy" });
      expect((await getStatus()).body.data.systemStatus).toBe("operational");
    });

    it("takes the worst of maintenance, incidents and probes, still in one round trip", async () => {
      await sql(
        databaseUrl,
        "INSERT INTO maintenance_windows (title, scheduled_start, scheduled_end, actual_start, status, affects_portal) VALUES ('Now', now() - interval '10 minutes', now() + interval '1 hour', now() - interval '10 minutes', 'in_progress', true)",
      );
      expect((await getStatus()).body.data.systemStatus).toBe("maintenance");
      await logRound(20_000, { ...healthy, database: "degraded" });
      expect((await getStatus()).body.data.systemStatus).toBe("degraded");
      await sql(databaseUrl, "INSERT INTO system_status (component, status, message, started_at) VALUES ('twilio', 'partial_outage', 'SMS delayed', now())");
      const before = await roundTrips(databaseUrl);
      expect((await getStatus()).body.data.systemStatus).toBe("partial_outage");
      expect((await roundTrips(databaseUrl)) - before).toBe(1);
    });
  });

  it("answers 200 from what is known live when the database cannot be reached and nothing was ever read", async () => {
    const warnings = vi.spyOn(console, "warn").mockImplementation(() => {});
    const response = await callWorker("/api/portal/status", { DATABASE_URL: "postgresql://u:pw-secret@127.0.0.1:1/x", ...vendorScope().env });
    warnings.mockRestore();
    expect(response.status).toBe(200);
    const body = (await response.json()) as StatusBody & { stale: boolean; generatedAt: string | null };
    expect(body).toMatchObject({ success: true, stale: true, generatedAt: null });
    // The live probes say the database is down: one unhealthy component is a partial outage.
    expect(body.data.systemStatus).toBe("partial_outage");
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(JSON.stringify(body)).not.toContain("pw-secret");
    expect(JSON.stringify(body)).not.toContain("127.0.0.1");
  });
});

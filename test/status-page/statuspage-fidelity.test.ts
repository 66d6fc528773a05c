// The Statuspage v2 formats compared with what real Statuspage pages serve (captures of
// live summary.json / incidents.json / components.json from CloudAMQP, GitHub and others):
// the same keys in the same order, the same enums, incidents in phases, components inside
// incidents with their real state, maintenance with the updates a real page posts, and
// windows that name the components they take down.
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { adminClient } from "../support/admin.ts";
import { callWorker, emptyTables, freshDatabase, sql, vendorScope } from "../support/harness.ts";

let databaseUrl: string;
// Healthy vendors: with no logged round the page probes live.
const vendors = vendorScope();
const admin = adminClient(() => databaseUrl);
const HOUR = 3_600_000;
const get = async (path: string) => {
  const response = await callWorker(path, { DATABASE_URL: databaseUrl, PUBLIC_URL: "https://status.example.com", ...vendors.env });
  expect(response.status, path).toBe(200);
  return response;
};
const json = async (path: string) => (await (await get(path)).json()) as any;

// Keys, in order, of real Statuspage objects (GitHub 2024, CloudAMQP 2020 captures).
const PAGE_KEYS = ["id", "name", "url", "time_zone", "updated_at"];
const COMPONENT_KEYS = [
  "id",
  "name",
  "status",
  "created_at",
  "updated_at",
  "position",
  "description",
  "showcase",
  "start_date",
  "group_id",
  "page_id",
  "group",
  "only_show_if_degraded",
];
const INCIDENT_KEYS = [
  "id",
  "name",
  "status",
  "created_at",
  "updated_at",
  "monitoring_at",
  "resolved_at",
  "impact",
  "shortlink",
  "started_at",
  "page_id",
  "incident_updates",
  "components",
  "reminder_intervals",
];
const UPDATE_KEYS = [
  "id",
  "status",
  "body",
  "incident_id",
  "created_at",
  "updated_at",
  "display_at",
  "affected_components",
  "deliver_notifications",
  "custom_tweet",
  "tweet_id",
];
const MAINTENANCE_KEYS = [...INCIDENT_KEYS, "scheduled_for", "scheduled_until"];

beforeAll(async () => {
  databaseUrl = await freshDatabase();
});
beforeEach(() => emptyTables(databaseUrl));

describe("summary.json, key for key", () => {
  it("has Statuspage's top-level order and object shapes", async () => {
    await admin("POST", "/api/admin/incidents", { component: "stripe", status: "degraded", message: "Payments are slow" });
    await admin("POST", "/api/admin/maintenance", {
      title: "Upgrade",
      scheduledStart: new Date(Date.now() + 50 * HOUR).toISOString(),
      scheduledEnd: new Date(Date.now() + 52 * HOUR).toISOString(),
    });
    const summary = await json("/api/v2/summary.json");
    expect(Object.keys(summary)).toEqual(["page", "components", "incidents", "scheduled_maintenances", "status"]);
    expect(Object.keys(summary.page)).toEqual(PAGE_KEYS);
    for (const c of summary.components) expect(Object.keys(c)).toEqual(COMPONENT_KEYS);
    expect(Object.keys(summary.incidents[0])).toEqual(INCIDENT_KEYS);
    for (const u of summary.incidents[0].incident_updates) expect(Object.keys(u)).toEqual(UPDATE_KEYS);
    expect(Object.keys(summary.scheduled_maintenances[0])).toEqual(MAINTENANCE_KEYS);
  });

  it("shows a component's real state inside its incident, and what each update changed", async () => {
    const { body } = await admin("POST", "/api/admin/incidents", { component: "stripe", status: "partial_outage", message: "Card payments failing" });
    await admin("PATCH", `/api/admin/incidents/${body.data.id}`, { status: "degraded", message: "Mostly recovered" });
    const [incident] = (await json("/api/v2/incidents/unresolved.json")).incidents;
    expect(incident.components).toHaveLength(1);
    expect(incident.components[0]).toMatchObject({ id: "stripe", name: "Payments", status: "degraded_performance" });
    expect(Object.keys(incident.components[0])).toEqual(COMPONENT_KEYS);
    // Newest first; each update says which component moved from which state to which.
    expect(incident.incident_updates.map((u: any) => u.affected_components)).toEqual([
      [{ code: "stripe", name: "Payments", old_status: "partial_outage", new_status: "degraded_performance" }],
      [{ code: "stripe", name: "Payments", old_status: "operational", new_status: "partial_outage" }],
    ]);
    expect(incident.incident_updates.every((u: any) => u.deliver_notifications === true && u.custom_tweet === null && u.tweet_id === null)).toBe(true);
    expect(incident.incident_updates[0].id).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("incident phases", () => {
  it("moves through investigating, identified, monitoring and resolved in the API, the JSON, the page and the feeds", async () => {
    const opened = await admin("POST", "/api/admin/incidents", { component: "email", status: "major_outage", message: "Email is not being delivered" });
    expect(opened.status).toBe(201);
    expect(opened.body.data.phase).toBe("investigating");
    const id = opened.body.data.id;
    expect((await admin("PATCH", `/api/admin/incidents/${id}`, { phase: "identified", message: "A DNS change at the provider" })).body.data.phase).toBe(
      "identified",
    );
    const monitoring = await admin("PATCH", `/api/admin/incidents/${id}`, { phase: "monitoring", status: "degraded", message: "Fix deployed; watching" });
    expect(monitoring.body.data).toMatchObject({ phase: "monitoring", status: "degraded" });
    expect((await admin("PATCH", `/api/admin/incidents/${id}`, { phase: "resolved" })).status).toBe(400); // resolving is its own action

    const [incident] = (await json("/api/v2/incidents.json")).incidents;
    expect(incident.status).toBe("monitoring");
    expect(incident.monitoring_at).toBe(monitoring.body.data.updates.at(-1).at);
    expect(incident.incident_updates.map((u: any) => u.status)).toEqual(["monitoring", "identified", "investigating"]);
    const page = await (await get("/")).text();
    expect(page).toMatch(/Email · Monitoring · started/);
    expect(page).toContain("<strong>Identified</strong> — A DNS change at the provider");
    // The incident is named by its latest message; its phase leads the entry's title.
    expect(await (await get("/feed.atom")).text()).toContain("<title>[Monitoring] Fix deployed; watching</title>");

    await admin("POST", `/api/admin/incidents/${id}/resolve`, { message: "Delivery is back to normal" });
    const resolved = (await json("/api/v2/incidents.json")).incidents[0];
    expect(resolved.status).toBe("resolved");
    expect(resolved.incident_updates[0]).toMatchObject({ status: "resolved", body: "Delivery is back to normal" });
    expect(resolved.incident_updates[0].affected_components[0]).toMatchObject({ old_status: "degraded_performance", new_status: "operational" });
    expect((await admin("GET", `/api/admin/incidents/${id}`)).body.data.updates.map((u: any) => u.phase)).toEqual([
      "investigating",
      "identified",
      "monitoring",
      "resolved",
    ]);
  });
});

describe("maintenance as Statuspage shows it", () => {
  const window = async (extra: Record<string, unknown> = {}) => {
    const { status, body } = await admin("POST", "/api/admin/maintenance", {
      title: "Network work",
      scheduledStart: new Date(Date.now() + 60 * HOUR).toISOString(),
      scheduledEnd: new Date(Date.now() + 62 * HOUR).toISOString(),
      ...extra,
    });
    expect(status, JSON.stringify(body)).toBe(201);
    return body.data.id as string;
  };

  it("always has the scheduled update, then in_progress and completed as the window runs", async () => {
    const id = await window();
    let [m] = (await json("/api/v2/scheduled-maintenances/upcoming.json")).scheduled_maintenances;
    expect(m.incident_updates).toHaveLength(1);
    expect(m.incident_updates[0]).toMatchObject({ status: "scheduled", body: "We will be undergoing scheduled maintenance during this time." });
    await admin("POST", `/api/admin/maintenance/${id}/start`);
    [m] = (await json("/api/v2/scheduled-maintenances/active.json")).scheduled_maintenances;
    expect(m.status).toBe("in_progress");
    expect(m.incident_updates.map((u: any) => u.status)).toEqual(["in_progress", "scheduled"]);
    expect(m.incident_updates[0].affected_components.every((a: any) => a.new_status === "under_maintenance")).toBe(true);
    // While it runs (and nothing is worse) the indicator is Statuspage's "maintenance".
    expect((await json("/api/v2/status.json")).status).toEqual({ indicator: "maintenance", description: "Service Under Maintenance" });
    await admin("POST", `/api/admin/maintenance/${id}/complete`);
    [m] = (await json("/api/v2/scheduled-maintenances.json")).scheduled_maintenances;
    expect(m.status).toBe("completed");
    expect(m.incident_updates.map((u: any) => u.status)).toEqual(["completed", "in_progress", "scheduled"]);
    expect(m.resolved_at).not.toBeNull();
    expect((await json("/api/v2/status.json")).status.indicator).toBe("none");
  });

  it("lets a window name what it takes down: a CRM-only window leaves the portal's components operational", async () => {
    const id = await window({ title: "CRM upgrade", affectsPortal: false, affectsCRM: true, components: ["crm"] });
    expect((await admin("GET", `/api/admin/maintenance/${id}`)).body.data.components).toEqual(["crm"]);
    await admin("POST", `/api/admin/maintenance/${id}/start`);
    const states = Object.fromEntries((await json("/api/v2/components.json")).components.map((c: any) => [c.id, c.status]));
    expect(states).toEqual({
      api: "operational",
      database: "operational",
      stripe: "operational",
      twilio: "operational",
      email: "operational",
      portal: "operational",
      crm: "under_maintenance",
    });
    const [m] = (await json("/api/v2/scheduled-maintenances/active.json")).scheduled_maintenances;
    expect(m.components.map((c: any) => c.id)).toEqual(["crm"]);
    expect(await (await get("/")).text()).toMatch(/CRM upgrade<\/h3><div class="muted">[^<]*<time[^>]*>[^<]*<\/time> – <time[^>]*>[^<]*<\/time> · CRM</);
    // Refused: names outside the component list, an empty list.
    for (const components of [["billing"], []]) {
      expect((await admin("PATCH", `/api/admin/maintenance/${id}`, { components })).status).toBe(400);
    }
  });

  it("leaves only the named components' checks out of the day's uptime", async () => {
    const day = "2030-03-10";
    const at = (h: number) => new Date(`${day}T${String(h).padStart(2, "0")}:30:00Z`);
    for (let h = 0; h < 4; h++) {
      for (const component of ["database", "twilio"]) {
        await sql(databaseUrl, "INSERT INTO health_check_logs (component, status, response_time_ms, checked_at) VALUES ($1, 'unhealthy', 10, $2)", [
          component,
          at(h),
        ]);
      }
    }
    await sql(
      databaseUrl,
      "INSERT INTO maintenance_windows (title, scheduled_start, scheduled_end, actual_start, actual_end, status, affects_portal, components) VALUES ('DB only', $1, $2, $1, $2, 'completed', true, ARRAY['database'])",
      [new Date(`${day}T00:00:00Z`), new Date(`${day}T04:00:00Z`)],
    );
    const report = await admin("GET", `/api/admin/reports/daily?date=${day}`);
    const byComponent = Object.fromEntries(report.body.data.components.map((c: any) => [c.component, c]));
    expect(byComponent.database).toMatchObject({ excludedChecks: 4, uptimePercent: null });
    expect(byComponent.twilio).toMatchObject({ excludedChecks: 0, uptimePercent: 0 });
  });
});

// The Statuspage v2 formats read by a real Statuspage client (the `statuspage.io` npm
// package, pointed at this service) while an incident and a maintenance window move through
// their phases. (Its maintenance methods all request upcoming.json — a bug of that client —
// so those endpoints are read with fetch.)
import { Statuspage } from "statuspage.io";
import { describe, expect, inject, it } from "vitest";

const ADMIN = { authorization: "Bearer dev-admin-token", "content-type": "application/json" };
const HOUR = 3_600_000;

describe("the statuspage.io client", () => {
  const { baseUrl } = inject("outside");
  const client = new Statuspage("portal");
  client.setApiUrl(baseUrl);
  const admin = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${baseUrl}${path}`, { method, headers: ADMIN, body: body === undefined ? undefined : JSON.stringify(body) });
    return (await response.json()) as { data: any };
  };

  it("reads the summary, status, components and incidents through an incident's phases", async () => {
    const summary = await client.api.getSummary();
    expect(Object.keys(summary)).toEqual(["page", "components", "incidents", "scheduled_maintenances", "status"]);
    expect(summary.page).toMatchObject({ id: "portal", time_zone: "Etc/UTC" });
    expect(summary.components.map((c) => c.id)).toEqual(["api", "database", "stripe", "twilio", "email", "portal", "crm"]);

    const { data: incident } = await admin("POST", "/api/admin/incidents", { component: "twilio", status: "partial_outage", message: "SMS delayed" });
    try {
      await admin("PATCH", `/api/admin/incidents/${incident.id}`, { phase: "identified", message: "Carrier congestion" });
      const unresolved = await client.api.incidents.getUnresolved();
      const found = unresolved.incidents.find((i) => i.id === incident.id)!;
      expect(found).toMatchObject({ status: "identified", impact: "major" });
      expect(found.incident_updates.map((u) => u.status)).toEqual(["identified", "investigating"]);
      expect((found as unknown as { components: { id: string; status: string }[] }).components).toEqual([
        expect.objectContaining({ id: "twilio", status: "partial_outage" }),
      ]);
      const components = await client.api.getComponents();
      expect(components.components.find((c) => c.id === "twilio")!.status).toBe("partial_outage");
      expect((await client.api.getStatus()).status.indicator).toBe("major");
    } finally {
      await admin("POST", `/api/admin/incidents/${incident.id}/resolve`, { message: "Delivered" });
    }
    const all = await client.api.incidents.getAll();
    expect(all.incidents.find((i) => i.id === incident.id)).toMatchObject({ status: "resolved" });
    expect((await client.api.getStatus()).status.indicator).toBe("none");
  });

  it("reads maintenance, with Statuspage's maintenance indicator while it runs", async () => {
    const { data: window } = await admin("POST", "/api/admin/maintenance", {
      title: "Client test window",
      scheduledStart: new Date(Date.now() + 80 * HOUR).toISOString(),
      scheduledEnd: new Date(Date.now() + 81 * HOUR).toISOString(),
      components: ["crm"],
    });
    try {
      const upcoming = await client.api.scheduledMaintenances.getUpcoming();
      const listed = upcoming.scheduled_maintenances.find((m) => m.id === window.id)!;
      expect(listed).toMatchObject({ status: "scheduled", impact: "maintenance" });
      expect(listed.incident_updates).toHaveLength(1);
      await admin("POST", `/api/admin/maintenance/${window.id}/start`);
      expect((await client.api.getStatus()).status).toEqual({ indicator: "maintenance", description: "Service Under Maintenance" });
      const active = (await (await fetch(`${baseUrl}/api/v2/scheduled-maintenances/active.json`)).json()) as {
        scheduled_maintenances: { id: string; components: { id: string }[] }[];
      };
      expect(active.scheduled_maintenances.find((m) => m.id === window.id)!.components.map((c) => c.id)).toEqual(["crm"]);
    } finally {
      await admin("POST", `/api/admin/maintenance/${window.id}/complete`);
    }
    expect((await client.api.getStatus()).status.indicator).toBe("none");
  });
});

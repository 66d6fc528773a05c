// Adding a component is one entry in src/components/registry.ts. This file runs in a test
// project ("sixth-component", vitest.config.ts) whose build has that one file extended by
// ./registry-with-maps.ts — a sixth probed component, "maps", a vendor on the CRM only, with
// settings of its own names — and nothing else changed. It checks that every part of the
// service that lists components picks it up: the probes and /api/portal/health, the page, the badges and their purge
// list, the Statuspage JSON, the admin API's enums and its OpenAPI document, automatic
// incidents, and the daily roll-up with its maintenance exclusions.
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FAKE_CREDENTIALS } from "../../scripts/lib/fake-vendors.ts";
import { DAILY, EVERY_MINUTE } from "../../src/cron/scheduled.ts";
import { publicCaches } from "../../src/edge/purge-on-write.ts";
import { adminClient } from "../support/admin.ts";
import { callWorker, emptyTables, freshDatabase, runCron, sql, vendorScope } from "../support/harness.ts";

let databaseUrl: string;
const vendors = vendorScope();
const mapsVendor = vendorScope();
const admin = adminClient(() => databaseUrl);
const env = () => ({
  DATABASE_URL: databaseUrl,
  ...vendors.env,
  MAPS_API_BASE: mapsVendor.env.STRIPE_API_BASE,
  MAPS_API_KEY: FAKE_CREDENTIALS.STRIPE_SECRET_KEY,
  HEALTH_VENDOR_UNHEALTHY_MS: "300",
});

beforeAll(async () => {
  databaseUrl = await freshDatabase();
});
beforeEach(async () => {
  await emptyTables(databaseUrl);
  await vendors.reset();
  await mapsVendor.reset();
});

describe("a sixth component, registered in one place", () => {
  it("is probed with its own settings and reported by /api/portal/health", async () => {
    const response = await callWorker("/api/portal/health", env());
    const body = (await response.json()) as { data: { status: string; components: Record<string, { status: string; message?: string }> } };
    expect(Object.keys(body.data.components)).toEqual(["api", "database", "stripe", "twilio", "email", "maps"]);
    expect(body.data.components.maps!.status).toBe("healthy");
    expect((await mapsVendor.requests()).map((r) => [r.vendor, r.path])).toEqual([["stripe", "/v1/balance"]]);

    await mapsVendor.set("stripe", { failure: "500" });
    const failing = (await (await callWorker("/api/portal/health", env())).json()) as typeof body;
    expect(failing.data.components.maps).toMatchObject({ status: "unhealthy", message: "HTTP 500 from maps" });
    expect(failing.data.components.stripe!.status).toBe("healthy");

    const { MAPS_API_KEY: _unset, ...withoutKey } = env();
    const unconfigured = (await (await callWorker("/api/portal/health", withoutKey)).json()) as typeof body;
    expect(unconfigured.data.components.maps!.message).toBe("not configured: MAPS_API_KEY not set");
  });

  it("appears on the page, in the Statuspage JSON, as a badge and in the purge list", async () => {
    const page = await (await callWorker("/", env())).text();
    expect(page).toContain("Maps");
    const components = (await (await callWorker("/api/v2/components.json", env())).json()) as { components: { id: string; name: string }[] };
    expect(components.components.map((c) => c.id)).toContain("maps");
    expect(components.components.find((c) => c.id === "maps")!.name).toBe("Maps");
    const badge = await callWorker("/badge.svg?component=maps", env());
    expect(badge.status).toBe(200);
    expect(await badge.text()).toContain("maps");
    expect(publicCaches()).toContain("badge.maps");
  });

  it("is a component the admin API and its OpenAPI document accept", async () => {
    const opened = await admin("POST", "/api/admin/incidents", { component: "maps", status: "degraded", message: "Lookups are slow" });
    expect(opened.status).toBe(201);
    expect(opened.body.data.component).toBe("maps");
    const unknown = await admin("POST", "/api/admin/incidents", { component: "atlas", status: "degraded", message: "No such component" });
    expect(unknown.status).toBe(400);
    // Every list of components in the document (enums, the health answer's properties) has it.
    const document = await (await callWorker("/api/openapi.json", env())).json();
    const lists: string[][] = [];
    JSON.stringify(document, (key, value) => {
      if (key === "enum" && Array.isArray(value) && value.includes("stripe")) lists.push(value);
      if (key === "properties" && value && typeof value === "object" && "stripe" in value) lists.push(Object.keys(value));
      return value;
    });
    expect(lists.length).toBeGreaterThanOrEqual(5);
    for (const list of lists) expect(list).toContain("maps");
  });

  it("opens an automatic incident after sustained failures", async () => {
    await mapsVendor.set("stripe", { failure: "500" });
    const at = (minute: number) => new Date(Date.UTC(2030, 5, 1, 12, minute));
    for (const minute of [0, 1, 2]) await runCron(EVERY_MINUTE, env(), at(minute));
    const incidents = await sql<{ component: string; resolved_at: Date | null }>(databaseUrl, "SELECT component, resolved_at FROM system_status");
    expect(incidents).toEqual([{ component: "maps", resolved_at: null }]);
  });

  it("is rolled up daily, with a window on its surface (the CRM) left out of its uptime", async () => {
    const dayStart = Date.UTC(2030, 1, 10);
    const at = (hours: number) => new Date(dayStart + hours * 3_600_000);
    for (let h = 0; h < 24; h++) {
      for (const component of ["maps", "stripe"]) {
        const status = h === 3 ? "unhealthy" : "healthy";
        await sql(databaseUrl, "INSERT INTO health_check_logs (component, status, response_time_ms, checked_at) VALUES ($1, $2, 100, $3)", [
          component,
          status,
          at(h + 0.5),
        ]);
      }
    }
    // A CRM-only window over 03:00–04:00: it covers maps, not stripe (a portal-only vendor).
    await sql(
      databaseUrl,
      `INSERT INTO maintenance_windows (title, scheduled_start, scheduled_end, actual_start, actual_end, status, affects_portal, affects_crm)
       VALUES ('CRM upgrade', $1, $2, $1, $2, 'completed', false, true)`,
      [at(3), at(4)],
    );
    await runCron(DAILY, { DATABASE_URL: databaseUrl }, new Date(dayStart + 86_400_000 + 15 * 60_000));
    const rows = await sql(
      databaseUrl,
      "SELECT component, checks, unhealthy, excluded_checks, uptime_percent::float8 AS uptime FROM health_check_daily ORDER BY component",
    );
    expect(rows).toEqual([
      { component: "maps", checks: 24, unhealthy: 1, excluded_checks: 1, uptime: 100 },
      { component: "stripe", checks: 24, unhealthy: 1, excluded_checks: 0, uptime: expect.closeTo(95.83, 2) },
    ]);
  });
});

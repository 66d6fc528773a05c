import ICAL from "ical.js";
import { XMLParser } from "fast-xml-parser";
import { beforeAll, describe, expect, it } from "vitest";
import { callWorker, freshDatabase, sql } from "../support/harness.ts";

let databaseUrl: string;
let openIncident: string;
let upcomingWindow: { id: string; start: Date; end: Date };
const HOUR = 3_600_000;
// Each call in its own cache namespace: cached like the real thing, never a stale copy.
const get = (path: string, headers: Record<string, string> = {}) =>
  callWorker(
    path,
    { DATABASE_URL: databaseUrl, PUBLIC_URL: "https://status.example.com", EDGE_CACHE: "on", CACHE_NAMESPACE: crypto.randomUUID() },
    { headers },
  );
const xml = new XMLParser({ ignoreAttributes: false });

beforeAll(async () => {
  databaseUrl = await freshDatabase();
  const now = Date.now();
  // The latest probe round: Stripe slow, the rest healthy.
  for (const [component, status, ms] of [
    ["api", "healthy", 4],
    ["database", "healthy", 40],
    ["stripe", "degraded", 2600],
    ["twilio", "healthy", 180],
    ["email", "healthy", 150],
  ] as const) {
    for (let h = 0; h < 6; h++) {
      await sql(databaseUrl, "INSERT INTO health_check_logs (component, status, response_time_ms, checked_at) VALUES ($1, $2, $3, $4)", [
        component,
        h === 0 ? status : "healthy",
        ms + h,
        new Date(now - h * HOUR - 60_000),
      ]);
    }
  }
  for (let d = 1; d <= 30; d++) {
    const day = new Date(now - d * 86_400_000).toISOString().slice(0, 10);
    await sql(
      databaseUrl,
      "INSERT INTO health_check_daily (day, component, checks, healthy, degraded, unhealthy, uptime_percent) VALUES ($1, 'email', 1440, 1440, 0, 0, $2)",
      [day, d === 3 ? 96.5 : 100],
    );
  }
  openIncident = (
    await sql<{ id: string }>(
      databaseUrl,
      "INSERT INTO system_status (component, status, message, started_at) VALUES ('stripe', 'degraded', 'Payments are slow', $1) RETURNING id",
      [new Date(now - HOUR)],
    )
  )[0]!.id;
  await sql(
    databaseUrl,
    "INSERT INTO incident_updates (incident_id, status, message, created_at) VALUES ($1, 'degraded', 'Investigating slow card payments', $2)",
    [openIncident, new Date(now - HOUR)],
  );
  const resolved = (
    await sql<{ id: string }>(
      databaseUrl,
      "INSERT INTO system_status (component, status, message, started_at, resolved_at) VALUES ('email', 'major_outage', 'Email delivery stopped', $1, $2) RETURNING id",
      [new Date(now - 3 * 86_400_000), new Date(now - 3 * 86_400_000 + HOUR)],
    )
  )[0]!.id;
  await sql(
    databaseUrl,
    "INSERT INTO incident_updates (incident_id, status, message, resolved, created_at) VALUES ($1, 'major_outage', 'Resend is down', false, $2), ($1, 'major_outage', 'Delivery restored', true, $3)",
    [resolved, new Date(now - 3 * 86_400_000), new Date(now - 3 * 86_400_000 + HOUR)],
  );
  const start = new Date(now + 50 * HOUR);
  const end = new Date(now + 53 * HOUR);
  const id = (
    await sql<{ id: string }>(
      databaseUrl,
      "INSERT INTO maintenance_windows (title, description, scheduled_start, scheduled_end) VALUES ('Database upgrade', 'Upgrading, with commas; and semicolons', $1, $2) RETURNING id",
      [start, end],
    )
  )[0]!.id;
  upcomingWindow = { id, start, end };
  await sql(databaseUrl, "INSERT INTO maintenance_windows (title, scheduled_start, scheduled_end, status) VALUES ('Cancelled one', $1, $2, 'cancelled')", [
    start,
    end,
  ]);
});

describe("status page (GET /)", () => {
  it("shows the banner, every component with a 90-day bar, incidents and maintenance, and is light", async () => {
    const response = await get("/");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/text\/html/);
    expect(response.headers.get("cache-control")).toContain("s-maxage=30");
    const html = await response.text();
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('role="status">Minor Service Outage');
    for (const name of ["API", "Database", "Payments", "SMS", "Email", "Customer portal", "CRM"]) expect(html).toContain(`<span class="name">${name}</span>`);
    expect(html.match(/<svg class="bar"/g)).toHaveLength(7);
    expect(html.match(/<rect /g)!.length).toBe(7 * 90);
    expect(html).toContain("96.50 % uptime");
    expect(html).toMatch(/aria-label="Payments response time over 24 hours: average \d+ ms/);
    expect(html).toContain("Investigating slow card payments");
    expect(html).toContain("Delivery restored");
    expect(html).toContain("Database upgrade");
    expect(html).not.toContain("Cancelled one");
    expect(html).toContain("prefers-color-scheme:dark");
    expect(html).not.toMatch(/<script/i);
    expect(html).toMatch(/<main>[\s\S]*<\/main>/);
    // Weight: the raw HTML with its inline stylesheet, and what it costs gzipped.
    const gzipped = await new Response(new Blob([html]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer();
    expect(html.length).toBeLessThan(100_000);
    expect(gzipped.byteLength).toBeLessThan(8_000);
  });

  it("names the features released in the last 30 days, and nothing about flags short of fully on", async () => {
    await sql(
      databaseUrl,
      `INSERT INTO feature_flags (key, name, description, enabled, rollout_percentage, released_at) VALUES
         ('portal_dark_mode', 'Dark mode', 'internal: ticket 123', true, 100, now() - interval '3 days'),
         ('portal_old_release', 'Old release', NULL, true, 100, now() - interval '45 days'),
         ('portal_half_way', 'Half way', NULL, true, 50, now() - interval '5 days'),
         ('portal_secret', 'Secret thing', NULL, true, 10, NULL)`,
    );
    try {
      const html = await (await get("/")).text();
      expect(html).toMatch(/<h2 id="releases">Recently released<\/h2><ul class="releases"><li>Dark mode <span class="muted">· <time/);
      for (const hidden of ["Old release", "Half way", "Secret thing", "ticket 123", "portal_dark_mode"]) expect(html).not.toContain(hidden);
    } finally {
      await sql(databaseUrl, "DELETE FROM feature_flags");
    }
  });
});

describe("Statuspage v2 JSON", () => {
  const json = async (path: string) => {
    const response = await get(path);
    expect(response.status, path).toBe(200);
    return (await response.json()) as any;
  };

  it("summary.json has the page, status, components, open incidents and maintenance", async () => {
    const summary = await json("/api/v2/summary.json");
    expect(summary.page).toMatchObject({ id: "portal", name: "Portal status", url: "https://status.example.com", time_zone: "Etc/UTC" });
    expect(summary.status).toEqual({ indicator: "minor", description: "Minor Service Outage" });
    const states = Object.fromEntries(summary.components.map((c: any) => [c.id, c.status]));
    expect(states).toEqual({
      api: "operational",
      database: "operational",
      stripe: "degraded_performance",
      twilio: "operational",
      email: "operational",
      portal: "operational",
      crm: "operational",
    });
    for (const c of summary.components)
      expect(Object.keys(c)).toEqual(
        expect.arrayContaining([
          "id",
          "name",
          "status",
          "created_at",
          "updated_at",
          "position",
          "description",
          "showcase",
          "group_id",
          "page_id",
          "group",
          "only_show_if_degraded",
        ]),
      );
    expect(summary.incidents).toHaveLength(1);
    expect(summary.incidents[0]).toMatchObject({
      id: openIncident,
      status: "investigating",
      impact: "minor",
      resolved_at: null,
      components: [{ id: "stripe" }],
    });
    expect(summary.incidents[0].incident_updates[0]).toMatchObject({ status: "investigating", body: "Investigating slow card payments" });
    expect(summary.scheduled_maintenances).toHaveLength(1);
    expect(summary.scheduled_maintenances[0]).toMatchObject({
      id: upcomingWindow.id,
      status: "scheduled",
      impact: "maintenance",
      scheduled_for: upcomingWindow.start.toISOString(),
      scheduled_until: upcomingWindow.end.toISOString(),
    });
  });

  it("serves every endpoint with Statuspage's names and enums", async () => {
    expect((await json("/api/v2/status.json")).status.indicator).toBe("minor");
    expect((await json("/api/v2/components.json")).components).toHaveLength(7);
    const incidents = (await json("/api/v2/incidents.json")).incidents;
    expect(incidents.map((i: any) => [i.status, i.impact])).toEqual([
      ["investigating", "minor"],
      ["resolved", "critical"],
    ]);
    expect((await json("/api/v2/incidents/unresolved.json")).incidents.map((i: any) => i.id)).toEqual([openIncident]);
    expect((await json("/api/v2/scheduled-maintenances.json")).scheduled_maintenances.map((m: any) => m.name)).toEqual(["Database upgrade"]);
    expect((await json("/api/v2/scheduled-maintenances/upcoming.json")).scheduled_maintenances).toHaveLength(1);
    expect((await json("/api/v2/scheduled-maintenances/active.json")).scheduled_maintenances).toEqual([]);
    for (const i of incidents) expect(["investigating", "identified", "monitoring", "resolved", "postmortem"]).toContain(i.status);
  });
});

describe("IETF health+json", () => {
  it("answers /api/portal/health in the draft's format when asked for it", async () => {
    const response = await callWorker(
      "/api/portal/health",
      { DATABASE_URL: databaseUrl, EDGE_CACHE: "on", CACHE_NAMESPACE: crypto.randomUUID() },
      { headers: { accept: "application/health+json" } },
    );
    expect(response.headers.get("content-type")).toMatch(/^application\/health\+json/);
    const body = (await response.json()) as any;
    expect(["pass", "warn", "fail"]).toContain(body.status);
    expect(Object.keys(body.checks).sort()).toEqual([
      "api:responseTime",
      "database:responseTime",
      "email:responseTime",
      "stripe:responseTime",
      "twilio:responseTime",
    ]);
    expect(body.checks["database:responseTime"][0]).toMatchObject({
      componentId: "database",
      componentType: "datastore",
      observedUnit: "ms",
      status: "pass",
      observedValue: expect.any(Number),
      time: expect.any(String),
    });
  });

  it("is cached apart from the JSON envelope", async () => {
    const env = { DATABASE_URL: databaseUrl, EDGE_CACHE: "on", CACHE_NAMESPACE: crypto.randomUUID() };
    const plain = await callWorker("/api/portal/health", env);
    const draft = await callWorker("/api/portal/health", env, { headers: { accept: "application/health+json" } });
    const plainAgain = await callWorker("/api/portal/health", env);
    expect(plain.headers.get("content-type")).toMatch(/application\/json/);
    expect(draft.headers.get("content-type")).toMatch(/application\/health\+json/);
    expect(plainAgain.headers.get("content-type")).toMatch(/application\/json/);
    expect(plainAgain.headers.get("server-timing")).toContain('cache;desc="hit"');
  });
});

describe("feeds", () => {
  it("RSS 2.0 parses back with incidents and maintenance", async () => {
    const response = await get("/feed.rss");
    expect(response.headers.get("content-type")).toMatch(/application\/rss\+xml/);
    const feed = xml.parse(await response.text());
    expect(feed.rss["@_version"]).toBe("2.0");
    const items = [].concat(feed.rss.channel.item);
    expect(items.map((i: any) => i.title).sort()).toEqual(["Payments are slow", "[Maintenance] Database upgrade", "[Resolved] Email delivery stopped"].sort());
    for (const item of items as any[]) {
      expect(Number.isNaN(Date.parse(item.pubDate))).toBe(false);
      expect(item.link).toMatch(/^https:\/\/status\.example\.com\/#/);
      expect(item.guid["#text"]).toBeTruthy();
    }
    expect(feed.rss.channel["atom:link"]["@_href"]).toBe("https://status.example.com/feed.rss");
  });

  it("Atom 1.0 parses back with ids, dates and content", async () => {
    const response = await get("/feed.atom");
    expect(response.headers.get("content-type")).toMatch(/application\/atom\+xml/);
    const feed = xml.parse(await response.text()).feed;
    expect(feed["@_xmlns"]).toBe("http://www.w3.org/2005/Atom");
    expect(Number.isNaN(Date.parse(feed.updated))).toBe(false);
    const entries = [].concat(feed.entry) as any[];
    expect(entries).toHaveLength(3);
    for (const entry of entries) {
      expect(entry.id).toMatch(/^https:\/\/status\.example\.com\/(incident|maintenance)-/);
      expect(Number.isNaN(Date.parse(entry.updated))).toBe(false);
    }
    const resolved = entries.find((e) => e.title === "[Resolved] Email delivery stopped");
    expect(resolved.content["#text"]).toContain("Delivery restored");
  });

  it("the maintenance calendar parses back as iCalendar events at the window's times", async () => {
    const response = await get("/maintenance.ics");
    expect(response.headers.get("content-type")).toMatch(/^text\/calendar/);
    const text = await response.text();
    expect(text).toContain("\r\n");
    const calendar = new ICAL.Component(ICAL.parse(text));
    const events = calendar.getAllSubcomponents("vevent").map((v) => new ICAL.Event(v));
    expect(events).toHaveLength(1);
    expect(events[0]!.summary).toBe("Maintenance: Database upgrade");
    expect(events[0]!.description).toBe("Upgrading, with commas; and semicolons");
    expect(events[0]!.startDate.toJSDate().getTime()).toBe(Math.floor(upcomingWindow.start.getTime() / 1000) * 1000);
    expect(events[0]!.endDate.toJSDate().getTime()).toBe(Math.floor(upcomingWindow.end.getTime() / 1000) * 1000);
    expect(events[0]!.uid).toBe(`maintenance-${upcomingWindow.id}@status.example.com`);
  });
});

describe("badge", () => {
  it("shows the overall state, or one component's", async () => {
    const overall = await get("/badge.svg");
    expect(overall.headers.get("content-type")).toMatch(/^image\/svg\+xml/);
    const svg = xml.parse(await overall.text()).svg;
    expect(svg["@_aria-label"]).toBe("status: minor service outage");
    const stripe = await (await get("/badge.svg?component=stripe")).text();
    expect(stripe).toContain('aria-label="payments: degraded performance"');
    const database = await (await get("/badge.svg?component=database")).text();
    expect(database).toContain('aria-label="database: operational"');
    expect((await get("/badge.svg?component=mainframe")).status).toBe(404);
  });
});

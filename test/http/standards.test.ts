// Standards details outside clients trip over, and integrity defects an outside review found:
// content negotiation, Vary, feed titles, the favicon, preflights on every public format,
// the audit order under concurrency, reserved keys, RFC 5545 text, malformed tokens and
// empty JSON bodies.
import ICAL from "ical.js";
import { XMLParser } from "fast-xml-parser";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { ACTOR, ADMIN_TOKEN, ADMIN_TOKENS, adminClient } from "../support/admin.ts";
import { callWorker, freshDatabase, vendorScope } from "../support/harness.ts";

let databaseUrl: string;
const vendors = vendorScope();
const admin = adminClient(() => databaseUrl);
const env = (extra: Record<string, string> = {}) => ({ DATABASE_URL: databaseUrl, ADMIN_TOKENS, ...vendors.env, ...extra });
const HOUR = 3_600_000;

beforeAll(async () => {
  databaseUrl = await freshDatabase();
});

describe("content negotiation on /api/portal/health", () => {
  it.each([
    [undefined, "application/json"],
    ["application/json", "application/json"],
    ["application/health+json", "application/health+json"],
    ["application/health+json;q=0, application/json", "application/json"],
    ["application/json;q=0.5, application/health+json", "application/health+json"],
    ["application/json, application/health+json;q=0.4", "application/json"],
    ["*/*", "application/json"],
    ["application/*", "application/json"],
    ["text/html, application/health+json;q=0.1", "application/health+json"],
  ])("Accept %s gets %s, with Vary: Accept", async (accept, type) => {
    const response = await callWorker("/api/portal/health", env(), { headers: accept ? { accept } : {} });
    expect(response.headers.get("content-type")).toMatch(new RegExp(`^${type.replace("+", "\\+")}`));
    expect(response.headers.get("vary")).toMatch(/Accept/);
  });

  it("keeps Vary on answers from the edge cache", async () => {
    const cached = { EDGE_CACHE: "on", CACHE_NAMESPACE: crypto.randomUUID() };
    await callWorker("/api/portal/health", env(cached));
    const hit = await callWorker("/api/portal/health", env(cached));
    expect(hit.headers.get("server-timing")).toContain('cache;desc="hit"');
    expect(hit.headers.get("vary")).toMatch(/Accept/);
  });
});

describe("the status page's small things", () => {
  it("names the feeds by the page's title, once", async () => {
    const xml = new XMLParser();
    const rss = xml.parse(await (await callWorker("/feed.rss", env({ STATUS_PAGE_TITLE: "Acme status" }))).text());
    const atom = xml.parse(await (await callWorker("/feed.atom", env({ STATUS_PAGE_TITLE: "Acme status" }))).text());
    expect(rss.rss.channel.title).toBe("Acme status");
    expect(atom.feed.title).toBe("Acme status");
  });

  it("has an icon: declared inline by the page, and at /favicon.ico for those who ask", async () => {
    const page = await (await callWorker("/", env())).text();
    expect(page).toMatch(/<link rel="icon" type="image\/svg\+xml" href="data:image\/svg\+xml,/);
    const ico = await callWorker("/favicon.ico", env(), { redirect: "manual" });
    expect(ico.status).toBe(301);
    expect(ico.headers.get("location")).toBe("/favicon.svg");
    const svg = await callWorker("/favicon.svg", env());
    expect(svg.status).toBe(200);
    expect(svg.headers.get("content-type")).toMatch(/^image\/svg\+xml/);
  });

  it.each([
    "/",
    "/api/v2/summary.json",
    "/api/v2/incidents/unresolved.json",
    "/feed.rss",
    "/feed.atom",
    "/maintenance.ics",
    "/badge.svg",
    "/api/portal/status",
  ])("answers a CORS preflight for %s", async (path) => {
    const response = await callWorker(path, env(), {
      method: "OPTIONS",
      headers: { origin: "https://dashboard.example.org", "access-control-request-method": "GET" },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
  });
});

describe("integrity", () => {
  it("keeps the audit log in the order changes were applied, under 20 concurrent updates of one flag", async () => {
    expect((await admin("POST", "/api/admin/flags", { key: "portal_contended", name: "Contended", enabled: true, rolloutPercentage: 0 })).status).toBe(201);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => admin("PATCH", "/api/admin/flags/portal_contended", { rolloutPercentage: i + 1 })));
    expect(results.every((r) => r.status === 200)).toBe(true);
    const final = (await admin("GET", "/api/admin/flags/portal_contended")).body.data.rolloutPercentage;
    const audit = (await admin("GET", "/api/admin/audit?entity=flag&key=portal_contended&limit=50")).body.data;
    const updates = audit.filter((e: any) => e.action === "flag.update");
    expect(updates).toHaveLength(20);
    // Newest first: the newest entry is the final state, and each entry's "before" is the next older one's "after".
    expect(updates[0].after.rolloutPercentage).toBe(final);
    for (let i = 0; i < updates.length - 1; i++) expect(updates[i].before.rolloutPercentage).toBe(updates[i + 1].after.rolloutPercentage);
  });

  it("refuses a flag keyed like a route (stale), which could never be read", async () => {
    const { status, body } = await admin("POST", "/api/admin/flags", { key: "stale", name: "Stale" });
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ code: "FLAG_KEY_RESERVED" });
    expect((await admin("GET", "/api/admin/flags/stale")).status).toBe(200);
  });

  it("escapes a bare CR, commas, semicolons and backslashes in the calendar (RFC 5545 TEXT)", async () => {
    const title = "Line one\rLine two; with, commas \\ and a backslash";
    const created = await admin("POST", "/api/admin/maintenance", {
      title: "Calendar test",
      description: title,
      scheduledStart: new Date(Date.now() + 50 * HOUR).toISOString(),
      scheduledEnd: new Date(Date.now() + 51 * HOUR).toISOString(),
    });
    expect(created.status).toBe(201);
    const text = await (await callWorker("/maintenance.ics", env())).text();
    expect(text.replace(/\r\n/g, "")).not.toMatch(/[\r\n]/); // no bare CR or LF anywhere
    const event = new ICAL.Component(ICAL.parse(text))
      .getAllSubcomponents("vevent")
      .map((v) => new ICAL.Event(v))
      .find((e) => e.summary === "Maintenance: Calendar test")!;
    expect(event.description).toBe("Line one\nLine two; with, commas \\ and a backslash");
  });

  it("says loudly which ADMIN_TOKENS entries are malformed, without the tokens, and keeps the good ones", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const config = `${ACTOR}=${ADMIN_TOKEN},00000000-0000-4000-8000-0000000000c3=bad token,not-a-uuid=abc, =nothing-before,00000000-0000-4000-8000-0000000000d4=`;
    const response = await callWorker(
      "/api/admin/flags",
      { DATABASE_URL: databaseUrl, ADMIN_TOKENS: config },
      { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } },
    );
    const lines = errors.mock.calls.map((c) => String(c[0]));
    errors.mockRestore();
    expect(response.status).toBe(200);
    const report = JSON.parse(lines.find((l) => l.includes("tokens_malformed"))!);
    expect(report.variable).toBe("ADMIN_TOKENS");
    expect(report.malformed.map((m: { position: number }) => m.position)).toEqual([2, 3, 4, 5]);
    expect(lines.join("\n")).not.toContain("bad token");
    expect(lines.join("\n")).not.toContain("nothing-before");
  });

  it("takes a JSON content type with an empty body as no body, where the body is optional", async () => {
    const opened = await admin("POST", "/api/admin/incidents", { component: "api", status: "degraded", message: "Slow" });
    const resolved = await admin("POST", `/api/admin/incidents/${opened.body.data.id}/resolve`, undefined, { rawBody: "" });
    expect(resolved.status).toBe(200);
    expect(resolved.body.data.resolvedAt).not.toBeNull();
    // Where a body is required, an empty one names the missing fields.
    const missing = await admin("POST", "/api/admin/incidents", undefined, { rawBody: "" });
    expect(missing.status).toBe(400);
    expect(missing.body.error!.message).toMatch(/component/);
  });
});

import { beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { cacheKeyFor, forgetMemoryCache, STORED_AT_HEADER } from "../../src/edge/edge-cache.ts";
import type { Env } from "../../src/env.ts";
import { adminClient } from "../support/admin.ts";
import { callWorker, databaseFault, emptyTables, freshDatabase, roundTrips, sql, vendorScope } from "../support/harness.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const json = (response: Response): Promise<any> => response.json();
let databaseUrl: string;
let namespace: string;
const vendors = vendorScope();
const env = (extra: Partial<Env> = {}): Partial<Env> => ({ DATABASE_URL: databaseUrl, EDGE_CACHE: "on", CACHE_NAMESPACE: namespace, ...vendors.env, ...extra });
const get = (path: string, extra: Partial<Env> = {}, headers: Record<string, string> = {}) => callWorker(path, env(extra), { headers });
const admin = adminClient(() => databaseUrl, {
  EDGE_CACHE: "on",
  get CACHE_NAMESPACE() {
    return namespace;
  },
} as Record<string, string>);

beforeAll(async () => {
  databaseUrl = await freshDatabase();
});
beforeEach(async () => {
  namespace = `cache-${crypto.randomUUID()}`;
  await emptyTables(databaseUrl);
  await vendors.reset();
});

describe("edge cache for /api/portal/status", () => {
  it("answers a second request from the cache: no database round trip, Age, same ETag", async () => {
    const before = await roundTrips(databaseUrl);
    const first = await get("/api/portal/status");
    expect(first.status).toBe(200);
    expect(first.headers.get("cache-control")).toBe("public, max-age=15, s-maxage=30, stale-while-revalidate=60, stale-if-error=86400");
    expect(first.headers.get("age")).toBe("0");
    expect(first.headers.get("server-timing")).toContain('cache;desc="miss"');
    expect(first.headers.get("server-timing")).toMatch(/db;dur=\d/);
    const etag = first.headers.get("etag");
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    const body = await first.json();
    expect((await roundTrips(databaseUrl)) - before).toBe(1);

    const second = await get("/api/portal/status");
    expect(second.status).toBe(200);
    expect(second.headers.get("etag")).toBe(etag);
    expect(second.headers.get("age")).toMatch(/^\d+$/);
    expect(second.headers.get("server-timing")).toContain('cache;desc="hit"');
    expect(second.headers.get("x-request-id")).not.toBe(first.headers.get("x-request-id"));
    expect(second.headers.get("x-edge-stored-at")).toBeNull();
    expect(await json(second)).toEqual(body);
    expect((await roundTrips(databaseUrl)) - before).toBe(1);
  });

  it("ignores the query string and headers that do not change the answer", async () => {
    await get("/api/portal/status");
    const before = await roundTrips(databaseUrl);
    const variant = await get("/api/portal/status?utm_source=statuspage&_=123", {}, { "accept-language": "de", "user-agent": "monitor/1.0", cookie: "a=b" });
    expect(variant.status).toBe(200);
    expect(variant.headers.get("server-timing")).toContain('cache;desc="hit"');
    expect((await roundTrips(databaseUrl)) - before).toBe(0);
  });

  it("answers If-None-Match with 304", async () => {
    const first = await get("/api/portal/status");
    const etag = first.headers.get("etag")!;
    const notModified = await get("/api/portal/status", {}, { "if-none-match": etag });
    expect(notModified.status).toBe(304);
    expect(await notModified.text()).toBe("");
    expect(notModified.headers.get("etag")).toBe(etag);
    expect((await get("/api/portal/status", {}, { "if-none-match": `W/${etag}, "other"` })).status).toBe(304);
    expect((await get("/api/portal/status", {}, { "if-none-match": '"something-else"' })).status).toBe(200);
  });

  it("serves a stale answer while one background refresh regenerates it", async () => {
    const first = await get("/api/portal/status");
    const stored = await caches.default.match(cacheKeyFor(namespace, "status", "portal.test"));
    const headers = new Headers(stored!.headers);
    headers.set(STORED_AT_HEADER, String(Date.now() - 45_000)); // past the 30 s TTL, inside stale-while-revalidate
    await caches.default.put(cacheKeyFor(namespace, "status", "portal.test"), new Response(await stored!.text(), { status: 200, headers }));
    forgetMemoryCache(); // as in another isolate, which only has the Cache API's copy
    await sql(databaseUrl, "INSERT INTO feature_flags (key, name, enabled) VALUES ('portal_fresh', 'Fresh', true)");

    const before = await roundTrips(databaseUrl);
    const stale = await get("/api/portal/status");
    expect(stale.headers.get("server-timing")).toContain('cache;desc="stale"');
    expect(Number(stale.headers.get("age"))).toBeGreaterThanOrEqual(45);
    expect((await json(stale)).data.featureFlags).toEqual({});
    // callWorker waited for the request's background work: the refresh has run and stored.
    expect((await roundTrips(databaseUrl)) - before).toBe(1);
    const refreshed = await get("/api/portal/status");
    expect(refreshed.headers.get("server-timing")).toContain('cache;desc="hit"');
    expect((await json(refreshed)).data.featureFlags).toEqual({ portal_fresh: true });
    expect(refreshed.headers.get("etag")).not.toBe(first.headers.get("etag"));
  });

  it("serves the last known state, marked stale, when the database fails, with the probes live", async () => {
    await sql(databaseUrl, "INSERT INTO feature_flags (key, name, enabled) VALUES ('portal_kept', 'Kept', true)");
    const good = await json(await get("/api/portal/status"));
    expect(good.data.systemStatus).toBe("operational");
    await caches.default.delete(cacheKeyFor(namespace, "status", "portal.test")); // the fresh copy has expired
    forgetMemoryCache();
    const warnings = vi.spyOn(console, "warn").mockImplementation(() => {});
    await databaseFault(databaseUrl, { refuse: true });
    try {
      const response = await get("/api/portal/status");
      expect(response.status).toBe(200);
      const body = await json(response);
      expect(body).toMatchObject({
        success: true,
        stale: true,
        generatedAt: expect.any(String),
        unavailableSince: expect.any(String),
        data: { featureFlags: { portal_kept: true } },
      });
      // The database's own probe is live: it is down, so the system is not "operational".
      expect(body.data.systemStatus).toBe("partial_outage");
      expect(response.headers.get("cache-control")).toBe("no-store");
      expect(Number(response.headers.get("age"))).toBeGreaterThanOrEqual(0);
      // Kept briefly at the edge, still marked.
      const again = await get("/api/portal/status");
      expect(again.headers.get("server-timing")).toContain('cache;desc="hit"');
      expect(again.headers.get("cache-control")).toBe("no-store");
      expect((await json(again)).stale).toBe(true);
    } finally {
      await databaseFault(databaseUrl, null);
      warnings.mockRestore();
    }
  });

  it("answers 200 with the live probes when the database fails and nothing is known", async () => {
    const warnings = vi.spyOn(console, "warn").mockImplementation(() => {});
    const response = await get("/api/portal/status", { DATABASE_URL: "postgresql://u:secret-pw@127.0.0.1:1/down" });
    warnings.mockRestore();
    expect(response.status).toBe(200);
    const body = await json(response);
    expect(body).toMatchObject({
      success: true,
      stale: true,
      generatedAt: null,
      data: { featureFlags: {}, knownIssues: [], maintenanceMode: false, systemStatus: "partial_outage" },
    });
    expect(JSON.stringify(body)).not.toContain("secret-pw");
  });

  it("is purged by an admin write, so the admin sees the change at once", async () => {
    await sql(databaseUrl, "INSERT INTO feature_flags (key, name, enabled, rollout_percentage) VALUES ('portal_purge', 'Purge', false, 100)");
    expect((await json(await get("/api/portal/status"))).data.featureFlags).toEqual({ portal_purge: false });
    const change = await admin("PATCH", "/api/admin/flags/portal_purge", { enabled: true });
    expect(change.status).toBe(200);
    expect((await json(await get("/api/portal/status"))).data.featureFlags).toEqual({ portal_purge: true });
  });

  it("is not purged by a failed admin write", async () => {
    await get("/api/portal/status");
    expect((await admin("PATCH", "/api/admin/flags/portal_missing", { enabled: true })).status).toBe(404);
    expect((await get("/api/portal/status")).headers.get("server-timing")).toContain('cache;desc="hit"');
  });
});

describe("edge cache for /api/portal/health", () => {
  it("keeps an answer 10 s at the edge and tells browsers not to store it", async () => {
    const first = await get("/api/portal/health");
    expect(first.status).toBe(200);
    expect(first.headers.get("cache-control")).toBe("no-store");
    const asked = (await vendors.requests()).length;
    const second = await get("/api/portal/health");
    expect(second.headers.get("server-timing")).toContain('cache;desc="hit"');
    expect((await vendors.requests()).length).toBe(asked);
  });

  it("keeps a 503 answer too, so an outage does not multiply probe traffic", async () => {
    await vendors.set("stripe", { failure: "500" });
    await vendors.set("twilio", { failure: "500" });
    expect((await get("/api/portal/health")).status).toBe(503);
    const asked = (await vendors.requests()).length;
    const again = await get("/api/portal/health");
    expect(again.status).toBe(503);
    expect((await json(again)).data.status).toBe("major_outage");
    expect((await vendors.requests()).length).toBe(asked);
  });

  it("shares one probe round among concurrent misses", async () => {
    const asked = (await vendors.requests()).length;
    const before = await roundTrips(databaseUrl);
    const responses = await Promise.all(Array.from({ length: 10 }, () => get("/api/portal/health")));
    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect((await vendors.requests()).length - asked).toBe(3);
    expect((await roundTrips(databaseUrl)) - before).toBe(1);
  });

  it("reports probe times in Server-Timing", async () => {
    const response = await get("/api/portal/health");
    expect(response.headers.get("server-timing")).toMatch(/db;dur=[\d.]+;desc="database probe"/);
    expect(response.headers.get("server-timing")).toMatch(/probes;dur=[\d.]+/);
  });
});

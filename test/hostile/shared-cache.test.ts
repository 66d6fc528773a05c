// Nothing a client sends may shape a shared cached answer. With PUBLIC_URL set, links are
// always built from it; without it they come from the request's origin, and answers are
// cached per origin, so a spoofed Host (or X-Forwarded-*) only ever reaches its sender —
// including through the background refresh a stale hit starts.
import { beforeAll, describe, expect, it } from "vitest";
import { cacheKeyFor, forgetMemoryCache, STORED_AT_HEADER } from "../../src/edge/edge-cache.ts";
import type { Env } from "../../src/env.ts";
import { callWorkerAt, freshDatabase, sql, vendorScope } from "../support/harness.ts";

let databaseUrl: string;
const vendors = vendorScope();
const EVIL = "evil.example";
const HONEST = "status.portal.test";
const HOSTILE_HEADERS = { "x-forwarded-host": EVIL, "x-forwarded-proto": "gopher", "x-forwarded-for": "6.6.6.6", forwarded: `host=${EVIL};proto=https` };
// Each format and the name its answer is cached under.
const FORMATS: [string, string][] = [
  ["/api/v2/summary.json", "v2.summary"],
  ["/api/v2/incidents.json", "v2.incidents"],
  ["/api/v2/scheduled-maintenances.json", "v2.maintenances"],
  ["/feed.rss", "feed.rss"],
  ["/feed.atom", "feed.atom"],
  ["/maintenance.ics", "maintenance.ics"],
];

beforeAll(async () => {
  databaseUrl = await freshDatabase();
  const [open] = await sql<{ id: string }>(
    databaseUrl,
    "INSERT INTO system_status (component, status, message) VALUES ('stripe', 'degraded', 'Slow payments') RETURNING id",
  );
  await sql(databaseUrl, "INSERT INTO incident_updates (incident_id, status, message) VALUES ($1, 'degraded', 'Slow payments')", [open!.id]);
  await sql(
    databaseUrl,
    "INSERT INTO maintenance_windows (title, scheduled_start, scheduled_end) VALUES ('Upgrade', now() + interval '2 days', now() + interval '2 days 1 hour')",
  );
});

const env = (extra: Partial<Env>) => ({ DATABASE_URL: databaseUrl, EDGE_CACHE: "on", ...vendors.env, ...extra });
const at = (host: string, path: string, extra: Partial<Env>, headers: Record<string, string> = {}) =>
  callWorkerAt(`http://${host}${path}`, env(extra), { headers });

describe("a spoofed Host or X-Forwarded-* header, PUBLIC_URL unset", () => {
  it.each(FORMATS)("never reaches the cached %s other clients get, cold or warm", async (path, name) => {
    const extra = { CACHE_NAMESPACE: crypto.randomUUID() };
    // Cold cache: the hostile request comes first.
    expect((await at(EVIL, path, extra, HOSTILE_HEADERS)).status).toBe(200);
    const honest = await (await at(HONEST, path, extra)).text();
    expect(honest).not.toContain(EVIL);
    expect(honest).not.toContain("gopher");
    expect(honest).toContain(HONEST);
    // Warm and stale: a hostile request to the honest host's entry starts the background refresh.
    const key = cacheKeyFor(extra.CACHE_NAMESPACE, name, HONEST);
    const stored = await caches.default.match(key);
    expect(stored).toBeDefined();
    const headers = new Headers(stored!.headers);
    headers.set(STORED_AT_HEADER, String(Date.now() - 45_000));
    await caches.default.put(key, new Response(await stored!.text(), { status: 200, headers }));
    forgetMemoryCache();
    await at(HONEST, path, extra, HOSTILE_HEADERS);
    const refreshed = await caches.default.match(key);
    expect(Number(refreshed!.headers.get(STORED_AT_HEADER))).toBeGreaterThan(Date.now() - 10_000); // it did refresh
    const after = await (await at(HONEST, path, extra)).text();
    expect(after).not.toContain(EVIL);
    expect(after).toContain(HONEST);
  });
});

describe("with PUBLIC_URL set", () => {
  it.each(FORMATS)("no request header changes %s's links", async (path) => {
    const extra = { CACHE_NAMESPACE: crypto.randomUUID(), PUBLIC_URL: "https://status.acme.example" };
    const hostile = await (await at(EVIL, path, extra, HOSTILE_HEADERS)).text();
    expect(hostile).not.toContain(EVIL);
    expect(hostile).toContain("https://status.acme.example");
  });
});

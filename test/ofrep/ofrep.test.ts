import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { OpenFeature } from "@openfeature/server-sdk";
import { OFREPProvider } from "@openfeature/ofrep-provider";
import { beforeAll, describe, expect, it, vi } from "vitest";
import type { Env } from "../../src/env.ts";
import worker from "../../src/index.ts";
import { bucketOf } from "../../src/flags/bucket.ts";
import { callWorker, freshDatabase, harness, roundTrips, sql } from "../support/harness.ts";
import { seededUuids } from "../support/random.ts";

const CLIENT_TOKEN = "test-client-token";
const VIP = "12121212-0000-4000-8000-000000000001";
const CUSTOMER = "34343434-0000-4000-8000-000000000001";
let databaseUrl: string;
const env = () => ({ DATABASE_URL: databaseUrl, FLAG_CLIENT_TOKENS: `other-token, ${CLIENT_TOKEN}` });

const ofrep = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
  const response = await callWorker(path, env(), {
    method: "POST",
    headers: { authorization: `Bearer ${CLIENT_TOKEN}`, "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null };
};

beforeAll(async () => {
  databaseUrl = await freshDatabase();
  await sql(
    databaseUrl,
    `INSERT INTO feature_flags (key, name, enabled, rollout_percentage, user_ids, customer_ids, salt) VALUES
      ('portal_analytics', 'Analytics', true, 100, '{}', '{}', 'salt1'),
      ('portal_ai_chat', 'AI chat', true, 0, ARRAY['${VIP}']::uuid[], ARRAY['${CUSTOMER}']::uuid[], 'salt2'),
      ('portal_dark_mode', 'Dark mode', true, 50, '{}', '{}', 'salt3'),
      ('portal_retired', 'Retired', false, 100, ARRAY['${VIP}']::uuid[], '{}', 'salt4')`,
  );
});

describe("OFREP single-flag evaluation", () => {
  it("evaluates with the reasons OpenFeature uses", async () => {
    expect((await ofrep("/ofrep/v1/evaluate/flags/portal_analytics", { context: { targetingKey: VIP } })).body).toEqual({
      key: "portal_analytics",
      value: true,
      reason: "SPLIT",
      variant: "on",
      metadata: {},
    });
    expect((await ofrep("/ofrep/v1/evaluate/flags/portal_ai_chat", { context: { targetingKey: VIP } })).body).toMatchObject({
      value: true,
      reason: "TARGETING_MATCH",
    });
    expect((await ofrep("/ofrep/v1/evaluate/flags/portal_ai_chat", { context: { customerId: CUSTOMER } })).body).toMatchObject({
      value: true,
      reason: "TARGETING_MATCH",
    });
    expect((await ofrep("/ofrep/v1/evaluate/flags/portal_ai_chat", { context: { targetingKey: seededUuids(9)() } })).body).toMatchObject({
      value: false,
      reason: "DEFAULT",
      variant: "off",
    });
    expect((await ofrep("/ofrep/v1/evaluate/flags/portal_retired", { context: { targetingKey: VIP } })).body).toMatchObject({
      value: false,
      reason: "DISABLED",
    });
  });

  it("splits by the same buckets as everything else", async () => {
    const next = seededUuids(10);
    for (let i = 0; i < 10; i++) {
      const id = next();
      const { body } = await ofrep("/ofrep/v1/evaluate/flags/portal_dark_mode", { context: { targetingKey: id } });
      expect(body.value).toBe(bucketOf("salt3", id) < 50);
      expect(body.reason).toBe(body.value ? "SPLIT" : "DEFAULT");
    }
  });

  it("answers FLAG_NOT_FOUND for an unknown key", async () => {
    const { status, body } = await ofrep("/ofrep/v1/evaluate/flags/portal_nope", { context: {} });
    expect(status).toBe(404);
    expect(body).toEqual({ key: "portal_nope", errorCode: "FLAG_NOT_FOUND", errorDetails: "No flag with key 'portal_nope'" });
  });

  it("answers INVALID_CONTEXT for a context of the wrong shape", async () => {
    const { status, body } = await ofrep("/ofrep/v1/evaluate/flags/portal_analytics", { context: { targetingKey: 42 } });
    expect(status).toBe(400);
    expect(body).toMatchObject({ key: "portal_analytics", errorCode: "INVALID_CONTEXT" });
  });

  it("requires a client token, and an admin token is not one", async () => {
    for (const authorization of [undefined, "Bearer wrong", "Bearer dev-admin-token"]) {
      const response = await callWorker("/ofrep/v1/evaluate/flags/portal_analytics", env(), {
        method: "POST",
        headers: authorization ? { authorization } : {},
        body: "{}",
      });
      expect(response.status).toBe(401);
    }
  });

  it("never reveals the whitelists", async () => {
    const single = await ofrep("/ofrep/v1/evaluate/flags/portal_ai_chat", { context: { targetingKey: VIP } });
    const bulk = await ofrep("/ofrep/v1/evaluate/flags", { context: { targetingKey: VIP } });
    for (const text of [JSON.stringify(single.body), JSON.stringify(bulk.body)]) {
      expect(text).not.toContain(CUSTOMER);
      expect(text).not.toContain("whitelist");
      expect(text).not.toContain("salt");
    }
  });
});

describe("OFREP bulk evaluation", () => {
  it("evaluates every flag in one round trip, with an ETag that gives 304 while nothing changes", async () => {
    const before = await roundTrips(databaseUrl);
    const first = await ofrep("/ofrep/v1/evaluate/flags", { context: { targetingKey: VIP } });
    expect((await roundTrips(databaseUrl)) - before).toBe(1);
    expect(first.status).toBe(200);
    expect(first.body.flags.map((f: { key: string; value: boolean }) => [f.key, f.value])).toEqual([
      ["portal_ai_chat", true],
      ["portal_analytics", true],
      ["portal_dark_mode", bucketOf("salt3", VIP) < 50],
      ["portal_retired", false],
    ]);
    const etag = first.headers.get("etag")!;
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);

    const again = await ofrep("/ofrep/v1/evaluate/flags", { context: { targetingKey: VIP } }, { "if-none-match": etag });
    expect(again.status).toBe(304);
    expect(again.body).toBeNull();
    const otherUser = await ofrep("/ofrep/v1/evaluate/flags", { context: { targetingKey: seededUuids(11)() } }, { "if-none-match": etag });
    expect(otherUser.status).toBe(200);

    await sql(databaseUrl, "UPDATE feature_flags SET enabled = false WHERE key = 'portal_analytics'");
    const changed = await ofrep("/ofrep/v1/evaluate/flags", { context: { targetingKey: VIP } }, { "if-none-match": etag });
    expect(changed.status).toBe(200);
    expect(changed.headers.get("etag")).not.toBe(etag);
    await sql(databaseUrl, "UPDATE feature_flags SET enabled = true WHERE key = 'portal_analytics'");
  });
});

describe("the OpenFeature server SDK with the OFREP provider", () => {
  it("reads these flags through the Worker", async () => {
    const fetchThroughWorker = async (input: RequestInfo | URL, init?: RequestInit) => {
      const ctx = createExecutionContext();
      const response = await worker.fetch(new Request(input, init), { ...harness, ...env() } as Env, ctx);
      await waitOnExecutionContext(ctx);
      return response;
    };
    await OpenFeature.setProviderAndWait(
      "portal",
      new OFREPProvider({ baseUrl: "http://portal.test", headers: { Authorization: `Bearer ${CLIENT_TOKEN}` }, fetchImplementation: fetchThroughWorker }),
    );
    const client = OpenFeature.getClient("portal");
    const vip = await client.getBooleanDetails("portal_ai_chat", false, { targetingKey: VIP });
    expect(vip).toMatchObject({ value: true, reason: "TARGETING_MATCH", variant: "on" });
    expect(await client.getBooleanValue("portal_ai_chat", true, { targetingKey: seededUuids(12)() })).toBe(false);
    expect(await client.getBooleanValue("portal_analytics", false, { targetingKey: VIP })).toBe(true);
    const missing = await client.getBooleanDetails("portal_unknown", true, { targetingKey: VIP });
    expect(missing).toMatchObject({ value: true, errorCode: "FLAG_NOT_FOUND" });
    await OpenFeature.close();
  });
});

describe("OFREP for browsers and every error in OFREP's shape", () => {
  const ORIGIN = "https://app.example.com";
  const raw = (path: string, init: RequestInit, extra: Partial<Env> = {}) => callWorker(path, { ...env(), ...extra }, init);
  const post = (path: string, headers: Record<string, string>, body: BodyInit | null = "{}", extra: Partial<Env> = {}) =>
    raw(path, { method: "POST", headers: { origin: ORIGIN, "content-type": "application/json", ...headers }, body }, extra);
  const authorized = { authorization: `Bearer ${CLIENT_TOKEN}` };

  it("answers the CORS preflight before authentication, allowing what the web provider sends", async () => {
    for (const path of ["/ofrep/v1/evaluate/flags", "/ofrep/v1/evaluate/flags/portal_analytics"]) {
      const preflight = await raw(path, {
        method: "OPTIONS",
        headers: { origin: ORIGIN, "access-control-request-method": "POST", "access-control-request-headers": "authorization,content-type,if-none-match" },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get("access-control-allow-origin")).toBe("*");
      expect(preflight.headers.get("access-control-allow-methods")).toContain("POST");
      expect(preflight.headers.get("access-control-allow-headers")?.toLowerCase()).toBe("authorization,content-type,if-none-match");
    }
  });

  it("puts the CORS headers on every answer, errors included, and exposes ETag and Retry-After", async () => {
    const answers = [
      await post("/ofrep/v1/evaluate/flags", authorized),
      await post("/ofrep/v1/evaluate/flags", {}),
      await post("/ofrep/v1/evaluate/flags/portal_nope", authorized),
      await post("/ofrep/v1/evaluate/flags/portal_analytics", authorized, '{"context": {"targetingKey": 1}}'),
    ];
    for (const answer of answers) {
      expect(answer.headers.get("access-control-allow-origin")).toBe("*");
      expect(answer.headers.get("access-control-expose-headers")?.toLowerCase()).toContain("etag");
      expect(answer.headers.get("access-control-expose-headers")?.toLowerCase()).toContain("retry-after");
    }
  });

  it("limits browsers to the configured origins", async () => {
    const only = { OFREP_ALLOWED_ORIGINS: "https://portal.example.com, https://admin.example.com" };
    const allowed = await raw(
      "/ofrep/v1/evaluate/flags",
      { method: "OPTIONS", headers: { origin: "https://admin.example.com", "access-control-request-method": "POST" } },
      only,
    );
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://admin.example.com");
    expect(allowed.headers.get("vary")).toContain("Origin");
    const other = await raw("/ofrep/v1/evaluate/flags", { method: "OPTIONS", headers: { origin: ORIGIN, "access-control-request-method": "POST" } }, only);
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("checks the token before reading the body: no token is 401 whatever the body", async () => {
    const huge = JSON.stringify({ context: { targetingKey: "x".repeat(200_000) } });
    for (const [body, type] of [
      [huge, "application/json"],
      ["{not json", "application/json"],
      ["context=1", "text/plain"],
    ] as const) {
      const response = await post("/ofrep/v1/evaluate/flags/portal_analytics", { "content-type": type }, body);
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ key: "portal_analytics", errorCode: "GENERAL", errorDetails: "A valid flag client bearer token is required" });
    }
  });

  it("answers 400, 401, 404, 405, 413, 415 and 429 in OFREP's shape, with the key on the single-flag endpoint", async () => {
    const single = "/ofrep/v1/evaluate/flags/portal_analytics";
    const cases: [Response, number, Record<string, unknown>][] = [
      [await post(single, authorized, "{not json"), 400, { key: "portal_analytics", errorCode: "PARSE_ERROR" }],
      [await post("/ofrep/v1/evaluate/flags", authorized, "{not json"), 400, { errorCode: "PARSE_ERROR" }],
      [await post(single, { authorization: "Bearer wrong" }), 401, { key: "portal_analytics", errorCode: "GENERAL" }],
      [await post("/ofrep/v1/evaluate/flags/portal/with/slashes", authorized), 404, { key: "portal/with/slashes", errorCode: "FLAG_NOT_FOUND" }],
      [await raw("/ofrep/v1/evaluate/flags", { method: "GET", headers: authorized }), 405, { errorCode: "GENERAL" }],
      [await post(single, authorized, JSON.stringify({ context: { x: "y".repeat(70_000) } })), 413, { key: "portal_analytics", errorCode: "PARSE_ERROR" }],
      [await post(single, { ...authorized, "content-type": "text/plain" }, "hello"), 415, { key: "portal_analytics", errorCode: "PARSE_ERROR" }],
    ];
    for (const [response, status, body] of cases) {
      expect(response.status).toBe(status);
      const parsed = (await response.json()) as Record<string, unknown>;
      expect(parsed).toMatchObject(body);
      expect(typeof parsed.errorDetails).toBe("string");
      expect(parsed).not.toHaveProperty("success");
    }
    // The shipped public limit (wrangler.toml's, as the test runtime binds it); OFREP's at 1.
    const limited = { RATE_LIMIT_PER_MINUTE: harness.RATE_LIMIT_PER_MINUTE, OFREP_RATE_LIMIT_PER_MINUTE: "1" } as Partial<Env>;
    const ip = "198.51.100.77";
    expect((await post(single, { ...authorized, "cf-connecting-ip": ip }, "{}", limited)).status).toBe(200);
    const refused = await post(single, { ...authorized, "cf-connecting-ip": ip }, "{}", limited);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toMatch(/^\d+$/); // seconds: the providers parseInt it
    expect(await refused.json()).toMatchObject({ key: "portal_analytics", errorCode: "GENERAL" });
    // The same token from another address has its own allowance.
    expect((await post(single, { ...authorized, "cf-connecting-ip": "198.51.100.78" }, "{}", limited)).status).toBe(200);
  });

  it("answers a database failure as OFREP's GENERAL error, with the key", async () => {
    const warnings = vi.spyOn(console, "error").mockImplementation(() => {});
    const response = await post("/ofrep/v1/evaluate/flags/portal_analytics", authorized, "{}", { DATABASE_URL: "postgresql://u:p@127.0.0.1:1/down" });
    warnings.mockRestore();
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("30");
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ key: "portal_analytics", errorCode: "GENERAL", errorDetails: "The database is unavailable; try again shortly" });
    expect(JSON.stringify(body)).not.toContain("127.0.0.1");
  });

  it("takes an empty JSON body as no body", async () => {
    const response = await post("/ofrep/v1/evaluate/flags/portal_analytics", authorized, "");
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ key: "portal_analytics", value: true });
  });
});

describe("the OFREP server provider at a realistic rate, with the real limiter", () => {
  // Each test a client address of its own: the limiter keeps a client's state between tests.
  const fetchThroughWorker = (address: string, extra: Partial<Env>) => async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    request.headers.set("cf-connecting-ip", address);
    const ctx = createExecutionContext();
    const response = await worker.fetch(request, { ...harness, ...env(), RATE_LIMIT_PER_MINUTE: "60", ...extra } as Env, ctx);
    await waitOnExecutionContext(ctx);
    return response;
  };

  it("serves one server making one request per evaluation: 700 evaluations in seconds (more than the old 600 a minute), no refusal, every value right", async () => {
    // The shipped limit: wrangler.toml's OFREP_RATE_LIMIT_PER_MINUTE, as the test runtime binds it.
    const defaults = { OFREP_RATE_LIMIT_PER_MINUTE: harness.OFREP_RATE_LIMIT_PER_MINUTE } as Partial<Env>;
    expect(defaults.OFREP_RATE_LIMIT_PER_MINUTE).toBe("12000");
    await OpenFeature.setProviderAndWait(
      "load",
      new OFREPProvider({
        baseUrl: "http://portal.test",
        headers: { Authorization: `Bearer ${CLIENT_TOKEN}` },
        fetchImplementation: fetchThroughWorker("203.0.113.10", defaults),
      }),
    );
    const client = OpenFeature.getClient("load");
    const users = Array.from({ length: 700 }, seededUuids(21));
    const results: { value: boolean; errorCode?: string; id: string }[] = [];
    // 20 at a time: each evaluation is a request with a database connection of its own.
    for (let i = 0; i < users.length; i += 20) {
      const batch = users.slice(i, i + 20);
      results.push(
        ...(await Promise.all(batch.map(async (id) => ({ id, ...(await client.getBooleanDetails("portal_dark_mode", false, { targetingKey: id })) })))),
      );
    }
    expect(results.filter((r) => r.errorCode)).toEqual([]);
    expect(results.every((r) => r.value === bucketOf("salt3", r.id) < 50)).toBe(true);
    await OpenFeature.clearProviders();
  }, 60_000);

  it("backs off for Retry-After seconds after a 429, then evaluates again", async () => {
    await OpenFeature.setProviderAndWait(
      "tight",
      new OFREPProvider({
        baseUrl: "http://portal.test",
        headers: { Authorization: `Bearer ${CLIENT_TOKEN}` },
        fetchImplementation: fetchThroughWorker("203.0.113.11", { OFREP_RATE_LIMIT_PER_MINUTE: "120" }),
      }),
    );
    const client = OpenFeature.getClient("tight");
    const evaluate = () => client.getBooleanDetails("portal_analytics", false, { targetingKey: VIP });
    // A burst past the allowance, 20 at a time (one database connection each).
    const burst: Awaited<ReturnType<typeof evaluate>>[] = [];
    for (let i = 0; i < 7; i++) burst.push(...(await Promise.all(Array.from({ length: 20 }, evaluate))));
    const served = burst.filter((r) => !r.errorCode).length;
    expect(served).toBeGreaterThanOrEqual(120);
    expect(served).toBeLessThanOrEqual(125);
    expect(burst.filter((r) => r.errorCode).every((r) => r.errorCode === "GENERAL" && r.value === false)).toBe(true);
    const paused = await evaluate();
    expect(paused).toMatchObject({ value: false, errorCode: "GENERAL" });
    expect(paused.errorMessage).toMatch(/TooManyRequests|paused/i);
    await new Promise((r) => setTimeout(r, 1_600));
    expect(await evaluate()).toMatchObject({ value: true, reason: "SPLIT" });
    await OpenFeature.clearProviders();
  }, 30_000);
});

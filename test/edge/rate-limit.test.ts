import { parseItem } from "structured-headers";
import { beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { clientKey } from "../../src/edge/client-key.ts";
import { gcra } from "../../src/edge/gcra.ts";
import { forgetRefusals } from "../../src/edge/rate-limit.ts";
import type { Env } from "../../src/env.ts";
import { callWorker, freshDatabase, harness } from "../support/harness.ts";

describe("GCRA", () => {
  const policy = { limit: 60, windowMs: 60_000 };

  it("admits the whole allowance at once, then one a second", () => {
    let tat = 0;
    const now = 1_000_000;
    const decisions = [];
    for (let i = 0; i < 61; i++) {
      const step = gcra(tat, now, policy);
      tat = step.tat;
      decisions.push(step.decision);
    }
    expect(decisions.filter((d) => d.allowed)).toHaveLength(60);
    expect(decisions[0]).toMatchObject({ allowed: true, remaining: 59, limit: 60 });
    expect(decisions[59]).toMatchObject({ allowed: true, remaining: 0, resetSeconds: 60 });
    expect(decisions[60]).toMatchObject({ allowed: false, remaining: 0, retryAfterSeconds: 1 });
    expect(gcra(tat, now + 999, policy).decision.allowed).toBe(false);
    expect(gcra(tat, now + 1_000, policy).decision).toMatchObject({ allowed: true, remaining: 0 });
  });

  it("never refuses a client under the limit", () => {
    let tat = 0;
    for (let i = 0; i < 500; i++) {
      const step = gcra(tat, i * 1_000, policy); // exactly one a second: the sustained limit
      expect(step.decision.allowed).toBe(true);
      tat = step.tat;
    }
  });
});

describe("client keys", () => {
  it.each([
    ["203.0.113.7", "ip4:203.0.113.7"],
    ["2001:db8:abcd:12:1:2:3:4", "ip6:2001:db8:abcd:12::/64"],
    ["2001:db8:abcd:12::99", "ip6:2001:db8:abcd:12::/64"],
    ["2001:DB8:ABCD:0012:ffff::1", "ip6:2001:db8:abcd:12::/64"],
    ["2001:db8::1", "ip6:2001:db8:0:0::/64"],
    ["::1", "ip6:0:0:0:0::/64"],
    [undefined, "unknown"],
  ])("%s → %s", (ip, key) => {
    expect(clientKey(ip)).toBe(key);
  });
});

describe("rate limiting the public endpoints", () => {
  let databaseUrl: string;
  let ipCounter = 0;
  const nextIp = () => `198.51.100.${++ipCounter}`;
  const edgeEnv = (extra: Partial<Env> = {}) => ({
    DATABASE_URL: databaseUrl,
    EDGE_CACHE: "on",
    CACHE_NAMESPACE: `rl-${crypto.randomUUID()}`,
    RATE_LIMIT_PER_MINUTE: "60",
    ...extra,
  });
  const get = (path: string, ip: string, env: Partial<Env>) => callWorker(path, env, { headers: { "cf-connecting-ip": ip } });

  beforeAll(async () => {
    databaseUrl = await freshDatabase();
  });
  beforeEach(() => forgetRefusals());

  it("admits exactly 60 of 200 concurrent requests from one client", async () => {
    const ip = nextIp();
    const env = edgeEnv();
    const responses = await Promise.all(Array.from({ length: 200 }, () => get("/api/portal/status", ip, env)));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(60);
    expect(statuses.filter((s) => s === 429)).toHaveLength(140);
  });

  it("counts health and status separately, and clients separately", async () => {
    const ip = nextIp();
    const env = edgeEnv({ RATE_LIMIT_PER_MINUTE: "3" });
    for (let i = 0; i < 3; i++) expect((await get("/api/portal/status", ip, env)).status).toBe(200);
    expect((await get("/api/portal/status", ip, env)).status).toBe(429);
    expect((await get("/api/portal/health", ip, { ...env, ...healthVendorsOff })).status).not.toBe(429);
    expect((await get("/api/portal/status", nextIp(), env)).status).toBe(200);
  });

  it("groups IPv6 clients by /64", async () => {
    const env = edgeEnv({ RATE_LIMIT_PER_MINUTE: "2" });
    expect((await get("/api/portal/status", "2001:db8:1:2::a", env)).status).toBe(200);
    expect((await get("/api/portal/status", "2001:db8:1:2::b", env)).status).toBe(200);
    expect((await get("/api/portal/status", "2001:db8:1:2:ffff::c", env)).status).toBe(429);
    expect((await get("/api/portal/status", "2001:db8:1:3::a", env)).status).toBe(200);
  });

  it("sends the draft RateLimit headers, and 429 with Retry-After and the envelope", async () => {
    const ip = nextIp();
    const env = edgeEnv({ RATE_LIMIT_PER_MINUTE: "2" });
    const first = await get("/api/portal/status", ip, env);
    expect(first.headers.get("ratelimit-policy")).toBe('"status";q=2;w=60');
    expect(first.headers.get("ratelimit")).toBe('"status";r=1;t=30');
    await get("/api/portal/status", ip, env);
    const refused = await get("/api/portal/status", ip, env);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers.get("retry-after"))).toBeLessThanOrEqual(30);
    expect(refused.headers.get("ratelimit")).toMatch(/^"status";r=0;t=\d+$/);
    // Read as a structured-field parser reads them (RFC 9651): t is the moment Retry-After names.
    const [policyName, policy] = parseItem(refused.headers.get("ratelimit-policy")!);
    expect([policyName, Object.fromEntries(policy)]).toEqual(["status", { q: 2, w: 60 }]);
    const [limitName, limit] = parseItem(refused.headers.get("ratelimit")!);
    expect(limitName).toBe("status");
    expect(Object.fromEntries(limit)).toEqual({ r: 0, t: Number(refused.headers.get("retry-after")) });
    expect(refused.headers.get("x-request-id")).toBeTruthy();
    expect(await refused.json()).toMatchObject({ success: false, version: "v1", error: { code: "RATE_LIMITED" } });
  });

  it("turns a refused client away from isolate memory without asking the object again", async () => {
    const ip = nextIp();
    const namespace = harness.RATE_LIMITER!;
    let calls = 0;
    const counting = {
      idFromName: (name: string) => namespace.idFromName(name),
      get: (id: DurableObjectId) => {
        const stub = namespace.get(id);
        return {
          take: (...args: Parameters<typeof stub.take>) => {
            calls += 1;
            return stub.take(...args);
          },
        };
      },
    } as unknown as Env["RATE_LIMITER"];
    const env = edgeEnv({ RATE_LIMIT_PER_MINUTE: "2", RATE_LIMITER: counting });
    for (let i = 0; i < 3; i++) await get("/api/portal/status", ip, env);
    expect(calls).toBe(3);
    const later = await Promise.all(Array.from({ length: 20 }, () => get("/api/portal/status", ip, env)));
    expect(later.every((r) => r.status === 429)).toBe(true);
    expect(calls).toBe(3);
  });

  it("lets requests through, with a warning, when the limiter object fails", async () => {
    const warnings = vi.spyOn(console, "warn").mockImplementation(() => {});
    const broken = {
      idFromName: () => ({}),
      get: () => ({ take: () => Promise.reject(new Error("Durable Object reset because its code was updated")) }),
    } as unknown as Env["RATE_LIMITER"];
    const env = edgeEnv({ RATE_LIMIT_PER_MINUTE: "1", RATE_LIMITER: broken });
    const responses = await Promise.all(Array.from({ length: 5 }, () => get("/api/portal/status", nextIp(), env)));
    const logged = warnings.mock.calls.map((args) => String(args[0]));
    warnings.mockRestore();
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(responses[0]!.headers.get("ratelimit")).toBeNull();
    expect(logged.some((line) => JSON.parse(line).event === "rate_limiter_unavailable")).toBe(true);
  });

  it("limits OFREP per client token and client address, with its own limit", async () => {
    const env = edgeEnv({ FLAG_CLIENT_TOKENS: "token-one,token-two", OFREP_RATE_LIMIT_PER_MINUTE: "2" });
    const server = nextIp();
    const ask = (token: string, ip = server) =>
      callWorker("/ofrep/v1/evaluate/flags", env, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "cf-connecting-ip": ip },
        body: "{}",
      });
    expect((await ask("token-one")).status).toBe(200);
    expect((await ask("token-one")).status).toBe(200);
    const refused = await ask("token-one");
    expect(refused.status).toBe(429);
    expect(refused.headers.get("ratelimit-policy")).toBe('"ofrep";q=2;w=60');
    // Another token from the same server, and the same token from another server (say, a
    // browser sharing the web token), each have their own allowance.
    expect((await ask("token-two")).status).toBe(200);
    expect((await ask("token-one", nextIp())).status).toBe(200);
  });
});

// Health probes would call vendors; for counting requests only, the vendors do not matter.
const healthVendorsOff = { HEALTH_VENDOR_UNHEALTHY_MS: "50" };

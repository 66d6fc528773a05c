import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { OpenFeature } from "@openfeature/server-sdk";
import { OFREPProvider } from "@openfeature/ofrep-provider";
import { beforeAll, describe, expect, it } from "vitest";
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
      key: "portal_analytics", value: true, reason: "SPLIT", variant: "on", metadata: {},
    });
    expect((await ofrep("/ofrep/v1/evaluate/flags/portal_ai_chat", { context: { targetingKey: VIP } })).body).toMatchObject({ value: true, reason: "TARGETING_MATCH" });
    expect((await ofrep("/ofrep/v1/evaluate/flags/portal_ai_chat", { context: { customerId: CUSTOMER } })).body).toMatchObject({ value: true, reason: "TARGETING_MATCH" });
    expect((await ofrep("/ofrep/v1/evaluate/flags/portal_ai_chat", { context: { targetingKey: seededUuids(9)() } })).body).toMatchObject({ value: false, reason: "DEFAULT", variant: "off" });
    expect((await ofrep("/ofrep/v1/evaluate/flags/portal_retired", { context: { targetingKey: VIP } })).body).toMatchObject({ value: false, reason: "DISABLED" });
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

  it("never reveals the allow-lists", async () => {
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

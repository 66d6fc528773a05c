// Dependencies between features (the spec's best practices; LaunchDarkly's prerequisites)
// and the documentation a flag carries: owner, first full release, a remove-by date.
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { compileFlags, evaluateFlag, type FlagRules } from "../../src/flags/evaluate.ts";
import { adminClient } from "../support/admin.ts";
import { callWorker, emptyTables, freshDatabase, sql } from "../support/harness.ts";

const USER = "11111111-1111-4111-8111-111111111111";
const CLIENT_TOKEN = "test-client-token";
let databaseUrl: string;
const admin = adminClient(() => databaseUrl);

beforeAll(async () => {
  databaseUrl = await freshDatabase();
});
beforeEach(() => emptyTables(databaseUrl));

describe("evaluation with prerequisites", () => {
  const rules = (key: string, over: Partial<FlagRules> = {}): FlagRules => ({
    key,
    enabled: true,
    rolloutPercentage: 100,
    userIds: [],
    customerIds: [],
    salt: "s",
    ...over,
  });

  it("checks them after the master switch and before the whitelists, all the way down", () => {
    const flags = compileFlags([
      rules("base", { enabled: false }),
      rules("middle", { requires: ["base"] }),
      rules("top", { requires: ["middle"], userIds: [USER] }),
      rules("off_top", { enabled: false, requires: ["base"] }),
    ]);
    expect(evaluateFlag(flags.get("top")!, { userId: USER })).toMatchObject({ enabled: false, reason: "prerequisite_failed" });
    expect(evaluateFlag(flags.get("off_top")!, { userId: USER })).toMatchObject({ enabled: false, reason: "disabled" });
    flags.get("base")!.enabled = true;
    expect(evaluateFlag(flags.get("top")!, { userId: USER })).toMatchObject({ enabled: true, reason: "whitelist_user" });
  });

  it("treats a prerequisite that is not there as unmet", () => {
    const flags = compileFlags([rules("orphan", { requires: ["gone"] })]);
    expect(evaluateFlag(flags.get("orphan")!, { userId: USER })).toMatchObject({ enabled: false, reason: "prerequisite_failed" });
  });
});

describe("prerequisites through the admin API, OFREP and SQL", () => {
  const create = (key: string, body: Record<string, unknown> = {}) => admin("POST", "/api/admin/flags", { key, name: key, enabled: true, ...body });

  it("is what /check, OFREP and is_feature_enabled() answer, until the prerequisite is on", async () => {
    expect((await create("portal_payments_v2", { enabled: false })).status).toBe(201);
    expect((await create("portal_one_click_pay", { requires: ["portal_payments_v2"], userIds: [USER] })).body.data.requires).toEqual(["portal_payments_v2"]);
    const check = await admin("POST", "/api/admin/flags/portal_one_click_pay/check", { userId: USER });
    expect(check.body.data).toMatchObject({ enabled: false, reason: "prerequisite_failed" });
    const ofrep = await callWorker(
      "/ofrep/v1/evaluate/flags/portal_one_click_pay",
      { DATABASE_URL: databaseUrl, FLAG_CLIENT_TOKENS: CLIENT_TOKEN },
      {
        method: "POST",
        headers: { authorization: `Bearer ${CLIENT_TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ context: { targetingKey: USER } }),
      },
    );
    expect(await ofrep.json()).toMatchObject({ value: false, reason: "PREREQUISITE_FAILED", variant: "off" });
    const inSql = async () => (await sql<{ on: boolean }>(databaseUrl, "SELECT is_feature_enabled('portal_one_click_pay', $1::uuid) AS on", [USER]))[0]!.on;
    expect(await inSql()).toBe(false);

    await admin("PATCH", "/api/admin/flags/portal_payments_v2", { enabled: true });
    expect((await admin("POST", "/api/admin/flags/portal_one_click_pay/check", { userId: USER })).body.data).toMatchObject({
      enabled: true,
      reason: "whitelist_user",
    });
    expect(await inSql()).toBe(true);
  });

  it("refuses a prerequisite that does not exist, and writes nothing", async () => {
    const refused = await create("portal_lonely", { requires: ["portal_nowhere"] });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: "PREREQUISITE_NOT_FOUND", message: "requires: no flag with key 'portal_nowhere'" });
    expect(await sql(databaseUrl, "SELECT 1 FROM feature_flags")).toEqual([]);
  });

  it("refuses a cycle, naming it, and leaves the flags as they were", async () => {
    await create("portal_a");
    await create("portal_b", { requires: ["portal_a"] });
    await create("portal_c", { requires: ["portal_b"] });
    const refused = await admin("PATCH", "/api/admin/flags/portal_a", { requires: ["portal_c"] });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({
      code: "PREREQUISITE_CYCLE",
      message: "requires: that would make a cycle (portal_a → portal_c → portal_b → portal_a)",
    });
    const self = await admin("PATCH", "/api/admin/flags/portal_a", { requires: ["portal_a"] });
    expect(self.status).toBe(409);
    expect((await sql(databaseUrl, "SELECT requires FROM feature_flags WHERE key = 'portal_a'"))[0]).toEqual({ requires: [] });
  });

  it("lets only one of two concurrent writes that together would close a cycle through", async () => {
    await create("portal_x");
    await create("portal_y");
    const results = await Promise.all([
      admin("PATCH", "/api/admin/flags/portal_x", { requires: ["portal_y"] }),
      admin("PATCH", "/api/admin/flags/portal_y", { requires: ["portal_x"] }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
  });

  it("refuses to delete a flag others need, naming them", async () => {
    await create("portal_base");
    await create("portal_needs_base", { requires: ["portal_base"] });
    const refused = await admin("DELETE", "/api/admin/flags/portal_base");
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({
      code: "FLAG_REQUIRED",
      message: "'portal_base' is a prerequisite of 'portal_needs_base'; remove it from their requires first",
    });
    expect(await sql(databaseUrl, "SELECT key FROM feature_flags ORDER BY key")).toHaveLength(2);
  });
});

describe("a flag's documentation", () => {
  it("keeps the owner and remove-by date it is given, and when it was first fully released", async () => {
    const created = await admin("POST", "/api/admin/flags", {
      key: "portal_new_search",
      name: "New search",
      description: "Search across bookings and invoices",
      owner: "search-team",
      removeBy: "2031-03-31",
      enabled: true,
      rolloutPercentage: 50,
    });
    expect(created.body.data).toMatchObject({ owner: "search-team", removeBy: "2031-03-31", releasedAt: null });
    const full = await admin("PATCH", "/api/admin/flags/portal_new_search", { rolloutPercentage: 100 });
    const releasedAt = full.body.data.releasedAt as string;
    expect(Date.now() - new Date(releasedAt).getTime()).toBeLessThan(60_000);
    // Turned down again: no longer fully on, but it was released then, and that stays.
    const down = await admin("PATCH", "/api/admin/flags/portal_new_search", { rolloutPercentage: 20, owner: null });
    expect(down.body.data).toMatchObject({ fullRolloutSince: null, releasedAt, owner: null });
    expect((await admin("PATCH", "/api/admin/flags/portal_new_search", { removeBy: "31-03-2031" })).status).toBe(400);
  });
});

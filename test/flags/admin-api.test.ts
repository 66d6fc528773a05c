import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ACTOR, adminClient, OTHER_ACTOR } from "../support/admin.ts";
import { addUserToWhitelist } from "../../src/flags/write-flags.ts";
import { emptyTables, freshDatabase, sql, withDatabase } from "../support/harness.ts";

let databaseUrl: string;
const admin = adminClient(() => databaseUrl, { FLAG_LIMIT: "5" });
const auditCount = async () => Number((await sql<{ n: string }>(databaseUrl, "SELECT count(*) AS n FROM audit_log"))[0]!.n);
const flagRow = async (key: string) => (await sql(databaseUrl, "SELECT * FROM feature_flags WHERE key = $1", [key]))[0];

beforeAll(async () => {
  databaseUrl = await freshDatabase();
});
beforeEach(() => emptyTables(databaseUrl));

describe("admin authentication", () => {
  it.each([
    ["no token", null, "An admin bearer token is required"],
    ["a wrong token", "not-the-token", "The bearer token is not valid"],
    ["a token of another kind", "dev-client-token", "The bearer token is not valid"],
  ])("refuses %s with 401 and the envelope", async (_name, token, message) => {
    const { status, body, headers } = await admin("GET", "/api/admin/flags", undefined, { token });
    expect(status).toBe(401);
    expect(body).toMatchObject({ success: false, version: "v1", error: { code: "UNAUTHORIZED", message } });
    expect(headers.get("www-authenticate")).toMatch(/^Bearer/);
  });

  it("refuses everything when ADMIN_TOKENS is not configured", async () => {
    const unconfigured = adminClient(() => databaseUrl, { ADMIN_TOKENS: "" });
    expect((await unconfigured("GET", "/api/admin/flags")).status).toBe(401);
  });

  it("records the token's actor on the flag and in the audit log", async () => {
    const created = await admin("POST", "/api/admin/flags", { key: "portal_new_feature", name: "New feature" });
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({ createdBy: ACTOR, updatedBy: ACTOR });
    const other = await admin("PATCH", "/api/admin/flags/portal_new_feature", { enabled: true }, { token: "test-admin-token-b2" });
    expect(other.body.data).toMatchObject({ createdBy: ACTOR, updatedBy: OTHER_ACTOR });
    const audit = await sql(databaseUrl, "SELECT actor_id, action FROM audit_log ORDER BY created_at, action");
    expect(audit).toEqual([
      { actor_id: ACTOR, action: "flag.create" },
      { actor_id: OTHER_ACTOR, action: "flag.update" },
    ]);
  });
});

describe("flag CRUD", () => {
  it("creates, reads, lists, changes and deletes a flag", async () => {
    const created = await admin("POST", "/api/admin/flags", {
      key: "portal_dark_mode",
      name: "Dark mode",
      description: "Dark colour scheme",
      enabled: true,
      rolloutPercentage: 50,
      userIds: ["AAAAAAAA-0000-4000-8000-000000000001"],
      metadata: { owner: "design" },
    });
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({
      key: "portal_dark_mode",
      name: "Dark mode",
      enabled: true,
      rolloutPercentage: 50,
      userIds: ["aaaaaaaa-0000-4000-8000-000000000001"],
      customerIds: [],
      metadata: { owner: "design" },
      fullRolloutSince: null,
      rollout: null,
    });
    expect(created.body.data).not.toHaveProperty("salt");

    const read = await admin("GET", "/api/admin/flags/portal_dark_mode");
    expect(read.body.data).toEqual(created.body.data);
    const list = await admin("GET", "/api/admin/flags");
    expect(list.body.data.map((f: { key: string }) => f.key)).toEqual(["portal_dark_mode"]);

    const patched = await admin("PATCH", "/api/admin/flags/portal_dark_mode", { rolloutPercentage: 100, description: null });
    expect(patched.status).toBe(200);
    expect(patched.body.data).toMatchObject({ rolloutPercentage: 100, description: null, name: "Dark mode" });
    expect(patched.body.data.fullRolloutSince).toEqual(expect.any(String));
    expect(patched.body.warnings).toBeUndefined();

    const deleted = await admin("DELETE", "/api/admin/flags/portal_dark_mode");
    expect(deleted.body.data).toEqual({ key: "portal_dark_mode", deleted: true });
    expect((await admin("GET", "/api/admin/flags/portal_dark_mode")).status).toBe(404);
    const actions = await sql<{ action: string; before: unknown; after: unknown }>(
      databaseUrl,
      "SELECT action, before, after FROM audit_log ORDER BY created_at",
    );
    expect(actions.map((a) => a.action)).toEqual(["flag.create", "flag.update", "flag.delete"]);
    expect(actions[1]).toMatchObject({ before: { rolloutPercentage: 50 }, after: { rolloutPercentage: 100 } });
    expect(actions[2]).toMatchObject({ before: { key: "portal_dark_mode" }, after: null });
  });

  it("defaults a new flag to off at 100 %, as the spec's table does", async () => {
    const { body } = await admin("POST", "/api/admin/flags", { key: "portal_defaults", name: "Defaults" });
    expect(body.data).toMatchObject({ enabled: false, rolloutPercentage: 100, description: null, metadata: {} });
  });

  it("answers 404 for an unknown flag on every route", async () => {
    for (const [method, path, body] of [
      ["GET", "/api/admin/flags/portal_missing", undefined],
      ["PATCH", "/api/admin/flags/portal_missing", { enabled: true }],
      ["DELETE", "/api/admin/flags/portal_missing", undefined],
      ["POST", "/api/admin/flags/portal_missing/users", { userId: ACTOR }],
      ["POST", "/api/admin/flags/portal_missing/check", {}],
    ] as const) {
      const response = await admin(method, path, body);
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(response.body.error).toMatchObject({ code: "FLAG_NOT_FOUND", message: "No feature flag with key 'portal_missing'" });
    }
  });

  it("keeps a whitelist within 10,000 ids when ids are added one at a time, as when it is sent whole", async () => {
    await admin("POST", "/api/admin/flags", { key: "portal_big_list", name: "Big list" });
    await sql(databaseUrl, "UPDATE feature_flags SET user_ids = ARRAY(SELECT gen_random_uuid() FROM generate_series(1, 10000)) WHERE key = 'portal_big_list'");
    const full = await admin("POST", "/api/admin/flags/portal_big_list/users", { userId: "4b1e2c3d-0000-4000-8000-000000000042" });
    expect(full.status).toBe(409);
    expect(full.body.error).toMatchObject({ code: "WHITELIST_FULL" });
    expect(await sql(databaseUrl, "SELECT cardinality(user_ids) AS n FROM feature_flags WHERE key = 'portal_big_list'")).toEqual([{ n: 10_000 }]);
    const [first] = await sql<{ id: string }>(databaseUrl, "SELECT user_ids[1]::text AS id FROM feature_flags WHERE key = 'portal_big_list'");
    const again = await admin("POST", "/api/admin/flags/portal_big_list/users", { userId: first!.id });
    expect(again.status).toBe(200); // already there: nothing to refuse
    expect(again.body.warnings).toEqual(["The id was already on the list; nothing changed"]);
  });

  it("answers 409 for a duplicate key and writes nothing", async () => {
    await admin("POST", "/api/admin/flags", { key: "portal_twice", name: "Once" });
    const before = await auditCount();
    const again = await admin("POST", "/api/admin/flags", { key: "portal_twice", name: "Twice" });
    expect(again.status).toBe(409);
    expect(again.body.error!.code).toBe("FLAG_EXISTS");
    expect((await flagRow("portal_twice"))!.name).toBe("Once");
    expect(await auditCount()).toBe(before);
  });

  it("keeps the table under the flag budget", async () => {
    for (let i = 0; i < 5; i++) expect((await admin("POST", "/api/admin/flags", { key: `portal_budget_${i}`, name: `B${i}` })).status).toBe(201);
    const over = await admin("POST", "/api/admin/flags", { key: "portal_budget_5", name: "One too many" });
    expect(over.status).toBe(409);
    expect(over.body.error).toMatchObject({ code: "FLAG_LIMIT_REACHED", message: expect.stringContaining("budget of 5") });
    expect(await flagRow("portal_budget_5")).toBeUndefined();
  });

  it("holds the budget under concurrent creation", async () => {
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => admin("POST", "/api/admin/flags", { key: `portal_race_${i}`, name: `R${i}` })));
    expect(results.filter((r) => r.status === 201)).toHaveLength(5);
    expect(results.filter((r) => r.status === 409)).toHaveLength(3);
    expect(Number((await sql<{ n: string }>(databaseUrl, "SELECT count(*) AS n FROM feature_flags"))[0]!.n)).toBe(5);
  });
});

describe("validation", () => {
  it.each([
    ["a key that is not snake_case", { key: "PortalDark", name: "x" }, "key"],
    ["a key that is too short", { key: "ab", name: "x" }, "key"],
    ["a missing name", { key: "portal_x" }, "name"],
    ["an empty name", { key: "portal_x", name: "   " }, "name"],
    ["a percentage over 100", { key: "portal_x", name: "x", rolloutPercentage: 101 }, "rolloutPercentage"],
    ["a negative percentage", { key: "portal_x", name: "x", rolloutPercentage: -1 }, "rolloutPercentage"],
    ["a fractional percentage", { key: "portal_x", name: "x", rolloutPercentage: 12.5 }, "rolloutPercentage"],
    ["a percentage as a string", { key: "portal_x", name: "x", rolloutPercentage: "50" }, "rolloutPercentage"],
    ["an invalid user id", { key: "portal_x", name: "x", userIds: ["not-a-uuid"] }, "userIds.0"],
    ["an unknown field", { key: "portal_x", name: "x", rollout: 5 }, "rollout"],
    ["enabled as a string", { key: "portal_x", name: "x", enabled: "yes" }, "enabled"],
  ])("refuses %s with 400 naming the field", async (_name, body, field) => {
    const before = await auditCount();
    const response = await admin("POST", "/api/admin/flags", body);
    expect(response.status).toBe(400);
    expect(response.body.error!.code).toBe("VALIDATION_ERROR");
    expect(response.body.error!.message).toContain(field);
    expect(await auditCount()).toBe(before);
    expect(await flagRow("portal_x")).toBeUndefined();
  });

  it("refuses malformed JSON and an empty patch", async () => {
    const broken = await admin("POST", "/api/admin/flags", undefined, { rawBody: "{not json" });
    expect(broken.status).toBe(400);
    expect(broken.body.success).toBe(false);
    await admin("POST", "/api/admin/flags", { key: "portal_x", name: "x" });
    const empty = await admin("PATCH", "/api/admin/flags/portal_x", {});
    expect(empty.status).toBe(400);
    expect(empty.body.error!.message).toContain("at least one field");
  });

  it("refuses an invalid key or id in the path", async () => {
    expect((await admin("GET", "/api/admin/flags/Not-Snake")).status).toBe(400);
    await admin("POST", "/api/admin/flags", { key: "portal_x", name: "x" });
    const badId = await admin("DELETE", "/api/admin/flags/portal_x/users/12345");
    expect(badId.status).toBe(400);
    expect(badId.body.error!.message).toContain("userId");
  });
});

describe("whitelists", () => {
  const user = "cccccccc-0000-4000-8000-000000000001";
  const customer = "dddddddd-0000-4000-8000-000000000001";

  it("adds and removes users and customers, with an audit row each", async () => {
    await admin("POST", "/api/admin/flags", { key: "portal_ai_chat", name: "AI chat" });
    expect((await admin("POST", "/api/admin/flags/portal_ai_chat/users", { userId: user })).body.data.userIds).toEqual([user]);
    expect((await admin("POST", "/api/admin/flags/portal_ai_chat/customers", { customerId: customer })).body.data.customerIds).toEqual([customer]);
    const again = await admin("POST", "/api/admin/flags/portal_ai_chat/users", { userId: user.toUpperCase() });
    expect(again.body.data.userIds).toEqual([user]);
    expect(again.body.warnings).toEqual(["The id was already on the list; nothing changed"]);
    expect((await admin("DELETE", `/api/admin/flags/portal_ai_chat/users/${user}`)).body.data.userIds).toEqual([]);
    expect((await admin("DELETE", `/api/admin/flags/portal_ai_chat/customers/${customer}`)).body.data.customerIds).toEqual([]);
    const actions = (await sql<{ action: string }>(databaseUrl, "SELECT action FROM audit_log ORDER BY created_at")).map((r) => r.action);
    expect(actions).toEqual(["flag.create", "flag.user.add", "flag.customer.add", "flag.user.remove", "flag.customer.remove"]);
  });

  const idsFor = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}-0000-4000-8000-${String(i).padStart(12, "0")}`);

  it("keeps all of 100 concurrent additions, once each", async () => {
    await admin("POST", "/api/admin/flags", { key: "portal_beta", name: "Beta" });
    const ids = idsFor(100, "eeeeeeee");
    // 100 calls at once over 20 connections: up to 20 transactions contend for the row at any moment.
    await withDatabase(databaseUrl, (db) => Promise.all(ids.map((id) => addUserToWhitelist(db, "portal_beta", id, ACTOR))), 20);
    const row = await flagRow("portal_beta");
    expect([...(row!.user_ids as string[])].sort()).toEqual(ids);
    expect(await sql(databaseUrl, "SELECT 1 FROM audit_log WHERE action = 'flag.user.add'")).toHaveLength(100);
  });

  it("keeps every concurrent addition made over HTTP, each request on its own connection", async () => {
    await admin("POST", "/api/admin/flags", { key: "portal_beta_http", name: "Beta" });
    const ids = idsFor(30, "abababab");
    const results = await Promise.all(ids.map((customerId) => admin("POST", "/api/admin/flags/portal_beta_http/customers", { customerId })));
    expect(results.map((r) => r.status)).toEqual(ids.map(() => 200));
    expect([...((await flagRow("portal_beta_http"))!.customer_ids as string[])].sort()).toEqual(ids);
  });
});

describe("check and stale", () => {
  it("checks a flag for a user or customer: enabled, reason and bucket", async () => {
    const user = "ffffffff-0000-4000-8000-000000000001";
    await admin("POST", "/api/admin/flags", { key: "portal_check", name: "Check", enabled: true, rolloutPercentage: 0, userIds: [user] });
    expect((await admin("POST", "/api/admin/flags/portal_check/check", { userId: user })).body.data).toMatchObject({ enabled: true, reason: "whitelist_user" });
    const other = await admin("POST", "/api/admin/flags/portal_check/check", { customerId: "ffffffff-0000-4000-8000-000000000002" });
    expect(other.body.data).toMatchObject({ enabled: false, reason: "rollout", bucket: expect.any(Number) });
    expect((await admin("POST", "/api/admin/flags/portal_check/check", {})).body.data).toEqual({ enabled: false, reason: "rollout", bucket: null });
  });

  it("lists flags fully on for 14+ days as stale", async () => {
    await sql(
      databaseUrl,
      `INSERT INTO feature_flags (key, name, enabled, rollout_percentage, full_rollout_since) VALUES
        ('portal_old', 'Old', true, 100, now() - interval '20 days'),
        ('portal_recent', 'Recent', true, 100, now() - interval '13 days'),
        ('portal_partial', 'Partial', true, 50, NULL)`,
    );
    const { status, body } = await admin("GET", "/api/admin/flags/stale");
    expect(status).toBe(200);
    expect(body.data.map((f: { key: string }) => f.key)).toEqual(["portal_old"]);
  });

  it("tracks when a flag reaches 100 % and forgets it when it drops", async () => {
    await admin("POST", "/api/admin/flags", { key: "portal_track", name: "Track", enabled: true, rolloutPercentage: 40 });
    expect((await flagRow("portal_track"))!.full_rollout_since).toBeNull();
    await admin("PATCH", "/api/admin/flags/portal_track", { rolloutPercentage: 100 });
    const since = (await flagRow("portal_track"))!.full_rollout_since;
    expect(since).not.toBeNull();
    await admin("PATCH", "/api/admin/flags/portal_track", { name: "Renamed" });
    expect((await flagRow("portal_track"))!.full_rollout_since).toEqual(since);
    await admin("PATCH", "/api/admin/flags/portal_track", { enabled: false });
    expect((await flagRow("portal_track"))!.full_rollout_since).toBeNull();
  });
});

describe("audit log API", () => {
  it("filters by entity, key and time, newest first", async () => {
    await admin("POST", "/api/admin/flags", { key: "portal_a1", name: "A" });
    await admin("POST", "/api/admin/flags", { key: "portal_b1", name: "B" });
    await admin("PATCH", "/api/admin/flags/portal_a1", { enabled: true });
    const byKey = await admin("GET", "/api/admin/audit?entity=flag&key=portal_a1");
    expect(byKey.body.data.map((e: { action: string }) => e.action)).toEqual(["flag.update", "flag.create"]);
    expect(byKey.body.data[0]).toMatchObject({ actorId: ACTOR, entity: "flag", entityKey: "portal_a1", before: { enabled: false }, after: { enabled: true } });
    const future = await admin("GET", `/api/admin/audit?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`);
    expect(future.body.data).toEqual([]);
    expect((await admin("GET", "/api/admin/audit?since=yesterday")).status).toBe(400);
    expect((await admin("GET", "/api/admin/audit?limit=0")).status).toBe(400);
  });
});

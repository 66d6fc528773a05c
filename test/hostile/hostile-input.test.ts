// At least 150 malformed requests against every admin and OFREP route. Each must get a 4xx
// with a JSON error naming the problem — never a 5xx — and leave every table exactly as it was.
import { beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, ADMIN_TOKENS } from "../support/admin.ts";
import { tableChecksums } from "../support/checksums.ts";
import { callWorker, freshDatabase, sql } from "../support/harness.ts";

let databaseUrl: string;
let windowId: string;
let incidentId: string;
const CLIENT = "hostile-client-token";
const checksums = () => tableChecksums(databaseUrl);

interface Case {
  name: string;
  method: string;
  path: string;
  body?: string;
  contentType?: string | null;
  headers?: Record<string, string>;
  expect: number;
  mentions?: string;
}

const json = (value: unknown) => JSON.stringify(value);
const long = (n: number) => "x".repeat(n);
const cases: Case[] = [];
const add = (c: Case) => cases.push(c);

function bodyCases(method: string, path: string, valid: Record<string, unknown>) {
  add({ name: `${method} ${path}: invalid JSON`, method, path, body: '{"key": ', expect: 400 });
  add({ name: `${method} ${path}: trailing garbage`, method, path, body: `${json(valid)} tail`, expect: 400 });
  add({ name: `${method} ${path}: text/plain`, method, path, body: json(valid), contentType: "text/plain", expect: 415 });
  add({ name: `${method} ${path}: form data`, method, path, body: "a=1&b=2", contentType: "application/x-www-form-urlencoded", expect: 415 });
  add({ name: `${method} ${path}: an array`, method, path, body: json([valid]), expect: 400 });
  add({ name: `${method} ${path}: null`, method, path, body: "null", expect: 400 });
  add({ name: `${method} ${path}: a string`, method, path, body: json("hello"), expect: 400 });
  add({ name: `${method} ${path}: unknown field`, method, path, body: json({ ...valid, sneaky: true }), expect: 400, mentions: "sneaky" });
  add({ name: `${method} ${path}: prototype pollution`, method, path, body: `{"__proto__": {"admin": true}, ${json(valid).slice(1)}`, expect: 400 });
  const [firstKey, firstValue] = Object.entries(valid)[0]!;
  add({
    name: `${method} ${path}: duplicate field`,
    method,
    path,
    body: `{${json(firstKey)}: ${json(firstValue)}, ${json(valid).slice(1)}`,
    expect: 400,
    mentions: firstKey,
  });
  add({ name: `${method} ${path}: over the size limit`, method, path, body: json({ ...valid, padding: long(70_000) }), expect: 413 });
}

// Flags
const newFlag = { key: "portal_hostile", name: "Hostile" };
bodyCases("POST", "/api/admin/flags", newFlag);
for (const [name, body, field] of [
  ["key with capitals", { ...newFlag, key: "Portal_Hostile" }, "key"],
  ["key with a space", { ...newFlag, key: "portal hostile" }, "key"],
  ["key too long", { ...newFlag, key: `portal_${long(64)}` }, "key"],
  ["key with SQL", { ...newFlag, key: "portal_x'; DROP TABLE feature_flags; --" }, "key"],
  ["key with a control character", { ...newFlag, key: "portal_\u0000x" }, "key"],
  ["key with unicode", { ...newFlag, key: "portal_ünïcødé" }, "key"],
  ["key as a number", { ...newFlag, key: 42 }, "key"],
  ["missing key", { name: "x" }, "key"],
  ["missing name", { key: "portal_hostile" }, "name"],
  ["name as a number", { ...newFlag, name: 7 }, "name"],
  ["name too long", { ...newFlag, name: long(201) }, "name"],
  ["description too long", { ...newFlag, description: long(2001) }, "description"],
  ["enabled as a string", { ...newFlag, enabled: "true" }, "enabled"],
  ["enabled as 1", { ...newFlag, enabled: 1 }, "enabled"],
  ["percentage 101", { ...newFlag, rolloutPercentage: 101 }, "rolloutPercentage"],
  ["percentage -1", { ...newFlag, rolloutPercentage: -1 }, "rolloutPercentage"],
  ["percentage 50.5", { ...newFlag, rolloutPercentage: 50.5 }, "rolloutPercentage"],
  ["percentage as a string", { ...newFlag, rolloutPercentage: "50" }, "rolloutPercentage"],
  ["percentage null", { ...newFlag, rolloutPercentage: null }, "rolloutPercentage"],
  ["percentage NaN-like", { ...newFlag, rolloutPercentage: "NaN" }, "rolloutPercentage"],
  ["percentage huge", { ...newFlag, rolloutPercentage: 1e308 }, "rolloutPercentage"],
  ["userIds not a list", { ...newFlag, userIds: "abc" }, "userIds"],
  ["userIds with a bad uuid", { ...newFlag, userIds: ["123"] }, "userIds"],
  ["userIds with SQL", { ...newFlag, userIds: ["'); DELETE FROM feature_flags; --"] }, "userIds"],
  ["customerIds with a number", { ...newFlag, customerIds: [1] }, "customerIds"],
  ["metadata as a list", { ...newFlag, metadata: [1, 2] }, "metadata"],
  ["metadata as a string", { ...newFlag, metadata: "{}" }, "metadata"],
] as const) {
  add({ name: `POST /api/admin/flags: ${name}`, method: "POST", path: "/api/admin/flags", body: json(body), expect: 400, mentions: field });
}
bodyCases("PATCH", "/api/admin/flags/portal_existing", { enabled: true });
for (const [name, body, field] of [
  ["empty patch", {}, "at least one field"],
  ["key in a patch", { key: "portal_other" }, "key"],
  ["percentage 1000", { rolloutPercentage: 1000 }, "rolloutPercentage"],
  ["enabled null", { enabled: null }, "enabled"],
  ["name empty", { name: "" }, "name"],
] as const) {
  add({ name: `PATCH flag: ${name}`, method: "PATCH", path: "/api/admin/flags/portal_existing", body: json(body), expect: 400, mentions: field });
}
for (const [name, key] of [
  ["capitals", "Portal_Existing"],
  ["traversal", "..%2F..%2Fetc%2Fpasswd"],
  ["encoded NUL", "portal%00x"],
  ["SQL", "portal_x'%20OR%20'1'%3D'1"],
  ["too short", "ab"],
  ["unicode", "portal_%C3%BC"],
  ["very long", `portal_${long(300)}`],
] as const) {
  add({ name: `GET flag with a ${name} key`, method: "GET", path: `/api/admin/flags/${key}`, expect: 400, mentions: "key" });
  add({ name: `DELETE flag with a ${name} key`, method: "DELETE", path: `/api/admin/flags/${key}`, expect: 400, mentions: "key" });
}
add({
  name: "PATCH an unknown flag",
  method: "PATCH",
  path: "/api/admin/flags/portal_missing",
  body: json({ enabled: true }),
  expect: 404,
  mentions: "portal_missing",
});
add({ name: "DELETE an unknown flag", method: "DELETE", path: "/api/admin/flags/portal_missing", expect: 404 });
add({
  name: "POST a duplicate flag",
  method: "POST",
  path: "/api/admin/flags",
  body: json({ key: "portal_existing", name: "Again" }),
  expect: 409,
  mentions: "already exists",
});

// Whitelists, check, rollouts
bodyCases("POST", "/api/admin/flags/portal_existing/users", { userId: "11111111-1111-4111-8111-111111111111" });
bodyCases("POST", "/api/admin/flags/portal_existing/customers", { customerId: "11111111-1111-4111-8111-111111111111" });
for (const id of ["not-a-uuid", "11111111-1111-4111-8111-11111111111", "11111111-1111-4111-8111-1111111111111", "' OR 1=1 --", "../../etc/passwd", "", 1234]) {
  add({
    name: `add user ${json(id)}`,
    method: "POST",
    path: "/api/admin/flags/portal_existing/users",
    body: json({ userId: id }),
    expect: 400,
    mentions: "userId",
  });
  add({
    name: `add customer ${json(id)}`,
    method: "POST",
    path: "/api/admin/flags/portal_existing/customers",
    body: json({ customerId: id }),
    expect: 400,
    mentions: "customerId",
  });
}
for (const id of ["nope", "%2E%2E%2F%2E%2E%2Fetc", "11111111-1111-4111-8111-11111111111Z"]) {
  add({ name: `remove user ${id}`, method: "DELETE", path: `/api/admin/flags/portal_existing/users/${id}`, expect: 400, mentions: "userId" });
  add({ name: `remove customer ${id}`, method: "DELETE", path: `/api/admin/flags/portal_existing/customers/${id}`, expect: 400, mentions: "customerId" });
}
bodyCases("POST", "/api/admin/flags/portal_existing/check", { userId: "11111111-1111-4111-8111-111111111111" });
add({
  name: "check with a bad customer id",
  method: "POST",
  path: "/api/admin/flags/portal_existing/check",
  body: json({ customerId: "x" }),
  expect: 400,
  mentions: "customerId",
});
const plan = { startPercentage: 0, endPercentage: 100, durationHours: 168, intervalHours: 24 };
bodyCases("POST", "/api/admin/flags/portal_existing/rollout", plan);
for (const [name, body, field] of [
  ["interval longer than duration", { ...plan, intervalHours: 200 }, "intervalHours"],
  ["zero interval", { ...plan, intervalHours: 0 }, "intervalHours"],
  ["negative duration", { ...plan, durationHours: -5 }, "durationHours"],
  ["fractional hours", { ...plan, durationHours: 1.5 }, "durationHours"],
  ["end over 100", { ...plan, endPercentage: 150 }, "endPercentage"],
  ["start as a string", { ...plan, startPercentage: "0" }, "startPercentage"],
  ["missing end", { startPercentage: 0, durationHours: 10, intervalHours: 1 }, "endPercentage"],
] as const) {
  add({ name: `rollout: ${name}`, method: "POST", path: "/api/admin/flags/portal_existing/rollout", body: json(body), expect: 400, mentions: field });
}
add({ name: "pause with no rollout", method: "POST", path: "/api/admin/flags/portal_existing/rollout/pause", expect: 404 });
add({ name: "cancel with no rollout", method: "DELETE", path: "/api/admin/flags/portal_existing/rollout", expect: 404 });

// Audit and reports queries
for (const query of [
  "since=yesterday",
  "since=2026-13-45T00:00:00Z",
  "limit=0",
  "limit=1001",
  "limit=ten",
  "limit=1.5",
  "surprise=1",
  "since=2026-01-01T00:00:00",
]) {
  add({ name: `audit ?${query}`, method: "GET", path: `/api/admin/audit?${query}`, expect: 400 });
}
for (const query of ["date=2026-02-30", "date=26-11-2026", "date=today", "date=2026-11-26T00:00:00Z", "extra=1"]) {
  add({ name: `daily report ?${query}`, method: "GET", path: `/api/admin/reports/daily?${query}`, expect: 400 });
}

// Maintenance
const window = { title: "Upgrade", scheduledStart: "2031-01-01T02:00:00Z", scheduledEnd: "2031-01-01T04:00:00Z" };
bodyCases("POST", "/api/admin/maintenance", window);
for (const [name, body, field] of [
  ["end before start", { ...window, scheduledEnd: "2031-01-01T01:00:00Z" }, "scheduledEnd"],
  ["end equal to start", { ...window, scheduledEnd: window.scheduledStart }, "scheduledEnd"],
  ["no offset", { ...window, scheduledStart: "2031-01-01T02:00:00" }, "scheduledStart"],
  ["a date only", { ...window, scheduledStart: "2031-01-01" }, "scheduledStart"],
  ["epoch number", { ...window, scheduledStart: 1924999200000 }, "scheduledStart"],
  ["impossible date", { ...window, scheduledStart: "2031-02-30T02:00:00Z" }, "scheduledStart"],
  ["title missing", { scheduledStart: window.scheduledStart, scheduledEnd: window.scheduledEnd }, "title"],
  ["title blank", { ...window, title: "   " }, "title"],
  ["title too long", { ...window, title: long(500) }, "title"],
  ["affectsPortal as a string", { ...window, affectsPortal: "yes" }, "affectsPortal"],
  ["affects_crm in snake_case", { ...window, affects_crm: true }, "affects_crm"],
  ["status set directly", { ...window, status: "completed" }, "status"],
] as const) {
  add({ name: `maintenance: ${name}`, method: "POST", path: "/api/admin/maintenance", body: json(body), expect: 400, mentions: field });
}
for (const id of ["123", "..%2F..%2Fetc%2Fpasswd", "00000000-0000-0000-0000-00000000000g", "%27%20OR%201%3D1"]) {
  add({ name: `maintenance ${id}`, method: "GET", path: `/api/admin/maintenance/${id}`, expect: 400, mentions: "id" });
  add({ name: `start maintenance ${id}`, method: "POST", path: `/api/admin/maintenance/${id}/start`, expect: 400, mentions: "id" });
}
add({ name: "maintenance ?status=bogus", method: "GET", path: "/api/admin/maintenance?status=bogus", expect: 400, mentions: "status" });
add({ name: "complete a scheduled window", method: "POST", path: "/api/admin/maintenance/{window}/complete", expect: 409, mentions: "scheduled" });
add({
  name: "PATCH a window's end before its start",
  method: "PATCH",
  path: "/api/admin/maintenance/{window}",
  body: json({ scheduledEnd: "2020-01-01T00:00:00Z" }),
  expect: 400,
  mentions: "scheduledEnd",
});

// Incidents
const incident = { component: "stripe", status: "degraded", message: "Slow" };
bodyCases("POST", "/api/admin/incidents", incident);
for (const [name, body, field] of [
  ["unknown component", { ...incident, component: "mainframe" }, "component"],
  ["unknown status", { ...incident, status: "on_fire" }, "status"],
  ["component in capitals", { ...incident, component: "STRIPE" }, "component"],
  ["empty message", { ...incident, message: "" }, "message"],
  ["message too long", { ...incident, message: long(3000) }, "message"],
  ["startedAt given", { ...incident, startedAt: "2020-01-01T00:00:00Z" }, "startedAt"],
] as const) {
  add({ name: `incident: ${name}`, method: "POST", path: "/api/admin/incidents", body: json(body), expect: 400, mentions: field });
}
add({ name: "PATCH incident with nothing", method: "PATCH", path: "/api/admin/incidents/{incident}", body: json({}), expect: 400 });
add({
  name: "PATCH incident status bogus",
  method: "PATCH",
  path: "/api/admin/incidents/{incident}",
  body: json({ status: "meh" }),
  expect: 400,
  mentions: "status",
});
add({ name: "resolve incident with a bad id", method: "POST", path: "/api/admin/incidents/xyz/resolve", expect: 400, mentions: "id" });
add({ name: "incidents ?state=maybe", method: "GET", path: "/api/admin/incidents?state=maybe", expect: 400, mentions: "state" });

// Authentication and headers
for (const authorization of [
  "",
  "Bearer",
  "Bearer ",
  "Basic dGVzdDp0ZXN0",
  `Bearer ${ADMIN_TOKEN}x`,
  `Bearer ${ADMIN_TOKEN.slice(0, -1)}`,
  `bearer${ADMIN_TOKEN}`,
  `Bearer ${long(5000)}`,
  "Bearer ' OR '1'='1",
]) {
  add({
    name: `admin auth ${json(authorization.slice(0, 30))}`,
    method: "POST",
    path: "/api/admin/flags",
    body: json(newFlag),
    headers: { authorization },
    expect: 401,
  });
}

// OFREP
bodyCases("POST", "/ofrep/v1/evaluate/flags/portal_existing", { context: { targetingKey: "user-1" } });
for (const [name, body] of [
  ["targetingKey as a number", { context: { targetingKey: 5 } }],
  ["userId as an object", { context: { userId: { $ne: null } } }],
  ["context as a string", { context: "user-1" }],
  ["customerId too long", { context: { customerId: long(300) } }],
] as const) {
  add({ name: `OFREP: ${name}`, method: "POST", path: "/ofrep/v1/evaluate/flags/portal_existing", body: json(body), expect: 400, mentions: "context" });
}
add({ name: "OFREP bulk: invalid JSON", method: "POST", path: "/ofrep/v1/evaluate/flags", body: "{", expect: 400 });
add({ name: "OFREP bulk: over the size limit", method: "POST", path: "/ofrep/v1/evaluate/flags", body: json({ context: { x: long(70_000) } }), expect: 413 });
add({
  name: "OFREP: unknown flag",
  method: "POST",
  path: "/ofrep/v1/evaluate/flags/portal_nope",
  body: json({ context: {} }),
  expect: 404,
  mentions: "FLAG_NOT_FOUND",
});
add({ name: "OFREP: traversal in the key", method: "POST", path: "/ofrep/v1/evaluate/flags/..%2F..%2Fadmin", body: json({ context: {} }), expect: 404 });
add({ name: "OFREP: no token", method: "POST", path: "/ofrep/v1/evaluate/flags", body: "{}", headers: { authorization: "" }, expect: 401 });

beforeAll(async () => {
  databaseUrl = await freshDatabase();
  await sql(databaseUrl, "INSERT INTO feature_flags (key, name, enabled, rollout_percentage) VALUES ('portal_existing', 'Existing', true, 40)");
  windowId = (
    await sql<{ id: string }>(
      databaseUrl,
      "INSERT INTO maintenance_windows (title, scheduled_start, scheduled_end) VALUES ('Planned', '2031-01-01T02:00Z', '2031-01-01T04:00Z') RETURNING id",
    )
  )[0]!.id;
  incidentId = (
    await sql<{ id: string }>(databaseUrl, "INSERT INTO system_status (component, status, message) VALUES ('email', 'degraded', 'Slow mail') RETURNING id")
  )[0]!.id;
});

let before: Record<string, string>;

describe("hostile input", () => {
  it("has at least 150 cases", async () => {
    expect(cases.length).toBeGreaterThanOrEqual(150);
    before = await checksums();
  });

  it.each(cases.map((c) => [c.name, c] as const))("%s → 4xx naming the problem", async (_name, c) => {
    const path = c.path.replace("{window}", windowId).replace("{incident}", incidentId);
    const headers: Record<string, string> = { authorization: `Bearer ${path.startsWith("/ofrep") ? CLIENT : ADMIN_TOKEN}`, ...c.headers };
    if (c.body !== undefined && c.contentType !== null) headers["content-type"] = c.contentType ?? "application/json";
    if (headers.authorization === "") delete headers.authorization;
    const response = await callWorker(
      path,
      { DATABASE_URL: databaseUrl, ADMIN_TOKENS, FLAG_CLIENT_TOKENS: CLIENT },
      { method: c.method, headers, body: c.body },
    );
    const text = await response.text();
    expect(response.status, text).toBe(c.expect);
    const body = JSON.parse(text);
    expect(body.error?.message || body.errorDetails || body.errorCode, text).toBeTruthy();
    if (c.mentions) expect(text).toContain(c.mentions);
  });

  it("left every table byte-for-byte unchanged", async () => {
    expect(await checksums()).toEqual(before);
  });

  it("would have noticed a change (the checksum is sensitive)", async () => {
    await sql(databaseUrl, "UPDATE feature_flags SET rollout_percentage = 41 WHERE key = 'portal_existing'");
    expect((await checksums()).feature_flags).not.toBe(before.feature_flags);
    await sql(databaseUrl, "UPDATE feature_flags SET rollout_percentage = 40 WHERE key = 'portal_existing'");
  });
});

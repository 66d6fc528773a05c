// Generated hostile input (fast-check) at every write route and query parameter. The
// property: never a 5xx; a refusal is a 4xx in the envelope naming the field and leaves
// every table as it was; an acceptance stores exactly what was sent (nothing dropped,
// rounded or replaced). Strings carry NULs, control characters, unpaired surrogates and
// every other code point; instants reach past Postgres's range and the calendar; numbers
// are huge, fractional, or not numbers; metadata nests deep and carries keys JavaScript
// objects cannot. PROPERTY_RUNS (default 25) runs per route; the closing note of the change
// that added this gives a larger run's figures.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, ADMIN_TOKENS } from "../support/admin.ts";
import { tableChecksums } from "../support/checksums.ts";
import { callWorker, freshDatabase, harness, sql, vendorScope } from "../support/harness.ts";

const RUNS = Number((harness as unknown as { PROPERTY_RUNS?: string }).PROPERTY_RUNS) || 25;
let databaseUrl: string;
let windowId: string;
let incidentId: string;
const CLIENT = "generated-client-token";
const stats = { requests: 0, accepted: 0, refused: 0, byStatus: {} as Record<number, number> };

beforeAll(async () => {
  databaseUrl = await freshDatabase();
  await sql(databaseUrl, "INSERT INTO feature_flags (key, name, enabled, rollout_percentage) VALUES ('portal_target', 'Target', true, 40)");
  windowId = (
    await sql<{ id: string }>(
      databaseUrl,
      "INSERT INTO maintenance_windows (title, scheduled_start, scheduled_end) VALUES ('Target', now() + interval '10 days', now() + interval '10 days 2 hours') RETURNING id",
    )
  )[0]!.id;
  incidentId = (
    await sql<{ id: string }>(databaseUrl, "INSERT INTO system_status (component, status, message) VALUES ('api', 'degraded', 'Target') RETURNING id")
  )[0]!.id;
  await sql(databaseUrl, "INSERT INTO incident_updates (incident_id, status, message) VALUES ($1, 'degraded', 'Target')", [incidentId]);
});

// ---- Generators. Each yields raw JSON text, so values JSON.stringify cannot write (1e400,
// integers past 2^53, a duplicate __proto__) can be sent too.
const SPECIAL_TEXT = [
  "",
  " ",
  "\u0000",
  "a\u0000b",
  "\ud800",
  "x\udc00y",
  "\udbff\udfff",
  "\r",
  "line\nbreak",
  "\t",
  "\u0085",
  "\u2028",
  "\u007f",
  "\ufeff",
  "😀",
  "e\u0301",
  "'; DROP TABLE feature_flags; --",
  "<script>alert(1)</script>",
  "%00",
  "\\u0000",
  "x".repeat(201),
  "x".repeat(2001),
  "x".repeat(5001),
];
const text = fc.oneof(
  fc.string({ unit: "binary", maxLength: 24 }),
  fc.string({ unit: "grapheme", maxLength: 24 }),
  fc.string({ unit: "binary-ascii", maxLength: 24 }),
  fc.constantFrom(...SPECIAL_TEXT),
);
const jsonText = text.map((s) => JSON.stringify(s));
const instant = fc.oneof(
  fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true }).map((d) => JSON.stringify(d.toISOString())),
  fc.date({ min: new Date("1970-01-01T00:00:00Z"), max: new Date("2100-01-01T00:00:00Z"), noInvalidDate: true }).map((d) => JSON.stringify(d.toISOString())),
  fc
    .constantFrom(
      "0000-01-01T00:00:00Z",
      "1969-12-31T23:59:59Z",
      "9999-12-31T23:59:59Z",
      "10000-01-01T00:00:00Z",
      "2026-02-30T10:00:00Z",
      "2026-11-27T10:00:00+25:00",
      "2026-11-27T10:00:00+05:30",
      "2026-11-27T10:00:00.123456789Z",
      "2026-11-27",
      "2026-11-27T10:00:00",
      "now",
      "",
      "+275760-09-13T00:00:00.000Z",
      "-000001-01-01T00:00:00.000Z",
    )
    .map((s) => JSON.stringify(s)),
  fc.integer().map(String),
  jsonText,
);
const number = fc.oneof(
  fc.integer({ min: -5, max: 105 }).map(String),
  fc.integer().map(String),
  fc.double().map((d) => (Number.isFinite(d) ? String(d) : "null")),
  fc.constantFrom("1e400", "-1e400", "12345678901234567890", "0.5", "-0", "100.0", "1e2", "null", "true", '"50"', "[]", "{}"),
);
const bool = fc.oneof(fc.constantFrom("true", "false"), fc.constantFrom("0", "1", '"true"', "null"));
const uuidText = fc.oneof(
  fc.uuid().map((u) => JSON.stringify(u)),
  fc.constantFrom('"00000000-0000-0000-0000-000000000000"', '"ZZZZZZZZ-0000-4000-8000-000000000000"', '"{uuid}"'),
  jsonText,
);
const jsonValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  jsonText,
  number,
);
const metadata = fc.oneof(
  fc.dictionary(text, jsonValue, { maxKeys: 4 }).map(
    (entries) =>
      `{${Object.entries(entries)
        .map(([k, v]) => `${JSON.stringify(k)}: ${v}`)
        .join(", ")}}`,
  ),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 4 }), { maxKeys: 4 }).map((v) => JSON.stringify(v)),
  fc.integer({ min: 10, max: 40 }).map((depth) => `${'{"a": '.repeat(depth)}1${"}".repeat(depth)}`),
  fc.constantFrom(
    '{"__proto__": {"x": 1}}',
    '{"a": 1e400}',
    '{"big": 12345678901234567890}',
    '{"n": "\\u0000"}',
    '{"s": "\\ud800"}',
    '{"constructor": {"prototype": 1}}',
    "[]",
    '"text"',
    "null",
    "{}",
  ),
);
// Valid values, so that many requests are accepted and what is stored can be compared with
// what was sent: any printable Unicode (combining marks, emoji, right-to-left text), line
// breaks where allowed, any JSON metadata that is exactly representable.
const printable = (maxLength: number, multiline = false) =>
  fc
    .string({ unit: "grapheme", minLength: 1, maxLength })
    .map((s) => (multiline ? s : s.replace(/[\r\n]/g, " ")))
    .filter((s) => s.trim().length > 0 && !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/.test(s) && (multiline || !/[\t\r\n]/.test(s)));
const validName = printable(60).map((s) => JSON.stringify(s));
const validText = printable(300, true).map((s) => JSON.stringify(s));
const safeJson: fc.Arbitrary<unknown> = fc
  .jsonValue({ maxDepth: 4 })
  .map((v) => JSON.parse(JSON.stringify(v, (_k, x) => (typeof x === "number" && !Number.isSafeInteger(x) && Number.isInteger(x) ? 0 : x))));
const validMetadata = fc
  .dictionary(printable(20), safeJson, { maxKeys: 5 })
  .filter((d) => !Object.keys(d).includes("__proto__") && !JSON.stringify(d).includes("\\u0000"))
  .map((d) => JSON.stringify(d));
const validInstant = (fromDays: number, toDays: number) =>
  fc.integer({ min: fromDays * 86_400, max: toDays * 86_400 }).map((s) => JSON.stringify(new Date(Date.now() + s * 1000).toISOString()));
/** Mostly valid, sometimes hostile: one bad field at a time is the sharpest test. */
const mostly = (valid: fc.Arbitrary<string>, hostile: fc.Arbitrary<string>) => fc.oneof({ arbitrary: valid, weight: 4 }, { arbitrary: hostile, weight: 1 });

/** An object body: each field absent or present (valid or hostile). */
function body(fields: Record<string, fc.Arbitrary<string>>): fc.Arbitrary<string> {
  const entries = Object.entries(fields).map(([name, arb]) => fc.option(arb, { nil: undefined, freq: 4 }).map((v) => [name, v] as const));
  return fc.tuple(...entries).map(
    (pairs) =>
      `{${pairs
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${JSON.stringify(k)}: ${v}`)
        .join(", ")}}`,
  );
}
// Percent-encoded UTF-8 (a lone surrogate becomes U+FFFD, as a browser would send it), or
// malformed escapes sent as they are.
const percentEncoded = (value: string) => [...new TextEncoder().encode(value)].map((b) => `%${b.toString(16).padStart(2, "0")}`).join("");
const MALFORMED_ESCAPES = ["%", "%Z", "%ZZ", "%E0%A4", "%ED%A0%80", "%C0%AF", "%FF", "%00", "a%2"];
const query = (params: Record<string, fc.Arbitrary<string>>) =>
  fc
    .tuple(
      ...Object.entries(params).map(([name, arb]) =>
        fc.option(fc.oneof(arb.map(percentEncoded), fc.constantFrom(...MALFORMED_ESCAPES)), { nil: undefined }).map((v) => [name, v] as const),
      ),
    )
    .map((pairs) =>
      pairs
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${k}=${v}`)
        .join("&"),
    );
const rawText = fc.oneof(text, fc.integer().map(String), fc.constantFrom("2026-11-27T10:00:00Z", "0000-01-01T00:00:00Z", "9999-12-31", "-1", "1e400", "NaN"));
const flagKey = mostly(
  fc.stringMatching(/^[a-z][a-z0-9_]{5,20}$/).map((k) => JSON.stringify(`p${k}`)),
  fc.oneof(fc.constantFrom('"stale"', '"portal_target"', '"Portal_Caps"', '"a"'), jsonText),
);

const day = mostly(
  fc.date({ min: new Date("2000-01-01"), max: new Date("2999-12-31"), noInvalidDate: true }).map((d) => JSON.stringify(d.toISOString().slice(0, 10))),
  fc.oneof(
    jsonText,
    rawText.map((t) => JSON.stringify(t)),
  ),
);
const keyList = fc.array(mostly(fc.constantFrom('"portal_target"', '"portal_other"'), flagKey), { maxLength: 3 }).map((a) => `[${a.join(",")}]`);
const componentList = fc.array(mostly(fc.constantFrom('"stripe"', '"database"', '"email"'), jsonText), { maxLength: 3 }).map((a) => `[${a.join(",")}]`);
const documentation = {
  owner: mostly(validName, fc.oneof(jsonText, fc.constant("null"))),
  removeBy: day,
  requires: keyList,
  dependsOn: componentList,
};

interface Route {
  method: string;
  /** Settings the route needs on top of the common ones. */
  env?: Record<string, string>;
  path: (n: number) => string;
  body?: fc.Arbitrary<string>;
  query?: fc.Arbitrary<string>;
  headers?: Record<string, string>;
  /** After a 2xx: read back what was stored, to compare with what was sent. */
  stored?: (sent: Record<string, unknown>, response: { data?: any }) => Promise<Record<string, unknown>>;
}

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
const subscriptionVendors = vendorScope();
const subscriptions = {
  ...subscriptionVendors.env,
  SUBSCRIPTION_KEY: "generated-input-subscription-key",
  PUBLIC_URL: "https://status.example.com",
  NOTIFY_FROM: "Status <status@example.com>",
  SUBSCRIBE_RATE_LIMIT_PER_MINUTE: "1000000",
};
const emailAddress = mostly(
  fc.emailAddress().map((e) => JSON.stringify(e)),
  fc.oneof(jsonText, fc.constantFrom('"a@b"', '"x@example.com\\u0000"', '"http://127.0.0.1:1/hook"', '"https://hooks.example.com/x"')),
);
const ROUTES: Record<string, Route> = {
  "POST /api/admin/flags": {
    method: "POST",
    path: () => "/api/admin/flags",
    body: body({
      key: flagKey,
      name: mostly(validName, jsonText),
      description: mostly(validText, fc.oneof(jsonText, fc.constant("null"))),
      enabled: mostly(fc.constantFrom("true", "false"), bool),
      rolloutPercentage: mostly(fc.integer({ min: 0, max: 100 }).map(String), number),
      userIds: fc
        .array(
          mostly(
            fc.uuid().map((u) => JSON.stringify(u)),
            uuidText,
          ),
          { maxLength: 3 },
        )
        .map((a) => `[${a.join(",")}]`),
      metadata: mostly(validMetadata, metadata),
      ...documentation,
    }),
    stored: async (_sent, r) => flagRow(r.data.key),
  },
  "PATCH /api/admin/flags/:key": {
    method: "PATCH",
    path: () => "/api/admin/flags/portal_target",
    body: body({
      name: mostly(validName, jsonText),
      description: mostly(validText, fc.oneof(jsonText, fc.constant("null"))),
      enabled: mostly(fc.constantFrom("true", "false"), bool),
      rolloutPercentage: mostly(fc.integer({ min: 0, max: 100 }).map(String), number),
      metadata: mostly(validMetadata, metadata),
      ...documentation,
    }),
    stored: async () => flagRow("portal_target"),
  },
  "POST /api/admin/flags/:key/users": { method: "POST", path: () => "/api/admin/flags/portal_target/users", body: body({ userId: uuidText }) },
  "DELETE /api/admin/flags/:key/customers/:id": { method: "DELETE", path: () => "/api/admin/flags/portal_target/customers/x", query: query({ x: rawText }) },
  "POST /api/admin/flags/:key/check": {
    method: "POST",
    path: () => "/api/admin/flags/portal_target/check",
    body: body({ userId: uuidText, customerId: uuidText }),
  },
  "POST /api/admin/flags/:key/rollout": {
    method: "POST",
    path: () => "/api/admin/flags/portal_target/rollout",
    body: body({
      startPercentage: number,
      endPercentage: number,
      durationHours: number,
      intervalHours: number,
      maxErrorRate: mostly(fc.double({ min: 0, max: 1, noNaN: true }).map(String), fc.oneof(number, fc.constant("null"))),
      minEvaluations: number,
      onErrorRate: mostly(fc.constantFrom('"hold"', '"rollback"'), jsonText),
      resumeAfterMinutes: number,
    }),
  },
  "POST /api/admin/maintenance": {
    method: "POST",
    path: () => "/api/admin/maintenance",
    body: body({
      title: mostly(validName, jsonText),
      description: mostly(validText, fc.oneof(jsonText, fc.constant("null"))),
      scheduledStart: mostly(validInstant(1, 5), instant),
      scheduledEnd: mostly(validInstant(6, 9), instant),
      affectsPortal: mostly(fc.constantFrom("true", "false"), bool),
      affectsCRM: mostly(fc.constantFrom("true", "false"), bool),
      components: mostly(fc.constantFrom('["crm"]', '["api", "database"]', "null"), fc.oneof(fc.constantFrom('["nope"]', "[]"), jsonText)),
      metadata: mostly(validMetadata, metadata),
    }),
    stored: async (_sent, r) => windowRow(r.data.id),
  },
  "PATCH /api/admin/maintenance/:id": {
    method: "PATCH",
    path: () => `/api/admin/maintenance/${windowId}`,
    body: body({
      title: mostly(validName, jsonText),
      description: mostly(validText, fc.oneof(jsonText, fc.constant("null"))),
      scheduledStart: mostly(validInstant(10, 10), instant),
      scheduledEnd: mostly(validInstant(11, 12), instant),
      metadata: mostly(validMetadata, metadata),
    }),
    stored: async () => windowRow(windowId),
  },
  "GET /api/admin/maintenance?": { method: "GET", path: () => "/api/admin/maintenance", query: query({ status: rawText, from: rawText, to: rawText }) },
  "POST /api/admin/incidents": {
    method: "POST",
    path: () => "/api/admin/incidents",
    body: body({
      component: mostly(fc.constantFrom('"stripe"', '"crm"'), jsonText),
      status: mostly(fc.constantFrom('"degraded"', '"major_outage"'), jsonText),
      message: mostly(validText, jsonText),
      phase: mostly(fc.constantFrom('"identified"', '"monitoring"'), jsonText),
      metadata: mostly(validMetadata, metadata),
    }),
    stored: async (_sent, r) => incidentRow(r.data.id),
  },
  "PATCH /api/admin/incidents/:id": {
    method: "PATCH",
    path: () => `/api/admin/incidents/${incidentId}`,
    body: body({
      status: mostly(fc.constant('"partial_outage"'), jsonText),
      message: mostly(validText, jsonText),
      phase: mostly(fc.constant('"monitoring"'), jsonText),
    }),
    stored: async () => incidentRow(incidentId),
  },
  "GET /api/admin/incidents?": { method: "GET", path: () => "/api/admin/incidents", query: query({ state: rawText, limit: rawText }) },
  "GET /api/admin/audit?": { method: "GET", path: () => "/api/admin/audit", query: query({ entity: rawText, key: rawText, since: rawText, limit: rawText }) },
  "GET /api/admin/reports/daily?": { method: "GET", path: () => "/api/admin/reports/daily", query: query({ date: rawText }) },
  "POST /ofrep/v1/evaluate/flags": {
    method: "POST",
    path: () => "/ofrep/v1/evaluate/flags",
    headers: { authorization: `Bearer ${CLIENT}` },
    body: body({ context: body({ targetingKey: jsonText, userId: jsonText, customerId: jsonText, extra: jsonValue }) }),
  },
  "POST /ofrep/v1/events": {
    method: "POST",
    path: () => "/ofrep/v1/events",
    headers: { authorization: `Bearer ${CLIENT}` },
    body: body({
      events: fc
        .array(
          body({
            name: mostly(fc.constantFrom('"error"', '"conversion"', '"checkout.done"'), jsonText),
            flagKey: mostly(fc.constantFrom('"portal_target"', '"portal_missing"'), flagKey),
            context: body({ targetingKey: jsonText, customerId: jsonText }),
            value: mostly(fc.double({ noNaN: true, noDefaultInfinity: true }).map(String), number),
          }),
          { maxLength: 4 },
        )
        .map((a) => `[${a.join(",")}]`),
    }),
  },
  "GET /api/admin/flags/:key/signals?": { method: "GET", path: () => "/api/admin/flags/portal_target/signals", query: query({ days: rawText }) },
  "GET /badge.svg?": { method: "GET", path: () => "/badge.svg", query: query({ component: rawText }) },
  "POST /subscribe": {
    method: "POST",
    path: () => "/subscribe",
    env: subscriptions,
    body: body({ channel: mostly(fc.constantFrom('"email"', '"webhook"', '"slack"'), jsonText), address: emailAddress, components: componentList }),
  },
  "GET /subscriptions/confirm?": { method: "GET", path: () => "/subscriptions/confirm", env: subscriptions, query: query({ token: rawText }) },
  "POST /subscriptions/confirm?": { method: "POST", path: () => "/subscriptions/confirm", env: subscriptions, query: query({ token: rawText }) },
  "POST /subscriptions/unsubscribe?": { method: "POST", path: () => "/subscriptions/unsubscribe", env: subscriptions, query: query({ token: rawText }) },
  "GET /api/admin/subscribers?": {
    method: "GET",
    path: () => "/api/admin/subscribers",
    query: query({ search: rawText, status: rawText, channel: rawText, component: rawText, before: rawText, limit: rawText }),
  },
  "GET /api/admin/notifications?": { method: "GET", path: () => "/api/admin/notifications", query: query({ before: rawText, limit: rawText }) },
};

const flagRow = async (key: string) =>
  (
    await sql<Record<string, unknown>>(databaseUrl, "SELECT name, description, metadata, rollout_percentage, enabled FROM feature_flags WHERE key = $1", [key])
  )[0]!;
const windowRow = async (id: string) =>
  (await sql<Record<string, unknown>>(databaseUrl, "SELECT title, description, metadata FROM maintenance_windows WHERE id = $1", [id]))[0]!;
const incidentRow = async (id: string) =>
  (await sql<Record<string, unknown>>(databaseUrl, "SELECT message, metadata FROM system_status WHERE id = $1", [id]))[0]!;

/** Fields sent that the read-back must show unchanged (trimmed names and titles aside). */
function expectStoredAsSent(sent: Record<string, unknown>, stored: Record<string, unknown>): void {
  for (const field of ["description", "metadata"]) if (field in sent && field in stored) expect(stored[field]).toEqual(sent[field]);
  // Names, titles and messages are stored trimmed.
  for (const field of ["name", "title", "message"])
    if (typeof sent[field] === "string" && field in stored) expect(stored[field]).toBe((sent[field] as string).trim());
}

describe("generated hostile input at every write route and query parameter", () => {
  for (const [name, route] of Object.entries(ROUTES)) {
    it(`${name}: never 5xx; refused means unchanged; accepted means stored exactly`, async () => {
      const arbitrary = fc.record({ body: route.body ?? fc.constant(undefined), query: route.query ?? fc.constant("") });
      let before = await tableChecksums(databaseUrl);
      await fc.assert(
        fc.asyncProperty(arbitrary, async ({ body: raw, query: q }) => {
          const response = await callWorker(
            `${route.path(0)}${q ? `?${q}` : ""}`,
            { DATABASE_URL: databaseUrl, ADMIN_TOKENS, FLAG_CLIENT_TOKENS: CLIENT, HEALTH_VENDOR_UNHEALTHY_MS: "50", ...route.env },
            { method: route.method, headers: { ...admin, ...route.headers, ...(raw === undefined ? {} : { "content-type": "application/json" }) }, body: raw },
          );
          stats.requests++;
          stats.byStatus[response.status] = (stats.byStatus[response.status] ?? 0) + 1;
          const text = await response.text();
          expect(response.status, `${route.method} ${q} ${raw} → ${text}`).toBeLessThan(500);
          const after = await tableChecksums(databaseUrl);
          if (response.status >= 400) {
            stats.refused++;
            expect(after, `${raw} was refused but changed the database`).toEqual(before);
            // OFREP has its own error shape; the badge answers SVG and the subscription links HTML.
            if (!name.includes("ofrep") && !name.includes("badge") && !name.includes("/subscriptions/"))
              expect(JSON.parse(text)).toMatchObject({ success: false, error: { code: expect.any(String), message: expect.any(String) } });
          } else {
            stats.accepted++;
            if (route.stored && raw !== undefined && response.status < 300) {
              const sent = JSON.parse(raw) as Record<string, unknown>;
              expectStoredAsSent(sent, await route.stored(sent, JSON.parse(text)));
            }
          }
          before = after;
        }),
        // No shrinking: each run changes the database, so a shrunk re-run would not be the same experiment.
        { numRuns: RUNS, endOnFailure: true },
      );
    }, 120_000);
  }

  it("ran what it says", () => {
    // For the record (and the closing note): requests made and how they ended.
    console.log(JSON.stringify({ event: "generated_input", routes: Object.keys(ROUTES).length, runsPerRoute: RUNS, ...stats }));
    expect(stats.requests).toBe(Object.keys(ROUTES).length * RUNS);
    expect(stats.byStatus[500] ?? 0).toBe(0);
  });
});

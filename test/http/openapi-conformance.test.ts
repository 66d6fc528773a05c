// The OpenAPI document against the Worker itself: every route is in it, and every real
// answer — successes and errors — has a documented status and media type, and a body that
// validates against the documented schema (JSON Schema 2020-12, @cfworker/json-schema:
// no code generation, so it runs in workerd as it would in a Worker).
import { Validator } from "@cfworker/json-schema";
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";
import { ADMIN_TOKEN, ADMIN_TOKENS } from "../support/admin.ts";
import { callWorker, freshDatabase, sql, vendorScope } from "../support/harness.ts";

const DOC_ID = "https://portal-health-status.test/openapi.json";
const CLIENT = "conformance-client-token";
const HOUR = 3_600_000;
let databaseUrl: string;
let document: { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema?: unknown }> }> }>> };
const vendors = vendorScope();
const seen = new Set<string>();

beforeAll(async () => {
  databaseUrl = await freshDatabase();
  document = (await (await callWorker("/api/openapi.json", {})).json()) as typeof document;
});

const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, "~0").replace(/\//g, "~1")).join("/");

/** Sends a request and checks its answer against the document's operation `template`. */
async function conforms(
  method: string,
  template: string,
  path: string,
  init: { body?: unknown; headers?: Record<string, string>; env?: Record<string, string> } = {},
): Promise<Response> {
  const headers: Record<string, string> = { authorization: `Bearer ${template.startsWith("/ofrep") ? CLIENT : ADMIN_TOKEN}`, ...init.headers };
  if (init.body !== undefined) headers["content-type"] ??= "application/json";
  const response = await callWorker(
    path,
    { DATABASE_URL: databaseUrl, ADMIN_TOKENS, FLAG_CLIENT_TOKENS: CLIENT, ...vendors.env, ...init.env },
    {
      method: method.toUpperCase(),
      headers,
      body: init.body === undefined ? undefined : typeof init.body === "string" ? init.body : JSON.stringify(init.body),
      redirect: "manual",
    },
  );
  const operation = document.paths[template]?.[method];
  expect(operation, `${method} ${template} is not in the document`).toBeDefined();
  const documented = operation!.responses[String(response.status)];
  expect(documented, `${method} ${path} answered ${response.status}, which is not documented`).toBeDefined();
  seen.add(`${method} ${template} ${response.status}`);
  const type = (response.headers.get("content-type") ?? "").split(";")[0]!.trim();
  const text = await response.clone().text();
  if (!documented!.content) {
    expect(text, `${method} ${path} ${response.status} documents no body`).toBe("");
    return response;
  }
  const media = documented!.content[type];
  expect(media, `${method} ${path} ${response.status} answered ${type}, documented: ${Object.keys(documented!.content)}`).toBeDefined();
  if (type.endsWith("json")) {
    const validator = new Validator(
      { $ref: `${DOC_ID}#/${pointer("paths", template, method, "responses", String(response.status), "content", type, "schema")}` },
      "2020-12",
      false,
    );
    validator.addSchema(document as never, DOC_ID);
    const result = validator.validate(JSON.parse(text));
    expect(
      result.errors.map((e) => `${e.instanceLocation} ${e.error}`),
      `${method} ${path} ${response.status}: ${text.slice(0, 300)}`,
    ).toEqual([]);
  }
  return response;
}

describe("the OpenAPI document", () => {
  it("documents every route the Worker serves", () => {
    const undocumented = new Set(["/favicon.svg", "/favicon.ico"]); // icons, not API
    // The operator console's pages and forms are for people, not an API (docs/operations.md).
    const isConsole = (path: string) => path === "/admin" || path.startsWith("/admin/");
    const served = new Set(
      createApp()
        .routes.filter((r) => r.method !== "ALL" && !undocumented.has(r.path) && !isConsole(r.path))
        .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, "{$1}")}`),
    );
    const declared = new Set(Object.entries(document.paths).flatMap(([path, item]) => Object.keys(item).map((m) => `${m} ${path}`)));
    expect([...served].filter((r) => !declared.has(r)).sort()).toEqual([]);
    expect([...declared].filter((r) => !served.has(r)).sort()).toEqual([]);
  });

  it("describes every answer of every public operation", async () => {
    await sql(databaseUrl, "INSERT INTO system_status (component, status, message) VALUES ('stripe', 'degraded', 'Slow')");
    await sql(
      databaseUrl,
      "INSERT INTO maintenance_windows (title, scheduled_start, scheduled_end) VALUES ('Soon', now() + interval '2 days', now() + interval '2 days 1 hour')",
    );
    for (const path of [
      "/api/v2/summary.json",
      "/api/v2/status.json",
      "/api/v2/components.json",
      "/api/v2/incidents.json",
      "/api/v2/incidents/unresolved.json",
      "/api/v2/scheduled-maintenances.json",
      "/api/v2/scheduled-maintenances/upcoming.json",
      "/api/v2/scheduled-maintenances/active.json",
      "/",
      "/feed.rss",
      "/feed.atom",
      "/maintenance.ics",
      "/badge.svg",
    ]) {
      await conforms("get", path, path);
    }
    await conforms("get", "/badge.svg", "/badge.svg?component=nope");
    await conforms("get", "/api/portal/status", "/api/portal/status");
    await conforms("get", "/api/portal/health", "/api/portal/health");
    await conforms("get", "/api/portal/health", "/api/portal/health", { headers: { accept: "application/health+json" } });
    await vendors.set("stripe", { failure: "500" });
    await conforms("get", "/api/portal/health", "/api/portal/health");
    await conforms("get", "/api/portal/health", "/api/portal/health", { headers: { accept: "application/health+json" } });
    await vendors.reset();
    // From the last known state, with the database down.
    await conforms("get", "/api/portal/status", "/api/portal/status", { env: { DATABASE_URL: "postgresql://u:p@127.0.0.1:1/down" } });
    await conforms("get", "/api/v2/summary.json", "/api/v2/summary.json", { env: { DATABASE_URL: "postgresql://u:p@127.0.0.1:1/down" } });
    // Conditional and limited.
    const cached = { EDGE_CACHE: "on", CACHE_NAMESPACE: crypto.randomUUID() };
    const etag = (await conforms("get", "/api/portal/status", "/api/portal/status", { env: cached })).headers.get("etag")!;
    await conforms("get", "/api/portal/status", "/api/portal/status", { env: cached, headers: { "if-none-match": etag } });
    const limited = { RATE_LIMIT_PER_MINUTE: "1" };
    await conforms("get", "/api/v2/status.json", "/api/v2/status.json", { env: limited, headers: { "cf-connecting-ip": "192.0.2.201" } });
    await conforms("get", "/api/v2/status.json", "/api/v2/status.json", { env: limited, headers: { "cf-connecting-ip": "192.0.2.201" } });
    await conforms("get", "/api/ping", "/api/ping");
    await conforms("get", "/api/openapi.json", "/api/openapi.json");
    await conforms("get", "/docs", "/docs");
    for (const s of ["304", "429", "503"])
      expect(
        [...seen].some((k) => k.endsWith(s)),
        s,
      ).toBe(true);
  });

  it("describes every answer of the admin API, errors included", async () => {
    const flag = await conforms("post", "/api/admin/flags", "/api/admin/flags", {
      body: { key: "portal_conformance", name: "Conformance", enabled: true, rolloutPercentage: 10 },
    });
    expect(flag.status).toBe(201);
    await conforms("post", "/api/admin/flags", "/api/admin/flags", { body: { key: "portal_conformance", name: "Again" } }); // 409
    await conforms("post", "/api/admin/flags", "/api/admin/flags", { body: { key: "Bad Key", name: "x" } }); // 400
    await conforms("get", "/api/admin/flags", "/api/admin/flags", { headers: { authorization: "" } }); // 401
    await conforms("get", "/api/admin/flags", "/api/admin/flags");
    await conforms("get", "/api/admin/flags/stale", "/api/admin/flags/stale");
    await conforms("get", "/api/admin/flags/{key}", "/api/admin/flags/portal_conformance");
    await conforms("get", "/api/admin/flags/{key}", "/api/admin/flags/portal_missing"); // 404
    await conforms("patch", "/api/admin/flags/{key}", "/api/admin/flags/portal_conformance", { body: { description: "d", metadata: { owner: "qa" } } });
    await conforms("post", "/api/admin/flags/{key}/users", "/api/admin/flags/portal_conformance/users", {
      body: { userId: "4b1e2c3d-0000-4000-8000-000000000042" },
    });
    await conforms("delete", "/api/admin/flags/{key}/users/{userId}", "/api/admin/flags/portal_conformance/users/4b1e2c3d-0000-4000-8000-000000000042");
    await conforms("post", "/api/admin/flags/{key}/customers", "/api/admin/flags/portal_conformance/customers", {
      body: { customerId: "9d8c7b6a-0000-4000-8000-000000000007" },
    });
    await conforms(
      "delete",
      "/api/admin/flags/{key}/customers/{customerId}",
      "/api/admin/flags/portal_conformance/customers/9d8c7b6a-0000-4000-8000-000000000007",
    );
    await conforms("post", "/api/admin/flags/{key}/check", "/api/admin/flags/portal_conformance/check", {
      body: { customerId: "9d8c7b6a-0000-4000-8000-000000000007" },
    });
    await conforms("post", "/api/admin/flags/{key}/rollout", "/api/admin/flags/portal_conformance/rollout", {
      body: { startPercentage: 10, endPercentage: 100, durationHours: 48, intervalHours: 24 },
    });
    await conforms("post", "/api/admin/flags/{key}/rollout/pause", "/api/admin/flags/portal_conformance/rollout/pause");
    await conforms("post", "/api/admin/flags/{key}/rollout/resume", "/api/admin/flags/portal_conformance/rollout/resume");
    await conforms("delete", "/api/admin/flags/{key}/rollout", "/api/admin/flags/portal_conformance/rollout");
    await conforms("post", "/api/admin/flags/{key}/rollout/pause", "/api/admin/flags/portal_conformance/rollout/pause"); // no live plan

    const start = new Date(Date.now() + 60 * HOUR).toISOString();
    const end = new Date(Date.now() + 61 * HOUR).toISOString();
    const created = await conforms("post", "/api/admin/maintenance", "/api/admin/maintenance", {
      body: { title: "Conformance", scheduledStart: start, scheduledEnd: end, components: ["crm"] },
    });
    const windowId = ((await created.json()) as { data: { id: string } }).data.id;
    await conforms("get", "/api/admin/maintenance", "/api/admin/maintenance?status=scheduled");
    await conforms("get", "/api/admin/maintenance/{id}", `/api/admin/maintenance/${windowId}`);
    await conforms("patch", "/api/admin/maintenance/{id}", `/api/admin/maintenance/${windowId}`, { body: { description: "Now with a description" } });
    await conforms("post", "/api/admin/maintenance/{id}/complete", `/api/admin/maintenance/${windowId}/complete`); // 409
    await conforms("post", "/api/admin/maintenance/{id}/start", `/api/admin/maintenance/${windowId}/start`);
    await conforms("post", "/api/admin/maintenance/{id}/complete", `/api/admin/maintenance/${windowId}/complete`);
    const other = await conforms("post", "/api/admin/maintenance", "/api/admin/maintenance", {
      body: { title: "Cancel me", scheduledStart: start, scheduledEnd: end },
    });
    const otherId = ((await other.json()) as { data: { id: string } }).data.id;
    await conforms("post", "/api/admin/maintenance/{id}/cancel", `/api/admin/maintenance/${otherId}/cancel`);
    await conforms("delete", "/api/admin/maintenance/{id}", `/api/admin/maintenance/${otherId}`);
    await conforms("get", "/api/admin/maintenance/{id}", `/api/admin/maintenance/${crypto.randomUUID()}`); // 404

    const incident = await conforms("post", "/api/admin/incidents", "/api/admin/incidents", {
      body: { component: "email", status: "major_outage", message: "Down", phase: "identified" },
    });
    const incidentId = ((await incident.json()) as { data: { id: string } }).data.id;
    await conforms("get", "/api/admin/incidents", "/api/admin/incidents?state=open");
    await conforms("get", "/api/admin/incidents/{id}", `/api/admin/incidents/${incidentId}`);
    await conforms("patch", "/api/admin/incidents/{id}", `/api/admin/incidents/${incidentId}`, { body: { phase: "monitoring" } });
    await conforms("post", "/api/admin/incidents/{id}/resolve", `/api/admin/incidents/${incidentId}/resolve`, { body: { message: "Fixed" } });
    await conforms("post", "/api/admin/incidents/{id}/resolve", `/api/admin/incidents/${incidentId}/resolve`); // 409

    await conforms("get", "/api/admin/audit", "/api/admin/audit?entity=flag");
    await conforms("get", "/api/admin/reports/daily", "/api/admin/reports/daily?date=2026-11-01");
    await conforms("get", "/api/admin/reports/daily", "/api/admin/reports/daily?date=2026-02-30"); // 400
    await conforms("get", "/api/admin/reports/flags", "/api/admin/reports/flags");
    await conforms("delete", "/api/admin/flags/{key}", "/api/admin/flags/portal_conformance");
    for (const s of ["200", "201", "400", "401", "404", "409"])
      expect(
        [...seen].some((k) => (k.startsWith("p") || k.startsWith("g") || k.startsWith("d") ? k.endsWith(` ${s}`) : false)),
        s,
      ).toBe(true);
  });

  it("describes every answer of the subscription routes, public and admin", async () => {
    const on = { SUBSCRIPTION_KEY: "conformance-subscription-key", PUBLIC_URL: "https://status.example.com", NOTIFY_FROM: "Status <s@example.com>" };
    const json = { "content-type": "application/json", "cf-connecting-ip": "192.0.2.210" };
    await conforms("post", "/subscribe", "/subscribe", { env: on, headers: json, body: { address: "conformance@example.com", components: ["stripe"] } }); // 202
    await conforms("post", "/subscribe", "/subscribe", { env: on, headers: json, body: { address: "nope" } }); // 400
    await conforms("post", "/subscribe", "/subscribe", { env: on, headers: json, body: { address: "x@example.com", padding: "x".repeat(9000) } }); // 413
    await conforms("post", "/subscribe", "/subscribe", { env: {}, headers: json, body: { address: "x@example.com" } }); // 503
    const limited = { ...on, SUBSCRIBE_RATE_LIMIT_PER_MINUTE: "1" };
    const once = { ...json, "cf-connecting-ip": "192.0.2.211" };
    await conforms("post", "/subscribe", "/subscribe", { env: limited, headers: once, body: { address: "limited@example.com" } });
    await conforms("post", "/subscribe", "/subscribe", { env: limited, headers: once, body: { address: "limited@example.com" } }); // 429
    await conforms("get", "/subscriptions/confirm", "/subscriptions/confirm?token=forged", { env: on }); // 400
    await conforms("post", "/subscriptions/confirm", "/subscriptions/confirm?token=forged", { env: on }); // 400
    await conforms("get", "/subscriptions/unsubscribe", "/subscriptions/unsubscribe?token=forged", { env: on }); // 400
    await conforms("post", "/subscriptions/unsubscribe", "/subscriptions/unsubscribe?token=forged", { env: on }); // 400
    const [subscriber] = await sql<{ id: string }>(databaseUrl, "SELECT id FROM subscribers WHERE address = 'conformance@example.com'");
    await conforms("get", "/api/admin/subscribers", "/api/admin/subscribers?search=conformance");
    await conforms("get", "/api/admin/subscribers", "/api/admin/subscribers?status=nope"); // 400
    await conforms("get", "/api/admin/subscribers/{id}", `/api/admin/subscribers/${subscriber!.id}`);
    await conforms("post", "/api/admin/subscribers/{id}/resume", `/api/admin/subscribers/${subscriber!.id}/resume`); // 409: not paused
    await conforms("get", "/api/admin/notifications", "/api/admin/notifications");
    await conforms("delete", "/api/admin/subscribers/{id}", `/api/admin/subscribers/${subscriber!.id}`);
    await conforms("get", "/api/admin/subscribers/{id}", `/api/admin/subscribers/${subscriber!.id}`); // 404
    for (const s of ["200", "202", "400", "404", "409", "413", "429", "503"])
      expect(
        [...seen].some((k) => k.includes("subscri") && k.endsWith(s)),
        s,
      ).toBe(true);
  });

  it("describes every OFREP answer", async () => {
    await sql(databaseUrl, "INSERT INTO feature_flags (key, name, enabled) VALUES ('portal_ofrep', 'OFREP', true) ON CONFLICT DO NOTHING");
    await conforms("post", "/ofrep/v1/evaluate/flags/{key}", "/ofrep/v1/evaluate/flags/portal_ofrep", { body: { context: { targetingKey: "u1" } } });
    await conforms("post", "/ofrep/v1/evaluate/flags/{key}", "/ofrep/v1/evaluate/flags/portal_nope", { body: {} });
    await conforms("post", "/ofrep/v1/evaluate/flags/{key}", "/ofrep/v1/evaluate/flags/portal_ofrep", { body: { context: { targetingKey: 5 } } });
    await conforms("post", "/ofrep/v1/evaluate/flags/{key}", "/ofrep/v1/evaluate/flags/portal_ofrep", { body: {}, headers: { authorization: "Bearer nope" } });
    await conforms("post", "/ofrep/v1/evaluate/flags/{key}", "/ofrep/v1/evaluate/flags/portal_ofrep", { body: "x", headers: { "content-type": "text/plain" } });
    await conforms("post", "/ofrep/v1/evaluate/flags/{key}", "/ofrep/v1/evaluate/flags/portal_ofrep", { body: { context: { pad: "x".repeat(70_000) } } });
    const bulk = await conforms("post", "/ofrep/v1/evaluate/flags", "/ofrep/v1/evaluate/flags", { body: { context: { targetingKey: "u1" } } });
    await conforms("post", "/ofrep/v1/evaluate/flags", "/ofrep/v1/evaluate/flags", {
      body: { context: { targetingKey: "u1" } },
      headers: { "if-none-match": bulk.headers.get("etag")! },
    });
    await conforms("post", "/ofrep/v1/evaluate/flags", "/ofrep/v1/evaluate/flags", { body: "{bad" });
    const limited = { OFREP_RATE_LIMIT_PER_MINUTE: "1" };
    await conforms("post", "/ofrep/v1/evaluate/flags", "/ofrep/v1/evaluate/flags", { body: {}, env: limited, headers: { "cf-connecting-ip": "192.0.2.202" } });
    await conforms("post", "/ofrep/v1/evaluate/flags", "/ofrep/v1/evaluate/flags", { body: {}, env: limited, headers: { "cf-connecting-ip": "192.0.2.202" } });
    await conforms("post", "/ofrep/v1/evaluate/flags/{key}", "/ofrep/v1/evaluate/flags/portal_ofrep", {
      body: {},
      env: { DATABASE_URL: "postgresql://u:p@127.0.0.1:1/down" },
    });
  });
});

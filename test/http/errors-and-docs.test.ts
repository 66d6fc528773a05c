import { createExecutionContext } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/app.ts";
import { isLoopbackDatabase, isLoopbackHost } from "../../src/lib/loopback.ts";
import type { Env } from "../../src/env.ts";
import wranglerConfig from "../../wrangler.toml?raw";
import { EVERY_MINUTE } from "../../src/cron/scheduled.ts";
import { callWorker, harness, runCron } from "../support/harness.ts";

type ErrorBody = { success: false; version: string; error: { code: string; message: string; requestId: string } };

describe("error envelope", () => {
  it("answers an unknown route with 404", async () => {
    const response = await callWorker("/api/portal/nope", {});
    expect(response.status).toBe(404);
    const body = (await response.json()) as ErrorBody;
    expect(body).toEqual({
      success: false,
      version: "v1",
      error: { code: "NOT_FOUND", message: "No route for GET /api/portal/nope", requestId: expect.any(String) },
    });
    expect(response.headers.get("x-request-id")).toBe(body.error.requestId);
  });

  it("answers a wrong method with 405 and the allowed ones", async () => {
    const response = await callWorker("/api/portal/status", {}, { method: "POST", body: "{}" });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("GET, HEAD");
    expect(((await response.json()) as ErrorBody).error.code).toBe("METHOD_NOT_ALLOWED");
  });

  it("answers a trailing slash with 404, not with 405 for a method the path allows", async () => {
    for (const path of ["/api/portal/health/", "/feed.rss/", "/api/portal/status/"]) {
      const response = await callWorker(path, {});
      expect(response.status, path).toBe(404);
      expect(response.headers.get("allow"), path).toBeNull();
    }
  });

  it("refuses a body that is not UTF-8 instead of storing U+FFFD", async () => {
    const admin = { ADMIN_TOKENS: "00000000-0000-4000-8000-0000000000a1=t0ken", DATABASE_URL: "postgresql://u:p@127.0.0.1:1/unused" };
    const body = new Uint8Array([...new TextEncoder().encode('{"key":"portal_bytes","name":"a'), 0xff, 0xc3, ...new TextEncoder().encode('"}')]);
    const response = await callWorker("/api/admin/flags", admin, {
      method: "POST",
      headers: { authorization: "Bearer t0ken", "content-type": "application/json" },
      body,
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as ErrorBody).error).toMatchObject({ code: "VALIDATION_ERROR", message: "The request body is not valid UTF-8" });
  });

  it("answers 503 DATABASE_UNAVAILABLE with Retry-After when the database cannot be reached, over HTTP and over the WebSocket alike", async () => {
    const down = { DATABASE_URL: "postgresql://u:p@127.0.0.1:1/down", ADMIN_TOKENS: "00000000-0000-4000-8000-0000000000a1=t0ken" };
    const headers = { authorization: "Bearer t0ken", "content-type": "application/json" };
    const read = await callWorker("/api/admin/flags", down, { headers }); // one statement: Neon's HTTP path
    const write = await callWorker("/api/admin/flags", down, { method: "POST", headers, body: JSON.stringify({ key: "portal_down", name: "Down" }) }); // a transaction
    for (const response of [read, write]) {
      expect(response.status).toBe(503);
      expect(response.headers.get("retry-after")).toBe("30");
      const text = await response.text();
      expect((JSON.parse(text) as ErrorBody).error).toMatchObject({ code: "DATABASE_UNAVAILABLE", message: "The database is unavailable; try again shortly" });
      expect(text).not.toContain("127.0.0.1");
    }
  });

  it("answers an unexpected failure with 500, a request id and nothing internal", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const app = createApp();
    app.get("/boom", () => {
      throw new Error("connect failed postgresql://admin:hunter2@10.1.2.3/db at Pool.connect (/srv/node_modules/pg/lib/index.js:1:1)");
    });
    const response = await app.request("/boom", {}, harness as unknown as Env, createExecutionContext());
    expect(response.status).toBe(500);
    const text = await response.text();
    const body = JSON.parse(text) as ErrorBody;
    expect(body.error).toEqual({ code: "INTERNAL_ERROR", message: "An unexpected error occurred", requestId: expect.any(String) });
    const logLine = logged.mock.calls.map((args) => args.join(" ")).join("\n");
    logged.mockRestore();
    expect(JSON.parse(logLine)).toMatchObject({ level: "error", event: "unhandled_error", requestId: body.error.requestId });
    for (const leak of ["hunter2", "10.1.2.3", "node_modules", "postgresql"]) {
      expect(text).not.toContain(leak);
      expect(logLine).not.toContain(leak);
    }
  });

  it("keeps a caller's request id when it is well-formed", async () => {
    const response = await callWorker("/api/portal/nope", {}, { headers: { "x-request-id": "trace-abc-123" } });
    expect(response.headers.get("x-request-id")).toBe("trace-abc-123");
  });
});

describe("a malformed configuration", () => {
  const logged = () => {
    const spy = vi.spyOn(console, "error").mockImplementation(() => {});
    return {
      lines: () => spy.mock.calls.map((args) => JSON.parse(String(args[0])) as Record<string, unknown>),
      restore: () => spy.mockRestore(),
    };
  };

  it.each([
    ["RATE_LIMIT_PER_MINUTE", "sixty", true],
    ["LOG_LEVEL", "loud", true],
    ["PUBLIC_URL", "ftp://status.example.com", true],
    ["EDGE_CACHE", "yes", true],
    // A secret's value never appears, not even in the operator's log.
    ["ALERT_WEBHOOK_URL", "not-a-url-but-a-secret-s3cr3t", false],
  ])("%s=%j: every request answers 500 CONFIGURATION_ERROR, the log names the variable", async (name, value, valueLogged) => {
    const log = logged();
    const response = await callWorker("/api/portal/status", { [name]: value } as Partial<Env>);
    const lines = log.lines();
    log.restore();
    expect(response.status).toBe(500);
    const body = (await response.json()) as ErrorBody;
    expect(body.error).toEqual({ code: "CONFIGURATION_ERROR", message: "The service is misconfigured", requestId: expect.any(String) });
    const line = lines.find((l) => l.event === "configuration_error")!;
    expect(line).toMatchObject({ variable: name, requestId: body.error.requestId });
    expect(String(line.message).includes(value)).toBe(valueLogged);
    expect(JSON.stringify(lines).includes("s3cr3t")).toBe(false);
  });

  it("fails a cron run, naming the variable, without running any job", async () => {
    const log = logged();
    await runCron(EVERY_MINUTE, { HEALTH_DB_UNHEALTHY_MS: "-1" }, new Date("2030-01-01T00:00:00Z"));
    const lines = log.lines();
    log.restore();
    const run = lines.find((l) => l.event === "cron_run")!;
    const results = Object.values(run.results as Record<string, { ok: boolean; error?: string }>);
    expect(results.length).toBeGreaterThan(0);
    for (const result of results) expect(result).toEqual({ ok: false, error: expect.stringContaining("HEALTH_DB_UNHEALTHY_MS") });
  });
});

describe("API documentation", () => {
  it("serves the generated OpenAPI 3.1 document with every route", async () => {
    const response = await callWorker("/api/openapi.json", {});
    expect(response.status).toBe(200);
    type Operation = { responses: Record<string, unknown>; security?: Record<string, string[]>[] };
    const document = (await response.json()) as {
      openapi: string;
      paths: Record<string, Record<string, Operation>>;
      components: { securitySchemes: Record<string, unknown> };
    };
    expect(document.openapi).toBe("3.1.0");
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        "/api/portal/health",
        "/api/portal/status",
        "/api/admin/flags",
        "/api/admin/flags/{key}",
        "/api/admin/flags/{key}/users/{userId}",
        "/api/admin/flags/{key}/rollout",
        "/api/admin/audit",
        "/ofrep/v1/evaluate/flags/{key}",
        "/ofrep/v1/evaluate/flags",
      ]),
    );
    expect(Object.keys(document.paths["/api/portal/health"]!.get!.responses)).toEqual(expect.arrayContaining(["200", "503"]));
    // Public operations say so explicitly (linters and client generators read it).
    expect(document.paths["/api/portal/status"]!.get!.security).toEqual([]);
    expect(document.paths["/api/admin/flags"]!.post!.security).toEqual([{ adminToken: [] }]);
    expect(document.paths["/ofrep/v1/evaluate/flags"]!.post!.security).toEqual([{ flagClientToken: [] }]);
    expect(Object.keys(document.components.securitySchemes).sort()).toEqual(["adminToken", "flagClientToken"]);
  });

  it("serves a readable reference page without external scripts", async () => {
    const response = await callWorker("/docs", {});
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/text\/html/);
    const page = await response.text();
    expect(page).toContain("/api/portal/health");
    expect(page).toContain("/api/portal/status");
    expect(page).not.toMatch(/<script[^>]+src=/);
  });
});

describe("the local relay switch", () => {
  it("is honoured only for databases on this machine", () => {
    expect(isLoopbackDatabase("postgresql://postgres@127.0.0.1:5432/x")).toBe(true);
    expect(isLoopbackDatabase("postgresql://postgres@localhost/x")).toBe(true);
    expect(isLoopbackDatabase("postgresql://u:p@ep-cool-1.us-east-2.aws.neon.tech/neondb?sslmode=require")).toBe(false);
    expect(isLoopbackDatabase("not a url")).toBe(false);
    // One rule, shared with the relay (which decides what it may reach).
    expect(isLoopbackHost("[::1]")).toBe(true);
    expect(isLoopbackHost("127.0.0.1.evil.example")).toBe(false);
    expect(isLoopbackHost("127.0.0.1:5432")).toBe(false);
  });

  it("is never part of the deployed configuration", () => {
    expect(wranglerConfig).not.toContain("LOCAL_PG_RELAY");
  });
});

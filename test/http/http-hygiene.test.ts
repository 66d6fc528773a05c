import { beforeAll, describe, expect, it, vi } from "vitest";
import { ADMIN_TOKEN, ADMIN_TOKENS } from "../support/admin.ts";
import { callWorker, freshDatabase } from "../support/harness.ts";

let databaseUrl: string;
beforeAll(async () => {
  databaseUrl = await freshDatabase();
});
const env = () => ({ DATABASE_URL: databaseUrl, ADMIN_TOKENS });

describe("CORS", () => {
  it("lets status pages on other origins read the public endpoints", async () => {
    const response = await callWorker("/api/portal/status", env(), { headers: { origin: "https://status.example.org" } });
    expect(response.status).toBe(200);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(response.headers.get("access-control-expose-headers")).toContain("RateLimit");
  });

  it("answers a preflight for the public endpoints", async () => {
    const response = await callWorker("/api/portal/health", env(), {
      method: "OPTIONS",
      headers: { origin: "https://status.example.org", "access-control-request-method": "GET" },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(response.headers.get("access-control-allow-methods")).toContain("GET");
  });

  it("gives admin routes no CORS headers", async () => {
    const preflight = await callWorker("/api/admin/flags", env(), {
      method: "OPTIONS",
      headers: { origin: "https://evil.example", "access-control-request-method": "GET", authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    const read = await callWorker("/api/admin/flags", env(), { headers: { origin: "https://evil.example", authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(read.status).toBe(200);
    expect(read.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("headers on every answer", () => {
  it.each(["/api/portal/status", "/api/portal/health", "/api/admin/flags", "/nope"])(
    "%s has security headers, a request id and Server-Timing",
    async (path) => {
      const response = await callWorker(path, env(), { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
      expect(response.headers.get("strict-transport-security")).toContain("max-age=");
      expect(response.headers.get("x-frame-options")).toBe("SAMEORIGIN");
      expect(response.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
      expect(response.headers.get("server-timing")).toMatch(/total;dur=/);
    },
  );
});

describe("structured logs", () => {
  it("writes one JSON line per request with its id", async () => {
    const logged = vi.spyOn(console, "log").mockImplementation(() => {});
    const response = await callWorker("/api/portal/status?x=1", { ...env(), LOG_LEVEL: "info" });
    const lines = logged.mock.calls.map((args) => JSON.parse(String(args[0])) as Record<string, unknown>);
    logged.mockRestore();
    const line = lines.find((l) => l.event === "request");
    expect(line).toMatchObject({ level: "info", requestId: response.headers.get("x-request-id"), method: "GET", path: "/api/portal/status", status: 200 });
    expect(typeof line!.durationMs).toBe("number");
  });
});

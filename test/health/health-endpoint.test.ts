import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { callWorker, freshDatabase, roundTrips, sql, unresponsiveDatabase, vendorScope } from "../support/harness.ts";

// Short thresholds keep the suite fast; the boundaries themselves are tested in rules.test.ts.
const FAST = {
  HEALTH_DB_DEGRADED_MS: "150",
  HEALTH_DB_UNHEALTHY_MS: "400",
  HEALTH_VENDOR_DEGRADED_MS: "150",
  HEALTH_VENDOR_UNHEALTHY_MS: "400",
};

type HealthBody = {
  success: boolean;
  version: string;
  data: {
    status: string;
    components: Record<string, { status: string; responseTime: number; lastChecked: string; message?: string }>;
    lastIncident: null | { component: string; status: string; message: string | null; timestamp: string };
    timestamp: string;
  };
};

let databaseUrl: string;
const vendors = vendorScope();
const env = () => ({ DATABASE_URL: databaseUrl, ...vendors.env, ...FAST });
const getHealth = async (overrides: Record<string, string | undefined> = {}) => {
  const response = await callWorker("/api/portal/health", { ...env(), ...overrides });
  return { response, body: (await response.json()) as HealthBody };
};

beforeAll(async () => {
  databaseUrl = await freshDatabase();
});
beforeEach(() => vendors.reset());

describe("GET /api/portal/health", () => {
  it("reports every component healthy with the spec's shape", async () => {
    const { response, body } = await getHealth();
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/application\/json/);
    expect(body.success).toBe(true);
    expect(body.version).toBe("v1");
    expect(body.data.status).toBe("operational");
    expect(Object.keys(body.data.components).sort()).toEqual(["api", "database", "email", "stripe", "twilio"]);
    for (const component of Object.values(body.data.components)) {
      expect(component.status).toBe("healthy");
      expect(Number.isInteger(component.responseTime)).toBe(true);
      expect(new Date(component.lastChecked).toISOString()).toBe(component.lastChecked);
    }
    expect(body.data.lastIncident).toBeNull();
    expect(new Date(body.data.timestamp).toISOString()).toBe(body.data.timestamp);
  });

  it("asks each vendor the endpoint the spec names, with its credentials", async () => {
    await getHealth();
    const paths = (await vendors.requests()).map((r) => `${r.vendor} ${r.path}`);
    expect(paths).toEqual(
      expect.arrayContaining(["stripe /v1/balance", `twilio /2010-04-01/Accounts/${vendors.env.TWILIO_ACCOUNT_SID}.json`, "resend /domains"]),
    );
  });

  it("costs one database round trip", async () => {
    const before = await roundTrips(databaseUrl);
    await getHealth();
    expect((await roundTrips(databaseUrl)) - before).toBe(1);
  });

  it("runs the probes in parallel", async () => {
    for (const vendor of ["stripe", "twilio", "resend"] as const) await vendors.set(vendor, { latencyMs: 120 });
    const before = (await vendors.requests()).length;
    const started = Date.now();
    const { body } = await getHealth({ HEALTH_VENDOR_DEGRADED_MS: "1000", HEALTH_VENDOR_UNHEALTHY_MS: "2000" });
    const elapsed = Date.now() - started;
    const round = (await vendors.requests()).slice(before);
    expect(round).toHaveLength(3);
    const starts = round.map((r) => r.startedAt);
    // All three were asked before the first could have answered.
    expect(Math.max(...starts) - Math.min(...starts)).toBeLessThan(100);
    expect(elapsed).toBeLessThan(3 * 120);
    expect(body.data.status).toBe("operational");
  });

  it("is degraded, still 200, when a vendor is slow", async () => {
    await vendors.set("twilio", { latencyMs: 220 });
    const { response, body } = await getHealth();
    expect(response.status).toBe(200);
    expect(body.data.status).toBe("degraded");
    expect(body.data.components.twilio!.status).toBe("degraded");
    expect(body.data.components.twilio!.responseTime).toBeGreaterThanOrEqual(150);
    expect(body.data.components.stripe!.status).toBe("healthy");
  });

  it("is a partial outage, 503, when one vendor fails", async () => {
    await vendors.set("stripe", { failure: "500" });
    const { response, body } = await getHealth();
    expect(response.status).toBe(503);
    expect(body.success).toBe(true);
    expect(body.data.status).toBe("partial_outage");
    expect(body.data.components.stripe).toMatchObject({ status: "unhealthy", message: "HTTP 500 from stripe" });
  });

  it("is a major outage when two components fail", async () => {
    await vendors.set("stripe", { failure: "500" });
    await vendors.set("resend", { failure: "garbage" });
    const { response, body } = await getHealth();
    expect(response.status).toBe(503);
    expect(body.data.status).toBe("major_outage");
    expect(body.data.components.email).toMatchObject({ status: "unhealthy", message: "unreadable answer from email" });
  });

  it("cuts a hanging vendor off at its unhealthy threshold and leaves the others alone", async () => {
    await vendors.set("twilio", { failure: "hang" });
    const { response, body } = await getHealth();
    expect(response.status).toBe(503);
    expect(body.data.components.twilio).toMatchObject({ status: "unhealthy", message: "timed out after 400 ms" });
    expect(body.data.components.twilio!.responseTime).toBeGreaterThanOrEqual(400);
    expect(body.data.components.stripe!.status).toBe("healthy");
    expect(body.data.components.email!.status).toBe("healthy");
    expect(response.elapsedMs).toBeLessThan(400 + 1500);
  });

  it("reports a vendor without credentials as unhealthy with the reason", async () => {
    const { body } = await getHealth({ STRIPE_SECRET_KEY: undefined });
    expect(body.data.components.stripe).toMatchObject({ status: "unhealthy", message: "not configured: STRIPE_SECRET_KEY not set" });
  });

  it("reports rejected credentials as unhealthy", async () => {
    const { body } = await getHealth({ RESEND_API_KEY: "re_wrong_key_123456" });
    expect(body.data.components.email).toMatchObject({ status: "unhealthy", message: "HTTP 401 from email" });
    expect(JSON.stringify(body)).not.toContain("re_wrong_key_123456");
  });

  it("reports an unreachable database as unhealthy without leaking its address", async () => {
    const { response, body } = await getHealth({ DATABASE_URL: "postgresql://portal:s3cret-pw@127.0.0.1:1/portal" });
    expect(response.status).toBe(503);
    expect(body.data.components.database!.status).toBe("unhealthy");
    expect(body.data.components.database!.message).toBe("unreachable");
    expect(body.data.lastIncident).toBeNull();
    const text = JSON.stringify(body);
    expect(text).not.toContain("s3cret-pw");
    expect(text).not.toContain("127.0.0.1");
  });

  it("cuts a database that never answers off at its threshold", async () => {
    const { response, body } = await getHealth({ DATABASE_URL: await unresponsiveDatabase() });
    expect(body.data.components.database).toMatchObject({ status: "unhealthy", message: "timed out after 400 ms" });
    expect(response.elapsedMs).toBeGreaterThanOrEqual(400);
    expect(response.elapsedMs).toBeLessThan(400 + 1500);
  });

  it("names the newest incident by start time as lastIncident, resolved or not", async () => {
    await sql(
      databaseUrl,
      `INSERT INTO system_status (component, status, message, started_at, resolved_at) VALUES
      ('stripe', 'degraded', 'Slow API responses', '2025-10-21T14:30:00Z', '2025-10-21T15:00:00Z'),
      ('twilio', 'major_outage', 'Older outage', '2025-10-01T00:00:00Z', NULL)`,
    );
    const { body } = await getHealth();
    expect(body.data.lastIncident).toEqual({
      component: "stripe",
      status: "degraded",
      message: "Slow API responses",
      timestamp: "2025-10-21T14:30:00.000Z",
    });
  });

  it("answers HEAD with the status code and no body", async () => {
    const response = await callWorker("/api/portal/health", env(), { method: "HEAD" });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("");
  });
});

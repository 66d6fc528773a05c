// What tests use to reach the real chain from inside workerd: a fresh database per file,
// a private scope of fake vendors, the Worker itself, and the relay's round-trip count.
import { createExecutionContext, createScheduledController, env as bindings, waitOnExecutionContext } from "cloudflare:test";
import { openDatabase, type Database } from "../../src/db/client.ts";
import type { Env } from "../../src/env.ts";
import worker from "../../src/index.ts";
import { FAKE_CREDENTIALS, type Failure } from "../../scripts/lib/fake-vendors.ts";
import { readerUrl } from "../../scripts/lib/reader-url.ts";

interface HarnessBindings {
  HARNESS_CONTROL_URL: string;
  HARNESS_VENDORS_URL: string;
  HARNESS_POSTGRES: "external" | "embedded";
  LOCAL_PG_RELAY: string;
}
export const harness = bindings as unknown as HarnessBindings & Env;

export async function freshDatabase(source: "migrations" | "schema.sql" | "empty" = "migrations"): Promise<string> {
  const response = await fetch(`${harness.HARNESS_CONTROL_URL}/databases?source=${source}`, { method: "POST" });
  if (!response.ok) throw new Error(`could not create a database: ${await response.text()}`);
  return ((await response.json()) as { url: string }).url;
}

/** Empties every table, for files that share one database between tests. */
export async function emptyTables(databaseUrl: string): Promise<void> {
  // Alert rules are reference data seeded by the migrations; they stay.
  await sql(
    databaseUrl,
    `TRUNCATE feature_flags, flag_rollouts, audit_log, system_status, incident_updates, system_status_archive,
       maintenance_windows, health_check_logs, health_check_daily, alert_state, alert_notifications,
       flag_signal_hours, flag_adoption_days, subscribers, notification_events, subscriber_deliveries, console_actors`,
  );
}

/** A database address that accepts connections and never answers. */
export async function unresponsiveDatabase(): Promise<string> {
  return ((await (await fetch(`${harness.HARNESS_CONTROL_URL}/black-hole`)).json()) as { url: string }).url;
}

const relayKey = (databaseUrl: string) => {
  const url = new URL(databaseUrl);
  return `${url.hostname}:${url.port || 5432}${url.pathname}`;
};

/**
 * Makes the relay slow down this database's round trips, cut a connection mid-query,
 * refuse every connection (an outage) or accept and never answer (a hang); null clears.
 */
export async function databaseFault(
  databaseUrl: string,
  fault: { latencyMs?: number; dropAfter?: number; refuse?: boolean; hang?: boolean } | null,
): Promise<void> {
  const params = new URLSearchParams({ key: relayKey(databaseUrl) });
  for (const [name, value] of Object.entries(fault ?? {})) params.set(name, String(value));
  await fetch(`${harness.HARNESS_CONTROL_URL}/faults?${params}`, { method: fault ? "POST" : "DELETE" });
}

/** Round trips the relay has carried to this database so far. */
export async function roundTrips(databaseUrl: string): Promise<number> {
  const key = relayKey(databaseUrl);
  const response = await fetch(`${harness.HARNESS_CONTROL_URL}/round-trips?key=${encodeURIComponent(key)}`);
  return ((await response.json()) as { count: number }).count;
}

/** Runs SQL against a test database through the same Neon driver and relay as the Worker. */
export async function sql<T = Record<string, unknown>>(databaseUrl: string, text: string, params: unknown[] = []): Promise<T[]> {
  const handle = openDatabase({ DATABASE_URL: databaseUrl, LOCAL_PG_RELAY: harness.LOCAL_PG_RELAY });
  try {
    const result = await handle.pool.query(text, params);
    return result.rows as T[];
  } finally {
    await handle.close();
  }
}

/** Runs domain code against a test database through the Worker's own driver path. */
export async function withDatabase<T>(databaseUrl: string, use: (db: Database) => Promise<T>, maxConnections = 4): Promise<T> {
  const handle = openDatabase({ DATABASE_URL: databaseUrl, LOCAL_PG_RELAY: harness.LOCAL_PG_RELAY }, { maxConnections });
  try {
    return await use(handle.db);
  } finally {
    await handle.close();
  }
}

export type VendorName = "stripe" | "twilio" | "resend" | "hooks";

/** Fake vendors no other test file shares, steerable at run time. */
export function vendorScope() {
  const scope = `s${crypto.randomUUID().slice(0, 8)}`;
  const base = harness.HARNESS_VENDORS_URL;
  return {
    env: {
      ...FAKE_CREDENTIALS,
      STRIPE_API_BASE: `${base}/${scope}/stripe`,
      TWILIO_API_BASE: `${base}/${scope}/twilio`,
      RESEND_API_BASE: `${base}/${scope}/resend`,
    },
    /** Alert channels pointed at this scope's recording receiver. */
    hooks: {
      ALERT_WEBHOOK_URL: `${base}/${scope}/hooks/webhook`,
      ALERT_SLACK_WEBHOOK_URL: `${base}/${scope}/hooks/slack`,
      PAGERDUTY_EVENTS_URL: `${base}/${scope}/hooks/pagerduty`,
      PAGERDUTY_ROUTING_KEY: "R0UTINGKEYFORTESTS0000000000000",
    },
    async set(vendor: VendorName, behaviour: { latencyMs?: number; failure?: Failure }) {
      await fetch(`${base}/__control/${scope}`, { method: "POST", body: JSON.stringify({ [vendor]: behaviour }) });
    },
    async reset() {
      const healthy = { latencyMs: 0, failure: null };
      await fetch(`${base}/__control/${scope}`, {
        method: "POST",
        body: JSON.stringify({ stripe: healthy, twilio: healthy, resend: healthy, hooks: healthy }),
      });
    },
    async requests(): Promise<
      { vendor: VendorName; path: string; startedAt: number; body?: any; raw?: string; headers?: Record<string, string>; replayed?: boolean }[]
    > {
      return (await fetch(`${base}/__requests/${scope}`)).json();
    },
    /** Forgets what this scope was asked and sent. */
    async forget() {
      await fetch(`${base}/__requests/${scope}`, { method: "DELETE" });
    },
    /** Every email the fake Resend sent, one entry per call's recipient list, in order. */
    async emails(): Promise<
      { id: string; at: string; from: string; to: string[]; subject: string; text?: string; html?: string; headers?: Record<string, string> }[]
    > {
      return (await fetch(`${base}/__emails/${scope}`)).json();
    },
    /** A URL on the recording receiver (a webhook or Slack subscriber, say). */
    hookUrl: (name: string) => `${base}/${scope}/hooks/${name}`,
  };
}

/**
 * What most tests want: every call computed afresh, no client limit, quiet logs. The
 * edge-layer tests turn caching and limiting back on for themselves.
 */
export const TEST_DEFAULTS: Partial<Env> = { EDGE_CACHE: "off", RATE_LIMIT_PER_MINUTE: "1000000", OFREP_RATE_LIMIT_PER_MINUTE: "1000000", LOG_LEVEL: "warn" };

/**
 * Calls the Worker's own fetch handler with an environment of the test's choosing.
 * `elapsedMs` is the time until the response was ready (what a client waits for); the
 * call itself returns only after the request's waitUntil work has settled.
 */
export async function callWorker(path: string, env: Partial<Env>, init: RequestInit = {}): Promise<Response & { elapsedMs: number }> {
  return callWorkerAt(`http://portal.test${path}`, env, init);
}

/** The same at a full URL: the runtime builds a request's URL from the Host the client sent. */
export async function callWorkerAt(url: string, env: Partial<Env>, init: RequestInit = {}): Promise<Response & { elapsedMs: number }> {
  const ctx = createExecutionContext();
  const fullEnv = withReadRole({ ...harness, ...TEST_DEFAULTS, ...env } as Env, env);
  const started = Date.now();
  const response = await worker.fetch(new Request(url, init), fullEnv, ctx);
  const elapsedMs = Date.now() - started;
  await waitOnExecutionContext(ctx);
  return Object.assign(response, { elapsedMs });
}

/**
 * Public reads go through the read-only role, as in a deployment that configures it (a
 * test may say otherwise by passing DATABASE_READ_URL itself). On PGlite, which ignores the
 * user a connection names, the relay applies the role for each turn.
 */
function withReadRole(full: Env, given: Partial<Env>): Env {
  if ("DATABASE_READ_URL" in given || !full.DATABASE_URL) return full;
  try {
    return { ...full, DATABASE_READ_URL: readerUrl(full.DATABASE_URL) };
  } catch {
    return full; // not a URL: the test is about exactly that
  }
}

/** Fires one of the Worker's cron triggers through its scheduled handler, at a chosen time. */
export async function runCron(cron: string, env: Partial<Env>, at: Date): Promise<void> {
  const ctx = createExecutionContext();
  await worker.scheduled!(createScheduledController({ cron, scheduledTime: at.getTime() }), { ...harness, ...TEST_DEFAULTS, ...env } as Env, ctx);
  await waitOnExecutionContext(ctx);
}

// One round of health checks: the database and the three vendors, all at once.
// The database probe is the lastIncident query itself, so /health costs one round trip.
import { desc } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { systemStatus, type Component, type IncidentStatus } from "../db/schema.ts";
import type { Env } from "../env.ts";
import { overallStatus, type OverallStatus } from "./overall.ts";
import { runProbe, type Clock, type ComponentHealth } from "./probe.ts";
import { singleFlight } from "../lib/single-flight.ts";
import { thresholdsFromEnv, type Thresholds } from "./thresholds.ts";
import { callVendor, VENDOR_PROBES, type VendorComponent } from "./vendors.ts";

export interface LastIncident {
  component: Component;
  status: IncidentStatus;
  message: string | null;
  timestamp: string;
}

export interface HealthReport {
  status: OverallStatus;
  components: Record<"api" | "database" | VendorComponent, ComponentHealth>;
  lastIncident: LastIncident | null;
  timestamp: string;
}

export interface HealthDeps {
  /** Opened lazily so a missing or broken configuration is a database failure, not a crash. */
  database: () => Database;
  env: Env;
  fetch: typeof fetch;
  clock: Clock;
  thresholds: Thresholds;
  /** When the request arrived; the api component reports the time since then. */
  requestStartedAt: number;
}

export async function checkHealth(deps: HealthDeps): Promise<HealthReport> {
  const { clock, thresholds } = deps;
  const [database, ...vendors] = await Promise.all([
    runProbe(thresholds.database, clock, () => latestIncident(deps.database()), "database"),
    ...VENDOR_PROBES.map((probe) =>
      runProbe(thresholds.vendor, clock, (signal) => callVendor(probe, deps.env, deps.fetch, signal), probe.component).then(
        (result) => [probe.component, result.health] as const,
      ),
    ),
  ]);
  const now = clock();
  const components: HealthReport["components"] = {
    api: { status: "healthy", responseTime: Math.max(0, Math.round(now - deps.requestStartedAt)), lastChecked: new Date(now).toISOString() },
    database: database.health,
    ...(Object.fromEntries(vendors) as Record<VendorComponent, ComponentHealth>),
  };
  return {
    status: overallStatus(Object.values(components).map((c) => c.status)),
    components,
    lastIncident: database.value ?? null,
    timestamp: new Date(now).toISOString(),
  };
}

async function latestIncident(db: Database): Promise<LastIncident | null> {
  const [row] = await db
    .select({ component: systemStatus.component, status: systemStatus.status, message: systemStatus.message, startedAt: systemStatus.startedAt })
    .from(systemStatus)
    .orderBy(desc(systemStatus.startedAt))
    .limit(1);
  return row ? { component: row.component, status: row.status, message: row.message, timestamp: row.startedAt.toISOString() } : null;
}

const latestRounds = new Map<string, { report: HealthReport; finishedAt: number }>();

/**
 * A probe round for a request, shared with any round already under way in this isolate:
 * when many monitors miss the cache at once, one round answers them all. With
 * `reuseWithinMs`, a round finished that recently answers instead of a new one (answers
 * built while the database is down ask for the probes often, and must not multiply them).
 */
export async function sharedProbeRound(env: Env, database: () => Database, requestStartedAt: number, reuseWithinMs = 0): Promise<HealthReport> {
  const key = env.DATABASE_URL ?? "";
  const latest = latestRounds.get(key);
  if (latest && reuseWithinMs > 0 && Date.now() - latest.finishedAt <= reuseWithinMs) return latest.report;
  const report = await singleFlight(`health:${key}`, () =>
    checkHealth({ database, env, fetch: (input, init) => fetch(input, init), clock: Date.now, thresholds: thresholdsFromEnv(env), requestStartedAt }),
  );
  if (latestRounds.size > 16) latestRounds.clear();
  latestRounds.set(key, { report, finishedAt: Date.now() });
  return report;
}

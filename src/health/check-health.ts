// One round of health checks: every probed component of the registry, all at once — the
// Worker itself, the database, each vendor. The database probe is the lastIncident query
// itself, so /health costs one round trip.
import { desc } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { systemStatus, type Component, type IncidentStatus } from "../db/schema.ts";
import { probedComponents } from "../components/components.ts";
import type { Config } from "../config.ts";
import { overallStatus, type OverallStatus } from "./overall.ts";
import { runProbe, type Clock, type ComponentHealth } from "./probe.ts";
import { singleFlight } from "../lib/single-flight.ts";
import type { Thresholds } from "./thresholds.ts";
import { callVendor } from "./vendors.ts";

export interface LastIncident {
  component: Component;
  status: IncidentStatus;
  message: string | null;
  timestamp: string;
}

export interface HealthReport {
  status: OverallStatus;
  /** By component id, in registry order. */
  components: Record<string, ComponentHealth>;
  lastIncident: LastIncident | null;
  timestamp: string;
}

export interface HealthDeps {
  /** Opened lazily so a missing or broken configuration is a database failure, not a crash. */
  database: () => Database;
  /** Each vendor's settings, by component id. */
  vendors: Config["vendors"];
  fetch: typeof fetch;
  clock: Clock;
  thresholds: Thresholds;
  /** When the request arrived; the api component reports the time since then. */
  requestStartedAt: number;
}

export async function checkHealth(deps: HealthDeps): Promise<HealthReport> {
  const { clock, thresholds } = deps;
  let lastIncident: LastIncident | null = null;
  // Null for the Worker itself: it is healthy whenever it answers, and its time is the
  // whole round's, known only when the round ends.
  const probed = await Promise.all(
    probedComponents().map(async (component): Promise<[string, ComponentHealth | null]> => {
      if (component.kind === "database") {
        const result = await runProbe(thresholds.database, clock, () => latestIncident(deps.database()), component.id);
        lastIncident = result.value ?? null;
        return [component.id, result.health];
      }
      if (component.kind === "vendor" && component.probe) {
        const vendor = { ...component, probe: component.probe };
        const result = await runProbe(thresholds.vendor, clock, (signal) => callVendor(vendor, deps.vendors[component.id]!, deps.fetch, signal), component.id);
        return [component.id, result.health];
      }
      return [component.id, null];
    }),
  );
  const now = clock();
  const itself: ComponentHealth = {
    status: "healthy",
    responseTime: Math.max(0, Math.round(now - deps.requestStartedAt)),
    lastChecked: new Date(now).toISOString(),
  };
  const components = Object.fromEntries(probed.map(([id, health]) => [id, health ?? itself]));
  return {
    status: overallStatus(Object.values(components).map((c) => c.status)),
    components,
    lastIncident,
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
export async function sharedProbeRound(config: Config, database: () => Database, requestStartedAt: number, reuseWithinMs = 0): Promise<HealthReport> {
  const key = config.databaseUrl ?? "";
  const latest = latestRounds.get(key);
  if (latest && reuseWithinMs > 0 && Date.now() - latest.finishedAt <= reuseWithinMs) return latest.report;
  const report = await singleFlight(`health:${key}`, () =>
    checkHealth({
      database,
      vendors: config.vendors,
      fetch: (input, init) => fetch(input, init),
      clock: Date.now,
      thresholds: config.thresholds,
      requestStartedAt,
    }),
  );
  if (latestRounds.size > 16) latestRounds.clear();
  latestRounds.set(key, { report, finishedAt: Date.now() });
  return report;
}

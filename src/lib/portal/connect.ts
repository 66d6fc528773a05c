// The feature-flag library in a Node service: a database from a connection string, and
// the service's own defaults. A Neon database is reached with Neon's driver, the way the
// Worker reaches it (statements over HTTP, transactions over a WebSocket); any other
// Postgres with node-postgres (the optional peer dependency `pg`).
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { openDatabase, type Database } from "../../db/client.ts";
import * as schema from "../../db/schema.ts";
import { SignalRecorder } from "../../signals/recorder.ts";
import { writeSignals } from "../../signals/write-signals.ts";
import { featureFlagsFor, type FeatureFlags } from "./feature-flags.ts";

// Evaluations counted in this process and written at most once a minute (feature signals).
const signals = new SignalRecorder();
let writeTo: Database | undefined;

/** Writes the counted evaluations now (e.g. before the process exits). */
export async function flushNodeSignals(): Promise<void> {
  if (writeTo) await signals.flush((batch) => writeSignals(writeTo!, batch));
}

export interface ConnectionTarget {
  connectionString: string;
  driver?: "neon" | "node-postgres";
  actorId?: string | null;
  flagLimit?: number;
}

const isNeonHost = (url: string) => /\.neon\.(tech|build)$/i.test(new URL(url).hostname);

export async function featureFlagsFromConnectionString(target: ConnectionTarget): Promise<FeatureFlags> {
  const driver = target.driver ?? (isNeonHost(target.connectionString) ? "neon" : "node-postgres");
  const database = driver === "neon" ? neonDatabase(target.connectionString) : await nodePostgresDatabase(target.connectionString);
  const flagLimit = target.flagLimit ?? Number(process.env.FLAG_LIMIT ?? shippedSetting("FLAG_LIMIT"));
  if (!Number.isInteger(flagLimit) || flagLimit <= 0) throw new Error(`feature-flags: FLAG_LIMIT must be a whole number above 0 (is ${flagLimit})`);
  writeTo = database;
  return featureFlagsFor(database, {
    flagLimit,
    actorId: target.actorId,
    signals: {
      recorder: signals,
      write: (batch) => writeSignals(database, batch),
      onError: (error) => console.warn(`feature-flags: counted evaluations not written yet (kept for the next try): ${String(error)}`),
    },
  });
}

function neonDatabase(connectionString: string): Database {
  // LOCAL_PG_RELAY (the local stand-in for Neon's proxy) is honoured for a database on this
  // machine only, as in the Worker.
  return openDatabase({ DATABASE_URL: connectionString, LOCAL_PG_RELAY: process.env.LOCAL_PG_RELAY }, { maxConnections: 8 }).db;
}

async function nodePostgresDatabase(connectionString: string): Promise<Database> {
  const [{ default: pg }, { drizzle }] = await Promise.all([import("pg"), import("drizzle-orm/node-postgres")]);
  const pool = new pg.Pool({ connectionString, max: 8 });
  // An idle client that loses its connection must not bring the service down; the next
  // query reconnects and reports its own failure.
  pool.on("error", () => {});
  // Drizzle's node-postgres database answers the same query API the domain code uses.
  return drizzle({ client: pool, schema }) as unknown as Database;
}

/**
 * A setting's shipped default, from the package's wrangler.toml [vars] (the one place the
 * service's defaults are written), found by walking up from this module: the same file
 * whether this runs from the source or from the built library.
 */
export function shippedSetting(name: string): string {
  for (let up = 1; up <= 5; up++) {
    const file = fileURLToPath(new URL(`${"../".repeat(up)}wrangler.toml`, import.meta.url).href);
    if (!existsSync(file)) continue;
    const vars =
      readFileSync(file, "utf8")
        .split(/^\[/m)
        .find((section) => section.startsWith("vars]")) ?? "";
    const value = new RegExp(`^${name}\\s*=\\s*"([^"]*)"`, "m").exec(vars)?.[1];
    if (value === undefined) throw new Error(`feature-flags: ${name} is not in wrangler.toml [vars]`);
    return value;
  }
  throw new Error("feature-flags: the package's wrangler.toml was not found");
}

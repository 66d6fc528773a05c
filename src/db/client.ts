// One Neon pool per request, as Workers require (sockets cannot outlive a request);
// the caller ends it after the response with ctx.waitUntil(close()).
import { Pool, neonConfig } from "@neondatabase/serverless";
import { drizzle, type NeonDatabase } from "drizzle-orm/neon-serverless";
import { isLoopbackDatabase } from "../lib/loopback.ts";
import * as schema from "./schema.ts";

const CONNECT_TIMEOUT_MS = 5_000;
const CLOSE_WAIT_MS = 1_000;

export type Database = NeonDatabase<typeof schema>;
/** The handle inside db.transaction(). */
export type Transaction = Parameters<Parameters<Database["transaction"]>[0]>[0];

export interface DatabaseHandle {
  db: Database;
  /** The driver's pool, for the few places that speak SQL text directly. */
  pool: Pool;
  close(): Promise<void>;
}

/** Where to connect: a connection string, and (dev and tests only) the local relay. */
export interface DatabaseTarget {
  DATABASE_URL: string | undefined;
  LOCAL_PG_RELAY?: string | undefined;
}

export function openDatabase(env: DatabaseTarget, options: { maxConnections?: number } = {}): DatabaseHandle {
  if (!env.DATABASE_URL) throw new Error("DATABASE_URL is not configured");
  useLocalRelayIfAsked({ ...env, DATABASE_URL: env.DATABASE_URL });
  const pool = new Pool({ connectionString: env.DATABASE_URL, max: options.maxConnections ?? 4, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  // An idle client that loses its socket emits 'error'; without a listener that would
  // be thrown at the isolate. The query that uses it still reports its own failure.
  pool.on("error", () => {});
  pool.on("connect", (client: { on(event: "error", listener: () => void): unknown }) => client.on("error", () => {}));
  let closed: Promise<void> | undefined;
  return {
    db: drizzle({ client: pool, schema }),
    pool,
    // A connection stuck on a database that never answers would hold end() until its
    // connect timeout; the request is over by then, so waiting is capped.
    close: () => (closed ??= Promise.race([pool.end().catch(() => {}), new Promise<void>((r) => setTimeout(r, CLOSE_WAIT_MS))])),
  };
}

/**
 * Neon's proxy is reached over secure WebSockets with TLS inside; the local relay speaks
 * plain ws to a plain Postgres. The switch is guarded twice so production can never take
 * it: the relay must be configured, and the database must be on this machine.
 */
function useLocalRelayIfAsked(env: DatabaseTarget & { DATABASE_URL: string }): void {
  const relay = env.LOCAL_PG_RELAY;
  if (!relay || !isLoopbackDatabase(env.DATABASE_URL)) return;
  neonConfig.wsProxy = (host, port) => `${relay}/v2?address=${host}:${port}`;
  neonConfig.useSecureWebSocket = false;
  neonConfig.forceDisablePgSSL = true;
  neonConfig.pipelineTLS = false;
  neonConfig.pipelineConnect = false;
}

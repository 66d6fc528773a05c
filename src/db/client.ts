// One database handle per request, as Workers require (sockets cannot outlive a request);
// the caller ends it after the response with ctx.waitUntil(close()). A statement outside
// a transaction goes over Neon's HTTP query path: one request, one round trip, no
// connection to set up. A transaction checks a WebSocket connection out of the pool (the
// HTTP path cannot hold one open across statements).
import { neon, neonConfig, Pool, type PoolConfig, type QueryArrayResult } from "@neondatabase/serverless";
import { drizzle, type NeonDatabase } from "drizzle-orm/neon-serverless";
import { isLoopbackDatabase } from "../lib/loopback.ts";
import * as schema from "./schema.ts";

const CONNECT_TIMEOUT_MS = 5_000;
const CLOSE_WAIT_MS = 1_000;
// An HTTP statement that has not answered by then is abandoned (callers with a tighter
// deadline give up sooner on their own).
const STATEMENT_TIMEOUT_MS = 10_000;

export type Database = NeonDatabase<typeof schema>;
/** The handle inside db.transaction(). */
export type Transaction = Parameters<Parameters<Database["transaction"]>[0]>[0];

export interface DatabaseHandle {
  db: Database;
  /** The driver's pool, for the few places that speak SQL text directly. */
  pool: Pool;
  close(): Promise<void>;
}

interface QueryConfig {
  text: string;
  values?: unknown[];
  rowMode?: "array";
  types?: { getTypeParser(oid: number, format?: string): (value: string) => unknown };
}

/**
 * A pool whose query() — what Drizzle calls for a statement outside a transaction — is
 * one request on Neon's HTTP path, with results shaped as the pool's own (rows as arrays
 * when asked, the caller's type parsers). Drizzle's transactions still connect().
 */
class HttpStatementPool extends Pool {
  readonly #statement: ReturnType<typeof neon<false, true>>;

  constructor(config: PoolConfig & { connectionString: string }) {
    super(config);
    this.#statement = neon<false, true>(config.connectionString, { fullResults: true });
  }

  // @ts-expect-error: one promise-returning form of pg's overloaded query(), the one Drizzle uses.
  override query(config: string | QueryConfig, values?: unknown[]): Promise<QueryArrayResult> {
    const query = typeof config === "string" ? { text: config } : config;
    // The HTTP answer has the fields, rows, rowCount and command the pool's own would.
    return this.#statement.query(query.text, values ?? query.values ?? [], {
      arrayMode: query.rowMode === "array",
      fullResults: true,
      types: query.types as never,
      fetchOptions: { signal: AbortSignal.timeout(STATEMENT_TIMEOUT_MS) },
    }) as unknown as Promise<QueryArrayResult>;
  }
}

/** Where to connect: a connection string, and (dev and tests only) the local relay. */
export interface DatabaseTarget {
  DATABASE_URL: string | undefined;
  LOCAL_PG_RELAY?: string | undefined;
}

export function openDatabase(env: DatabaseTarget, options: { maxConnections?: number } = {}): DatabaseHandle {
  if (!env.DATABASE_URL) throw new Error("DATABASE_URL is not configured");
  useLocalRelayIfAsked({ ...env, DATABASE_URL: env.DATABASE_URL });
  const pool = new HttpStatementPool({ connectionString: env.DATABASE_URL, max: options.maxConnections ?? 4, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  // An idle client that loses its socket emits 'error'; without a listener that would
  // be thrown at the isolate. The query that uses it still reports its own failure.
  pool.on("error", () => {});
  pool.on("connect", (client: { on(event: "error", listener: () => void): unknown }) => client.on("error", () => {}));
  let closed: Promise<void> | undefined;
  // The same Pool to Drizzle (its transactions connect() as ever); the cast is for the one
  // query() overload the subclass answers.
  const asPool = pool as unknown as Pool;
  return {
    db: drizzle({ client: asPool, schema }),
    pool: asPool,
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
  neonConfig.fetchEndpoint = (host, port) => `http://${relay}/sql?address=${host}:${port}`;
  neonConfig.useSecureWebSocket = false;
  neonConfig.forceDisablePgSSL = true;
  neonConfig.pipelineTLS = false;
  neonConfig.pipelineConnect = false;
}

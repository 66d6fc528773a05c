// The relay's HTTP path, as Neon's proxy serves it to the driver's neon() function: one
// POST per statement, the connection string in a header, the statement and its parameters
// as JSON, the result as JSON with every value as Postgres's text. No connection set-up
// for the client: one request, one round trip.
import type { IncomingMessage, ServerResponse } from "node:http";
import pg from "pg";
import { isLoopbackHost } from "../../src/lib/loopback.ts";
import { roleStatement, roundTripKey, type RelayState } from "./relay-state.ts";

/** Raw text for every type: the driver parses values itself, from the fields' type ids. */
const RAW_TEXT = { getTypeParser: () => (value: string) => value };
const MAX_BODY_BYTES = 8 * 1024 * 1024;
const CONNECT_TIMEOUT_MS = 10_000;

// What Neon's endpoint sends back of a Postgres error (the fields the driver copies).
const ERROR_FIELDS = [
  "severity",
  "code",
  "detail",
  "hint",
  "position",
  "internalPosition",
  "internalQuery",
  "where",
  "schema",
  "table",
  "column",
  "dataType",
  "constraint",
  "file",
  "line",
  "routine",
] as const;

interface Statement {
  query: string;
  params?: unknown[];
}

export interface NeonHttpEndpoint {
  handle(req: IncomingMessage, res: ServerResponse): void;
  close(): Promise<void>;
}

/**
 * `serialize` (PGlite): each statement runs on one session per backend, under the same
 * lock as the WebSocket path, with SET ROLE to the user the connection string names.
 * Otherwise each connection string has a small pool of its own, as that user.
 */
export function neonHttpEndpoint(state: RelayState, serialize: boolean): NeonHttpEndpoint {
  const pools = new Map<string, pg.Pool>();
  const sessions = new Map<string, Promise<pg.Client>>();

  const poolFor = (connectionString: string) => {
    let pool = pools.get(connectionString);
    if (!pool) {
      pool = new pg.Pool({ connectionString, max: 8, idleTimeoutMillis: 2_000, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
      // A database dropped under an idle client: the next statement reconnects.
      pool.on("error", () => {});
      pools.set(connectionString, pool);
    }
    return pool;
  };

  const sessionFor = (target: URL) => {
    const key = `${target.hostname}:${target.port}/${target.pathname}`;
    let session = sessions.get(key);
    if (!session) {
      const client = new pg.Client({
        host: target.hostname,
        port: Number(target.port || 5432),
        database: decodeURIComponent(target.pathname.slice(1)),
        user: "postgres",
        connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      });
      client.on("error", () => sessions.delete(key));
      client.on("end", () => sessions.delete(key));
      session = client.connect().then(() => client);
      session.catch(() => sessions.delete(key));
      sessions.set(key, session);
    }
    return session;
  };

  const run = async (connectionString: string, target: URL, statement: Statement) => {
    const query = { text: statement.query, values: statement.params ?? [], rowMode: "array" as const, types: RAW_TEXT, queryMode: "extended" as const };
    if (!serialize) return poolFor(connectionString).query(query);
    const lock = state.lockFor(`${target.hostname}:${target.port || 5432}`);
    await lock.acquire();
    try {
      const client = await sessionFor(target);
      await client.query(roleStatement(decodeURIComponent(target.username)));
      return await client.query(query);
    } finally {
      lock.release();
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const reply = (status: number, body: unknown) => {
      if (res.headersSent || res.destroyed) return;
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    const connectionString = req.headers["neon-connection-string"];
    if (req.method !== "POST" || typeof connectionString !== "string") return reply(404, { message: "POST /sql with Neon-Connection-String" });
    let target: URL;
    try {
      target = new URL(connectionString);
    } catch {
      return reply(400, { message: "malformed Neon-Connection-String" });
    }
    // The relay only ever reaches databases on this machine.
    if (!isLoopbackHost(target.hostname.replace(/^\[|\]$/g, ""))) return reply(403, { message: "address not allowed" });
    const body = await readBody(req);
    if (body === null) return reply(413, { message: "request body too large" });
    let statement: Statement;
    try {
      statement = JSON.parse(body) as Statement;
    } catch {
      return reply(400, { message: "request body is not JSON" });
    }
    if (typeof statement.query !== "string") return reply(400, { message: "the local relay runs single statements, not batches" });

    const key = roundTripKey(`${target.hostname}:${target.port || 5432}`, decodeURIComponent(target.pathname.slice(1)));
    state.count(key);
    const fault = state.fault(key);
    // An outage: what Neon's endpoint answers when it cannot reach the database.
    if (fault?.refuse) return reply(503, { message: "could not connect to the database: connection refused" });
    // Cut mid-query: the client hears nothing but a closed connection.
    if (state.cutsNow(fault, 1)) {
      req.socket.destroy();
      return;
    }
    // Never answered: the client waits until it gives up.
    if (fault?.hang) return;
    if (fault && fault.latencyMs > 0) await new Promise((r) => setTimeout(r, fault.latencyMs));

    try {
      const result = await run(connectionString, target, statement);
      reply(200, {
        command: result.command,
        rowCount: result.rowCount,
        rowAsArray: true,
        fields: result.fields.map((f) => ({
          name: f.name,
          tableID: f.tableID,
          columnID: f.columnID,
          dataTypeID: f.dataTypeID,
          dataTypeSize: f.dataTypeSize,
          dataTypeModifier: f.dataTypeModifier,
          format: "text",
        })),
        rows: result.rows,
      });
    } catch (error) {
      if (error instanceof pg.DatabaseError) {
        const fields = Object.fromEntries(ERROR_FIELDS.map((name) => [name, error[name]]).filter(([, value]) => value !== undefined));
        return reply(400, { message: error.message, ...fields });
      }
      // The backend could not be reached: what Neon answers when a compute is unavailable.
      reply(503, { message: `could not reach the database: ${error instanceof Error ? error.message : String(error)}` });
    }
  };

  return {
    handle: (req, res) => void handle(req, res),
    async close() {
      await Promise.allSettled([...pools.values()].map((pool) => pool.end()));
      await Promise.allSettled([...sessions.values()].map(async (session) => (await session).end()));
    },
  };
}

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) resolve(null);
      else chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

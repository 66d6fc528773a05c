// A local stand-in for Neon's WebSocket proxy: the Neon driver speaks the Postgres wire
// protocol inside WebSocket frames; this relay unwraps them onto a TCP connection.
// It also counts the client's round trips (Query and Sync messages) per database, so
// tests can prove how many times a request talked to Postgres.
import { createRequire } from "node:module";
import { createConnection } from "node:net";
import type { WebSocket, WebSocketServer as WebSocketServerType } from "ws";
import { isLoopbackHost } from "../../src/lib/loopback.ts";

// Loaded through require so a bundler's worker/browser export conditions (vitest's
// global setup runs under the Workers plugin) cannot swap in ws's browser stub.
const { WebSocketServer } = createRequire(import.meta.url)("ws") as { WebSocketServer: typeof WebSocketServerType };

export interface Relay {
  /** host:port to give the driver as its wsProxy target */
  address: string;
  port: number;
  /** Round trips so far to one database; the key is roundTripKey(host:port, database). */
  roundTrips(key: string): number;
  /**
   * Fault injection for one database: delay every round trip by `latencyMs`, and/or cut
   * the connection when the `dropAfter`-th round trip from now is sent (once); `refuse`
   * hangs up on every new connection as soon as it names the database (an outage);
   * `hang` accepts connections and never forwards a byte (a database that never
   * answers). null clears.
   */
  setFault(key: string, fault: RelayFault | null): void;
  close(): Promise<void>;
}

/**
 * `serialize`: let one connection at a time talk to each backend, from its first message
 * until the backend is idle again (ReadyForQuery 'I'). PGlite is a single session behind a
 * multiplexer that queues protocol messages one by one, so two clients' extended-protocol
 * batches (Parse, Bind, …, Sync) could interleave; serializing whole exchanges prevents it.
 * A real Postgres needs no such thing.
 *
 * PGlite also ignores the user a connection names: every connection is its superuser. So
 * that database roles (and row-level security) apply as on a real Postgres, each turn of a
 * connection begins with SET ROLE to the user it named (RESET ROLE for the superuser),
 * whose answer the relay swallows.
 */
export interface RelayFault {
  latencyMs?: number;
  dropAfter?: number;
  refuse?: boolean;
  hang?: boolean;
}

export async function startRelay(options: { host?: string; port?: number; serialize?: boolean } = {}): Promise<Relay> {
  const host = options.host ?? "127.0.0.1";
  const counts = new Map<string, number>();
  const locks = new Map<string, Mutex>();
  const faults = new Map<string, RelayFault & { latencyMs: number }>();
  const server = new WebSocketServer({ host, port: options.port ?? 0 });
  const sockets = new Set<WebSocket>();

  server.on("connection", (ws, request) => {
    sockets.add(ws);
    ws.on("close", () => sockets.delete(ws));
    const target = new URL(request.url ?? "/", "http://relay").searchParams.get("address") ?? "";
    const [targetHost, targetPort] = splitHostPort(target);
    if (!targetHost || !isLoopbackHost(targetHost)) {
      // The relay only ever reaches databases on this machine.
      ws.close(1008, "address not allowed");
      return;
    }
    const tcp = createConnection({ host: targetHost, port: targetPort });
    let databaseKey = "";
    let role: string | null = null;
    const counter = new FrontendMessageCounter(
      (database, user) => {
        databaseKey = roundTripKey(target, database);
        role = user && user !== EMBEDDED_SUPERUSER ? user : null;
      },
      () => counts.set(databaseKey, (counts.get(databaseKey) ?? 0) + 1),
      // Postgres hangs up after Terminate; PGlite's socket server does not, and would
      // keep the slot. Hanging up here makes every backend behave like Postgres.
      () => {
        terminating = true;
      },
    );
    const lock = options.serialize ? (locks.get(target) ?? locks.set(target, new Mutex()).get(target)!) : null;
    const outbound: Buffer[] = [];
    let connected = false;
    let holding = false;
    let acquiring = false;
    let terminating = false;
    let closed = false;
    // Serialized backends: the session is set to this connection's role once per turn.
    let startupDone = false;
    let roleApplied = false;
    let swallow = 0;
    const pump = () => {
      if (closed) return;
      if (terminating) {
        // Terminate needs no turn: nothing answers it. Drop it and hang up.
        outbound.length = 0;
        release();
        tcp.end();
        return;
      }
      if (!connected || outbound.length === 0) return;
      if (!lock || holding) {
        if (lock && startupDone && !roleApplied) {
          tcp.write(simpleQuery(role ? `SET ROLE "${role.replace(/"/g, '""')}"` : "RESET ROLE"));
          swallow++;
          roleApplied = true;
        }
        for (const chunk of outbound.splice(0)) tcp.write(chunk);
        return;
      }
      if (acquiring) return;
      acquiring = true;
      void lock.acquire().then(() => {
        acquiring = false;
        holding = true;
        // The connection may have gone while it waited for its turn.
        if (closed || terminating) release();
        pump();
      });
    };
    const release = () => {
      roleApplied = false;
      if (holding) {
        holding = false;
        lock!.release();
      }
    };
    const backend = new BackendMessageSplitter();
    tcp.on("connect", () => {
      connected = true;
      pump();
    });
    tcp.on("data", (data) => {
      if (!lock) {
        if (ws.readyState === ws.OPEN) ws.send(data);
        return;
      }
      const forward: Buffer[] = [];
      let idle = false;
      for (const message of backend.push(data as Buffer)) {
        const readyForQuery = message[0] === 0x5a;
        if (swallow > 0) {
          if (readyForQuery) swallow--;
          continue;
        }
        forward.push(message);
        if (readyForQuery) {
          startupDone = true;
          // 'Z' with transaction status 'I': idle, outside any transaction.
          if (message[5] === 0x49) idle = true;
        }
      }
      if (forward.length > 0 && ws.readyState === ws.OPEN) ws.send(Buffer.concat(forward));
      if (idle) {
        release();
        pump();
      }
    });
    tcp.on("close", () => {
      closed = true;
      release();
      ws.close();
    });
    tcp.on("error", () => ws.terminate());
    let delivery = Promise.resolve();
    ws.on("message", (data: Buffer) => {
      const trips = counter.push(data);
      const fault = faults.get(databaseKey);
      if (fault?.refuse) {
        ws.terminate();
        tcp.destroy();
        return;
      }
      // Never answered: the bytes go nowhere, and the client waits until it gives up.
      if (fault?.hang) return;
      if (fault && trips > 0 && fault.dropAfter !== undefined) {
        fault.dropAfter -= trips;
        if (fault.dropAfter <= 0) {
          // Cut mid-query: the client has sent its statement and hears nothing but a closed socket.
          delete fault.dropAfter;
          ws.terminate();
          tcp.destroy();
          return;
        }
      }
      const delay = fault && trips > 0 ? fault.latencyMs : 0;
      // Delays keep the connection's order: each chunk waits for the one before.
      delivery = delivery
        .then(() => (delay > 0 ? new Promise((r) => setTimeout(r, delay)) : undefined))
        .then(() => {
          outbound.push(data);
          pump();
        });
    });
    ws.on("close", () => {
      closed = true;
      release();
      tcp.destroy();
    });
    ws.on("error", () => tcp.destroy());
  });

  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const port = (server.address() as { port: number }).port;
  return {
    address: `${host}:${port}`,
    port,
    roundTrips: (key) => counts.get(key) ?? 0,
    setFault: (key, fault) => {
      if (fault) faults.set(key, { ...fault, latencyMs: fault.latencyMs ?? 0 });
      else faults.delete(key);
    },
    close: () =>
      new Promise((resolve) => {
        for (const ws of sockets) ws.terminate();
        server.close(() => resolve());
      }),
  };
}

export function roundTripKey(address: string, database: string): string {
  return `${address}/${database}`;
}

class Mutex {
  private locked = false;
  private readonly waiters: (() => void)[] = [];

  acquire(): Promise<void> {
    if (!this.locked) {
      this.locked = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.locked = false;
  }
}

/** PGlite's only user: a connection naming it needs no SET ROLE. */
const EMBEDDED_SUPERUSER = "postgres";

/** A simple-protocol Query message. */
function simpleQuery(text: string): Buffer {
  const body = Buffer.from(`${text}\0`, "utf8");
  const message = Buffer.alloc(5 + body.length);
  message.write("Q", 0, "ascii");
  message.writeInt32BE(4 + body.length, 1);
  body.copy(message, 5);
  return message;
}

/** Splits the backend's byte stream into whole messages. */
class BackendMessageSplitter {
  private buffer = Buffer.alloc(0);

  push(chunk: Buffer): Buffer[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const messages: Buffer[] = [];
    for (;;) {
      if (this.buffer.length < 5) break;
      const length = this.buffer.readInt32BE(1);
      if (this.buffer.length < length + 1) break;
      messages.push(this.buffer.subarray(0, length + 1));
      this.buffer = this.buffer.subarray(length + 1);
    }
    return messages;
  }
}

function splitHostPort(address: string): [string, number] {
  const index = address.lastIndexOf(":");
  if (index < 0) return [address, 5432];
  return [address.slice(0, index).replace(/^\[|\]$/g, ""), Number(address.slice(index + 1))];
}

/**
 * Follows the frontend side of the wire protocol: the untyped startup message first
 * (which names the database), then typed messages. Each 'Q' (simple query) or 'S'
 * (Sync, the end of an extended-protocol batch) is one round trip.
 */
class FrontendMessageCounter {
  private buffer = Buffer.alloc(0);
  private database = "";
  private started = false;

  private readonly onStartup: (database: string, user: string) => void;
  private readonly onRoundTrip: () => void;
  private readonly onTerminate: () => void;

  constructor(onStartup: (database: string, user: string) => void, onRoundTrip: () => void, onTerminate: () => void) {
    this.onStartup = onStartup;
    this.onRoundTrip = onRoundTrip;
    this.onTerminate = onTerminate;
  }

  /** Takes the next chunk; answers how many round trips it completed. */
  push(chunk: Buffer): number {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    let trips = 0;
    for (;;) {
      if (!this.started) {
        if (this.buffer.length < 8) return trips;
        const length = this.buffer.readInt32BE(0);
        if (this.buffer.length < length) return trips;
        const code = this.buffer.readInt32BE(4);
        if (code === 196608) {
          const startup = parseStartup(this.buffer.subarray(8, length));
          this.database = startup.database;
          this.started = true;
          this.onStartup(startup.database, startup.user);
        }
        // SSLRequest (80877103) and others are followed by another startup message.
        this.buffer = this.buffer.subarray(length);
        continue;
      }
      if (this.buffer.length < 5) return trips;
      const length = this.buffer.readInt32BE(1);
      if (this.buffer.length < length + 1) return trips;
      const type = String.fromCharCode(this.buffer[0]!);
      if (type === "Q" || type === "S") {
        this.onRoundTrip();
        trips++;
      }
      if (type === "X") this.onTerminate();
      this.buffer = this.buffer.subarray(length + 1);
    }
  }
}

function parseStartup(body: Buffer): { database: string; user: string } {
  const parts = body.toString("utf8").split("\0");
  let user = "";
  let database = "";
  for (let i = 0; i + 1 < parts.length; i += 2) {
    if (parts[i] === "database") database = parts[i + 1]!;
    if (parts[i] === "user") user = parts[i + 1]!;
  }
  // Postgres's default: the database named like the user.
  return { database: database || user, user };
}

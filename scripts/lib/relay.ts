// A local stand-in for Neon's proxy, on one port: the WebSocket path the driver's Pool
// uses (transactions; relay-websocket.ts) and the HTTP query path its neon() function
// uses (single statements; relay-http.ts), both onto the Postgres on this machine. It
// counts each database's round trips as the database endpoint sees them, so tests can
// prove how many times a request talked to Postgres (GET /round-trips gives them all), and
// injects faults per database.
import { createServer } from "node:http";
import { createRequire } from "node:module";
import type { WebSocketServer as WebSocketServerType } from "ws";
import { neonHttpEndpoint } from "./relay-http.ts";
import { RelayState, type RelayFault } from "./relay-state.ts";
import { tunnelWebSocket } from "./relay-websocket.ts";

export { roundTripKey, type RelayFault } from "./relay-state.ts";

// Loaded through require so a bundler's worker/browser export conditions (vitest's
// global setup runs under the Workers plugin) cannot swap in ws's browser stub.
const { WebSocketServer } = createRequire(import.meta.url)("ws") as { WebSocketServer: typeof WebSocketServerType };

export interface Relay {
  /** host:port of both paths: the driver's wsProxy target, and its fetchEndpoint's host. */
  address: string;
  port: number;
  /** Round trips so far to one database; the key is roundTripKey(host:port, database). */
  roundTrips(key: string): number;
  /** Sets (or, with null, clears) one database's injected fault: see RelayFault. */
  setFault(key: string, fault: RelayFault | null): void;
  close(): Promise<void>;
}

/** `serialize`: the backend is PGlite, which must see one exchange at a time (see relay-websocket.ts). */
export async function startRelay(options: { host?: string; port?: number; serialize?: boolean } = {}): Promise<Relay> {
  const host = options.host ?? "127.0.0.1";
  const serialize = options.serialize ?? false;
  const state = new RelayState();
  const http = neonHttpEndpoint(state, serialize);
  const server = createServer((req, res) => {
    // The counts, for the benchmark (the tests read them in-process, through the control server).
    if (req.method === "GET" && req.url === "/round-trips") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(state.allRoundTrips()));
      return;
    }
    http.handle(req, res);
  });
  // The Workers runtime keeps HTTP connections for reuse longer than Node's default 5 s;
  // closing one it is about to reuse loses that request ("Network connection lost"). Like
  // Neon's endpoint, keep idle connections open long enough that the client closes first.
  server.keepAliveTimeout = 10 * 60_000;
  server.headersTimeout = server.keepAliveTimeout + 1_000;
  const sockets = new WebSocketServer({ server });
  sockets.on("connection", (ws, request) => tunnelWebSocket(ws, request.url ?? "/", state, serialize));
  // Requests left hanging on purpose (a `hang` fault) must not hold close() forever.
  const connections = new Set<import("node:net").Socket>();
  server.on("connection", (socket) => {
    connections.add(socket);
    socket.on("close", () => connections.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
    server.listen(options.port ?? 0, host);
  });
  const port = (server.address() as { port: number }).port;
  return {
    address: `${host}:${port}`,
    port,
    roundTrips: (key) => state.roundTrips(key),
    setFault: (key, fault) => state.setFault(key, fault),
    async close() {
      for (const ws of sockets.clients) ws.terminate();
      for (const socket of connections) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await http.close();
    },
  };
}

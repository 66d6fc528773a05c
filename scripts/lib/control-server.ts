// The test harness's control endpoint, reached from tests running inside workerd:
// POST /databases?source=migrations|schema.sql|empty makes a fresh database;
// GET /round-trips?key=<host:port/database> reads the relay's count for it;
// POST|DELETE /faults?key=…&latencyMs=…&dropAfter=…&refuse=true&hang=true sets or clears
// the relay's faults for it; GET /black-hole gives a database that never answers.
import { createServer } from "node:http";
import { createServer as createTcpServer, type Socket } from "node:net";
import type { PostgresServer, DatabaseSource } from "./postgres.ts";
import type { Relay } from "./relay.ts";

export async function startControlServer(postgres: PostgresServer, relay: Relay) {
  let sequence = 0;
  // A database that accepts connections and never answers, for timeout tests.
  const held = new Set<Socket>();
  const blackHole = createTcpServer((socket) => {
    held.add(socket);
    socket.on("close", () => held.delete(socket));
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => blackHole.listen(0, "127.0.0.1", resolve));
  const blackHolePort = (blackHole.address() as { port: number }).port;
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://control");
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    try {
      if (req.method === "POST" && url.pathname === "/databases") {
        const source = (url.searchParams.get("source") ?? "migrations") as DatabaseSource;
        const name = `db${++sequence}_${Math.random().toString(36).slice(2, 8)}`;
        return reply(200, { url: await postgres.createDatabase(name, source) });
      }
      if (req.method === "GET" && url.pathname === "/black-hole") {
        return reply(200, { url: `postgresql://postgres@127.0.0.1:${blackHolePort}/postgres` });
      }
      if (url.pathname === "/faults") {
        const key = url.searchParams.get("key") ?? "";
        if (req.method === "DELETE") relay.setFault(key, null);
        else {
          const num = (name: string) => (url.searchParams.has(name) ? Number(url.searchParams.get(name)) : undefined);
          const flag = (name: string) => url.searchParams.get(name) === "true" || undefined;
          relay.setFault(key, { latencyMs: num("latencyMs"), dropAfter: num("dropAfter"), refuse: flag("refuse"), hang: flag("hang") });
        }
        return reply(200, { ok: true });
      }
      if (req.method === "GET" && url.pathname === "/round-trips") {
        return reply(200, { count: relay.roundTrips(url.searchParams.get("key") ?? "") });
      }
      reply(404, { error: "not found" });
    } catch (error) {
      reply(500, { error: String(error) });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const socket of held) socket.destroy();
      await new Promise<void>((resolve) => blackHole.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

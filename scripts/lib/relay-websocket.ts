// The relay's WebSocket path, as Neon's proxy serves it to the driver's Pool: Postgres
// wire protocol inside WebSocket frames, unwrapped onto a TCP connection to the backend.
import { createConnection } from "node:net";
import type { WebSocket } from "ws";
import { isLoopbackHost } from "../../src/lib/loopback.ts";
import { roleStatement, roundTripKey, splitHostPort, type RelayState } from "./relay-state.ts";
import { BackendMessageSplitter, FrontendMessageCounter, simpleQuery } from "./wire-protocol.ts";

/**
 * Round trips, as the database endpoint sees them: the WebSocket upgrade and the
 * start-up exchange (trust authentication: one) when the start-up message names the
 * database, then one per Query or Sync.
 *
 * `serialize`: let one connection at a time talk to each backend, from its first message
 * until the backend is idle again (ReadyForQuery 'I'). PGlite is a single session behind a
 * multiplexer that queues protocol messages one by one, so two clients' extended-protocol
 * batches (Parse, Bind, …, Sync) could interleave; serializing whole exchanges prevents it.
 * PGlite also ignores the user a connection names, so each turn begins with SET ROLE to
 * that user (RESET ROLE for the superuser), whose answer the relay swallows.
 */
export function tunnelWebSocket(ws: WebSocket, url: string, state: RelayState, serialize: boolean): void {
  const target = new URL(url, "http://relay").searchParams.get("address") ?? "";
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
      role = user;
      state.count(databaseKey, 2);
    },
    () => state.count(databaseKey),
    // Postgres hangs up after Terminate; PGlite's socket server does not, and would
    // keep the slot. Hanging up here makes every backend behave like Postgres.
    () => {
      terminating = true;
    },
  );
  const lock = serialize ? state.lockFor(target) : null;
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
        tcp.write(simpleQuery(roleStatement(role)));
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
    const fault = state.fault(databaseKey);
    if (fault?.refuse) {
      ws.terminate();
      tcp.destroy();
      return;
    }
    // Never answered: the bytes go nowhere, and the client waits until it gives up.
    if (fault?.hang) return;
    if (state.cutsNow(fault, trips)) {
      // Cut mid-query: the client has sent its statement and hears nothing but a closed socket.
      ws.terminate();
      tcp.destroy();
      return;
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
}

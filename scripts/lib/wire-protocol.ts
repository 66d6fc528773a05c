// The few pieces of the Postgres wire protocol the relay reads: the frontend's startup
// message and typed messages, the backend's message boundaries, a simple Query.

/** A simple-protocol Query message. */
export function simpleQuery(text: string): Buffer {
  const body = Buffer.from(`${text}\0`, "utf8");
  const message = Buffer.alloc(5 + body.length);
  message.write("Q", 0, "ascii");
  message.writeInt32BE(4 + body.length, 1);
  body.copy(message, 5);
  return message;
}

/** Splits the backend's byte stream into whole messages. */
export class BackendMessageSplitter {
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

/**
 * Follows the frontend side of the protocol: the untyped startup message first (which
 * names the database and user), then typed messages. Each 'Q' (simple query) or 'S'
 * (Sync, the end of an extended-protocol batch) is a query round trip; 'X' is Terminate.
 */
export class FrontendMessageCounter {
  private buffer = Buffer.alloc(0);
  private started = false;

  private readonly onStartup: (database: string, user: string) => void;
  private readonly onQuery: () => void;
  private readonly onTerminate: () => void;

  constructor(onStartup: (database: string, user: string) => void, onQuery: () => void, onTerminate: () => void) {
    this.onStartup = onStartup;
    this.onQuery = onQuery;
    this.onTerminate = onTerminate;
  }

  /** Takes the next chunk; answers how many query round trips it completed. */
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
        this.onQuery();
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

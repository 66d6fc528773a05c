// What the relay's two paths (the WebSocket tunnel and the HTTP query endpoint) share:
// round-trip counts and injected faults per database, and, for a backend that must be
// serialized (PGlite), one lock per backend.

/**
 * Fault injection for one database: delay every round trip by `latencyMs`, and/or cut
 * the connection when the `dropAfter`-th query round trip from now is sent (once);
 * `refuse` is an outage: the WebSocket path hangs up as soon as a connection names the
 * database, the HTTP path answers 503 as Neon's endpoint does when it cannot reach it;
 * `hang` accepts and never answers (a database that never answers).
 */
export interface RelayFault {
  latencyMs?: number;
  dropAfter?: number;
  refuse?: boolean;
  hang?: boolean;
}

export type ActiveFault = RelayFault & { latencyMs: number };

/** The key of one database: the address the driver named (host:port) and the database. */
export function roundTripKey(address: string, database: string): string {
  return `${address}/${database}`;
}

export class RelayState {
  private readonly counts = new Map<string, number>();
  private readonly faults = new Map<string, ActiveFault>();
  private readonly locks = new Map<string, Mutex>();

  count(key: string, trips = 1): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + trips);
  }

  roundTrips(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  /** Every database's count, for a reader outside the process (the benchmark). */
  allRoundTrips(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  fault(key: string): ActiveFault | undefined {
    return this.faults.get(key);
  }

  setFault(key: string, fault: RelayFault | null): void {
    if (fault) this.faults.set(key, { ...fault, latencyMs: fault.latencyMs ?? 0 });
    else this.faults.delete(key);
  }

  /**
   * Counts `trips` query round trips against a `dropAfter` fault: true when this is the
   * one that cuts the connection (the fault then clears itself).
   */
  cutsNow(fault: ActiveFault | undefined, trips: number): boolean {
    if (!fault || trips === 0 || fault.dropAfter === undefined) return false;
    fault.dropAfter -= trips;
    if (fault.dropAfter > 0) return false;
    delete fault.dropAfter;
    return true;
  }

  /** The lock that serializes exchanges with one backend (host:port). */
  lockFor(target: string): Mutex {
    let lock = this.locks.get(target);
    if (!lock) {
      lock = new Mutex();
      this.locks.set(target, lock);
    }
    return lock;
  }
}

export class Mutex {
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

/** PGlite's only user: a session naming it needs no SET ROLE. */
export const EMBEDDED_SUPERUSER = "postgres";

/** The statement that gives a serialized (PGlite) session the role a client named. */
export function roleStatement(user: string | null): string {
  return user && user !== EMBEDDED_SUPERUSER ? `SET ROLE "${user.replace(/"/g, '""')}"` : "RESET ROLE";
}

export function splitHostPort(address: string): [string, number] {
  const index = address.lastIndexOf(":");
  if (index < 0) return [address, 5432];
  return [address.slice(0, index).replace(/^\[|\]$/g, ""), Number(address.slice(index + 1))];
}

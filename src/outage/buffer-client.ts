// Reaches the outage buffer of this deployment's database. Every call has a deadline: the
// buffer exists for when something else is down, so it must never become the thing that
// hangs a cron run or a public answer. Null when there is no buffer to reach (no binding,
// no database configured).
import type { RuleSnapshot } from "../alerts/offline-rules.ts";
import type { Env } from "../env.ts";
import type { ProbeRoundRecord } from "../health/record-checks.ts";
import { withDeadline } from "../lib/deadline.ts";
import type { BufferedNotification, Handover, RecordOutcome } from "./outage-buffer.ts";

const CALL_TIMEOUT_MS = 2_000;

export interface OutageBufferApi {
  record(round: ProbeRoundRecord, now: Date): Promise<RecordOutcome>;
  claimNotifications(now: Date, leaseMs: number): Promise<BufferedNotification[]>;
  settleNotification(id: string, outcome: { status: BufferedNotification["status"]; lastError: string | null; nextAttemptAt?: Date; at: Date }): Promise<void>;
  handover(now: Date): Promise<Handover>;
  acknowledge(taken: { roundIds: string[]; alerts: { name: string; changedAt: string }[]; notificationIds: string[] }): Promise<void>;
  syncRules(rules: RuleSnapshot[]): Promise<void>;
  keepLastKnown(json: string): Promise<void>;
  lastKnown(): Promise<{ json: string | null; outageSince: string | null }>;
  inventory(): Promise<{ rounds: number; notifications: Record<string, number>; changedRules: string[]; outageSince: string | null }>;
}

/** host:port/database of a connection string: what names its buffer (credentials never do). */
export function databaseIdentity(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    return `${url.hostname}:${url.port || "5432"}${url.pathname}`;
  } catch {
    return "unparseable";
  }
}

export function outageBuffer(namespace: Env["OUTAGE_BUFFER"] | undefined, databaseUrl: string | undefined): OutageBufferApi | null {
  if (!namespace || !databaseUrl) return null;
  const id = namespace.idFromName(`outage-buffer:${databaseIdentity(databaseUrl)}`);
  // A fresh stub per call: a stub that has seen an error may stay broken.
  const stub = () => namespace.get(id);
  const call = <T>(work: () => Promise<T>) => withDeadline(Promise.resolve().then(work), CALL_TIMEOUT_MS, "outage buffer");
  return {
    record: (round, now) => call(() => stub().record(round, now.toISOString())),
    claimNotifications: (now, leaseMs) => call(() => stub().claimNotifications(now.toISOString(), leaseMs)) as Promise<BufferedNotification[]>,
    settleNotification: (id, o) =>
      call(() =>
        stub().settleNotification(id, { status: o.status, lastError: o.lastError, nextAttemptAt: o.nextAttemptAt?.toISOString(), at: o.at.toISOString() }),
      ),
    handover: (now) => call(() => stub().handover(now.toISOString())) as Promise<Handover>,
    acknowledge: (taken) => call(() => stub().acknowledge(taken)),
    syncRules: (rules) => call(() => stub().syncRules(rules)),
    keepLastKnown: (json) => call(() => stub().keepLastKnown(json)),
    lastKnown: () => call(() => stub().lastKnown()),
    inventory: () => call(() => stub().inventory()),
  };
}

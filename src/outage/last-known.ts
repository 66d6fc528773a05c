// The last known public state, for answers given while the database cannot be read.
//
// Every live read a public answer makes is remembered in this isolate; every healthy cron
// run also keeps a full copy in the outage buffer (durable, reachable from any location).
// When a read fails, or the database is known to be down, the answer is built from the
// newest copy not older than LAST_KNOWN_MAX_AGE_MS, marked as such; with no copy at all
// the caller answers with what is live (the probes) and says so. The database is never
// waited on for longer than its unhealthy threshold.
import { databaseKnownDown, noteDatabaseFailure, noteDatabaseSuccess } from "../db/breaker.ts";
import type { Config } from "../config.ts";
import { withDeadline } from "../lib/deadline.ts";
import { failureCategory, failureDetail } from "../lib/failure-category.ts";
import { logEvent } from "../lib/log.ts";
import { pageDataFromJson, type PageData } from "../status-page/page-data.ts";
import type { StatusSnapshot } from "../status/load-status.ts";
import type { Env } from "../env.ts";
import { databaseIdentity, outageBuffer, type OutageBufferApi } from "./buffer-client.ts";

/** How long a last known state may stand in for the live one: a status page must outlive a long outage. */
export const LAST_KNOWN_MAX_AGE_MS = 24 * 3_600_000;
/** How often an isolate asks the outage buffer for a newer copy while the database stays down. */
const BUFFER_RECHECK_MS = 30_000;

export interface LastKnownParts {
  status: StatusSnapshot;
  page: PageData;
}

/** The copy the cron keeps in the outage buffer. */
export interface LastKnownState {
  generatedAt: string;
  status: StatusSnapshot;
  page: PageData;
}

export interface LastKnownDeps {
  config: Config;
  /** The outage buffer of this database (null when there is none to reach). */
  buffer: OutageBufferApi | null;
}

/** The configuration's, and its database's outage buffer. */
export function lastKnownDeps(config: Config, env: Pick<Env, "OUTAGE_BUFFER">): LastKnownDeps {
  return { config, buffer: outageBuffer(env.OUTAGE_BUFFER, config.databaseUrl) };
}

export type Reading<T> =
  | { live: true; value: T }
  | {
      live: false;
      /** The last known value, or null when none is known (or all are too old). */
      value: T | null;
      /** When that value was read from the database. */
      generatedAt: Date | null;
      /** When this run of failures began, as far as this isolate and the buffer know. */
      unavailableSince: Date;
      /** A public category: "unreachable", "timed out after 2000 ms", … */
      reason: string;
    };

interface Kept<T> {
  value: T;
  at: number;
}

interface IsolateCopy {
  status?: Kept<StatusSnapshot>;
  page?: Kept<PageData>;
  askedBufferAt?: number;
  bufferOutageSince?: number;
}

const copies = new Map<string, IsolateCopy>();

/** For tests: forget what this isolate remembers. */
export function forgetLastKnown(): void {
  copies.clear();
}

/**
 * Reads `part` live from the database, within its unhealthy threshold, and remembers it;
 * when that fails (or the database is known down), answers the last known copy instead.
 */
export async function readOrLastKnown<K extends keyof LastKnownParts>(
  deps: LastKnownDeps,
  part: K,
  now: Date,
  read: () => Promise<LastKnownParts[K]>,
): Promise<Reading<LastKnownParts[K]>> {
  const identity = databaseIdentity(deps.config.databaseUrl ?? "");
  const copy = copies.get(identity) ?? copies.set(identity, {}).get(identity)!;
  const knownDown = databaseKnownDown(identity, now.getTime());
  let since: number;
  let reason: string;
  if (knownDown) {
    ({ since, reason } = knownDown);
  } else {
    const deadline = deps.config.thresholds.database.unhealthyMs;
    try {
      const value = await withDeadline(read(), deadline, "database read");
      noteDatabaseSuccess(identity);
      copy[part] = { value, at: now.getTime() } as IsolateCopy[K];
      return { live: true, value };
    } catch (error) {
      reason = failureCategory(error);
      since = noteDatabaseFailure(identity, now.getTime(), reason);
      logEvent("warn", "database_unavailable", { part, category: reason, detail: failureDetail(error) });
    }
  }
  await refreshFromBuffer(deps.buffer, copy, now);
  const kept = copy[part] as Kept<LastKnownParts[K]> | undefined;
  const usable = kept && now.getTime() - kept.at <= LAST_KNOWN_MAX_AGE_MS ? kept : undefined;
  const outageSince = Math.min(since, copy.bufferOutageSince ?? Infinity);
  return { live: false, value: usable?.value ?? null, generatedAt: usable ? new Date(usable.at) : null, unavailableSince: new Date(outageSince), reason };
}

/** Takes the buffer's copy when it is newer than this isolate's; asks at most every BUFFER_RECHECK_MS. */
async function refreshFromBuffer(buffer: OutageBufferApi | null, copy: IsolateCopy, now: Date): Promise<void> {
  if (copy.askedBufferAt !== undefined && now.getTime() - copy.askedBufferAt < BUFFER_RECHECK_MS) return;
  copy.askedBufferAt = now.getTime();
  if (!buffer) return;
  try {
    const { json, outageSince } = await buffer.lastKnown();
    // The buffer's answer is the truth: no outage there means none since (not the last one's start).
    copy.bufferOutageSince = outageSince ? Date.parse(outageSince) : undefined;
    if (!json) return;
    const state = parseLastKnown(json);
    const at = Date.parse(state.generatedAt);
    if (!copy.status || copy.status.at < at) copy.status = { value: state.status, at };
    if (!copy.page || copy.page.at < at) copy.page = { value: state.page, at };
  } catch (error) {
    logEvent("warn", "outage_buffer_unavailable", { use: "last known state", category: failureCategory(error), detail: failureDetail(error) });
  }
}

export function serializeLastKnown(state: LastKnownState): string {
  return JSON.stringify(state);
}

export function parseLastKnown(json: string): LastKnownState {
  const raw = JSON.parse(json) as { generatedAt: string; status: StatusSnapshot; page: unknown };
  return { generatedAt: raw.generatedAt, status: raw.status, page: pageDataFromJson(raw.page) };
}

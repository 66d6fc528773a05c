// Feature signals, gathered in memory so an evaluation never waits on a write: counts per
// flag, hour and signal (evaluated:on / evaluated:off / event:<name>, with the events'
// values summed) and, per flag and UTC day, HyperLogLog sketches of the customers evaluated
// and of those that got the feature. A recorder hands its pending signals to a writer at
// most once a minute; a failed write puts them back for the next turn. What an isolate
// holds when it is evicted (under a minute's worth) is lost: the figures are a lower bound.
import { isRefusedAsData } from "../db/failure-kinds.ts";
import { add, merge, newSketch, type Sketch } from "./hyperloglog.ts";

export const FLUSH_INTERVAL_MS = 60_000;
/** Distinct event names kept per flag and hour; events of further names are dropped (and counted as such). */
export const MAX_EVENT_NAMES = 50;
/** Counts an isolate holds at most between writes (a few MB); past it new keys are dropped. */
export const MAX_PENDING_COUNTS = 20_000;

export interface SignalCount {
  hour: string;
  flagKey: string;
  signal: string;
  count: number;
  valueSum: number;
}

export interface AdoptionSketches {
  day: string;
  flagKey: string;
  evaluated: Sketch;
  enabled: Sketch;
}

export interface SignalBatch {
  counts: SignalCount[];
  adoption: AdoptionSketches[];
}

export type SignalWriter = (batch: SignalBatch) => Promise<void>;

const hourOf = (at: Date) => `${at.toISOString().slice(0, 13)}:00:00.000Z`;

export class SignalRecorder {
  #counts = new Map<string, SignalCount>();
  #adoption = new Map<string, AdoptionSketches>();
  #eventNames = new Map<string, number>();
  #dropped = 0;
  #lastFlushAt = Number.NEGATIVE_INFINITY;
  #flushing: Promise<unknown> | undefined;

  /** One evaluation of `flagKey`; `id` is whom the rollout hashes (the customer, else the user). */
  evaluated(flagKey: string, on: boolean, id: string | undefined, at: Date): void {
    this.#count(hourOf(at), flagKey, on ? "evaluated:on" : "evaluated:off", 0);
    if (id === undefined) return;
    const day = at.toISOString().slice(0, 10);
    const key = `${day}|${flagKey}`;
    let sketches = this.#adoption.get(key);
    if (!sketches) {
      sketches = { day, flagKey, evaluated: newSketch(), enabled: newSketch() };
      this.#adoption.set(key, sketches);
    }
    add(sketches.evaluated, id);
    if (on) add(sketches.enabled, id);
  }

  /** An event an application reported for `flagKey` (OpenFeature track()). */
  event(flagKey: string, name: string, value: number | undefined, at: Date): void {
    const hour = hourOf(at);
    const signal = `event:${name}`;
    // Bounded, whatever a client sends: a flood of made-up names costs at most
    // MAX_EVENT_NAMES entries per flag and hour.
    if (!this.#counts.has(`${hour}|${flagKey}|${signal}`)) {
      const names = this.#eventNames.get(`${hour}|${flagKey}`) ?? 0;
      if (names >= MAX_EVENT_NAMES) {
        this.#dropped++;
        return;
      }
      this.#eventNames.set(`${hour}|${flagKey}`, names + 1);
    }
    this.#count(hour, flagKey, signal, value ?? 0);
  }

  /** Signals dropped since the last write because too many were pending. */
  get dropped(): number {
    return this.#dropped;
  }

  get pending(): boolean {
    return this.#counts.size > 0 || this.#adoption.size > 0;
  }

  /** Writes what is pending if the last write was at least a minute ago; never two at once. */
  async flushIfDue(write: SignalWriter, now: number = Date.now()): Promise<"written" | "not due" | "nothing"> {
    if (!this.pending) return "nothing";
    if (this.#flushing || now - this.#lastFlushAt < FLUSH_INTERVAL_MS) return "not due";
    this.#lastFlushAt = now;
    await this.flush(write);
    return "written";
  }

  /** Writes what is pending now (tests, shutdown); on failure it stays pending. */
  async flush(write: SignalWriter): Promise<void> {
    const batch = this.#take();
    if (batch.counts.length === 0 && batch.adoption.length === 0) return;
    const writing = write(batch);
    this.#flushing = writing;
    try {
      await writing;
    } catch (error) {
      // A batch the database refuses as data (SQLSTATE class 22 or 23: a sum out of range,
      // a check) would be refused again every minute and hold up everything after: dropped.
      if (!isRefusedAsData(error)) this.#putBack(batch);
      throw error;
    } finally {
      this.#flushing = undefined;
    }
  }

  #count(hour: string, flagKey: string, signal: string, value: number): void {
    const key = `${hour}|${flagKey}|${signal}`;
    const entry = this.#counts.get(key);
    if (entry) {
      entry.count++;
      entry.valueSum += value;
    } else if (this.#counts.size >= MAX_PENDING_COUNTS) {
      this.#dropped++;
    } else {
      this.#counts.set(key, { hour, flagKey, signal, count: 1, valueSum: value });
    }
  }

  #take(): SignalBatch {
    const batch = { counts: [...this.#counts.values()], adoption: [...this.#adoption.values()] };
    this.#counts = new Map();
    this.#adoption = new Map();
    this.#eventNames = new Map();
    this.#dropped = 0;
    return batch;
  }

  #putBack(batch: SignalBatch): void {
    for (const c of batch.counts) {
      const key = `${c.hour}|${c.flagKey}|${c.signal}`;
      const entry = this.#counts.get(key);
      if (entry) {
        entry.count += c.count;
        entry.valueSum += c.valueSum;
      } else if (this.#counts.size < MAX_PENDING_COUNTS) this.#counts.set(key, { ...c });
      else this.#dropped++;
    }
    for (const a of batch.adoption) {
      const key = `${a.day}|${a.flagKey}`;
      const entry = this.#adoption.get(key);
      if (entry) {
        merge(entry.evaluated, a.evaluated);
        merge(entry.enabled, a.enabled);
      } else this.#adoption.set(key, a);
    }
  }
}

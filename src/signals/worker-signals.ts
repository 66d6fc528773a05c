// The Worker's signals: one recorder per isolate, written after the response, at most once
// a minute, with a connection of its own on DATABASE_URL (the request's may be the
// read-only role, and is closed once the response is out).
import type { Context } from "hono";
import { openDatabase } from "../db/client.ts";
import type { AppEnv } from "../env.ts";
import type { EvaluationContext } from "../flags/evaluate.ts";
import { prepareContext } from "../flags/evaluate.ts";
import { failureDetail } from "../lib/failure-category.ts";
import { logEvent } from "../lib/log.ts";
import { SignalRecorder, type SignalWriter } from "./recorder.ts";
import { writeSignals } from "./write-signals.ts";

/** This isolate's signals, not yet written. */
export const isolateSignals = new SignalRecorder();

/** A writer onto DATABASE_URL for the recorder. */
export function databaseWriter(c: Context<AppEnv>): SignalWriter {
  return async (batch) => {
    const url = c.get("config").databaseUrl;
    if (!url) throw new Error("DATABASE_URL is not configured");
    const handle = openDatabase({ DATABASE_URL: url, LOCAL_PG_RELAY: c.env.LOCAL_PG_RELAY });
    try {
      await writeSignals(handle.db, batch);
    } finally {
      await handle.close();
    }
  };
}

/** After the response: the isolate's signals written, if a minute has passed since the last time. */
export function flushAfterResponse(c: Context<AppEnv>): void {
  if (!isolateSignals.pending) return;
  const dropped = isolateSignals.dropped;
  c.executionCtx.waitUntil(
    isolateSignals
      .flushIfDue(databaseWriter(c))
      .then((outcome) => {
        // Past the recorder's bounds (a flood of event names or keys): say how much was lost.
        if (outcome === "written" && dropped > 0) logEvent("warn", "signals_dropped", { dropped });
      })
      .catch((error: unknown) => {
        // Kept for the next turn; nothing a client asked for depends on it.
        logEvent("warn", "signals_write_failed", { detail: failureDetail(error) });
      }),
  );
}

/** Evaluations served to one context (OFREP, /check), counted. */
export function recordEvaluations(c: Context<AppEnv>, results: readonly { key: string; value: boolean }[], context: EvaluationContext): void {
  const { hashed } = prepareContext(context);
  const now = new Date();
  for (const r of results) isolateSignals.evaluated(r.key, r.value, hashed, now);
  flushAfterResponse(c);
}

// The Worker's cron triggers. Each schedule runs its jobs; a failing job is logged and
// does not stop the others, and each run logs one structured line of what it did.
import { openDatabase, type Database } from "../db/client.ts";
import type { Env } from "../env.ts";
import { applyDueRolloutSteps } from "../flags/rollouts.ts";
import { logEvent } from "../lib/log.ts";
import { sanitizeErrorMessage } from "../lib/sanitize.ts";

export const EVERY_MINUTE = "* * * * *";

type Job = (db: Database, now: Date) => Promise<unknown>;

const JOBS: Record<string, Record<string, Job>> = {
  [EVERY_MINUTE]: {
    rollout_steps: (db, now) => applyDueRolloutSteps(db, now),
  },
};

export interface CronOutcome {
  cron: string;
  results: Record<string, { ok: true; result: unknown } | { ok: false; error: string }>;
}

export async function runScheduled(cron: string, env: Env, now: Date): Promise<CronOutcome> {
  const jobs = JOBS[cron] ?? {};
  const handle = openDatabase(env);
  const outcome: CronOutcome = { cron, results: {} };
  try {
    for (const [name, job] of Object.entries(jobs)) {
      try {
        outcome.results[name] = { ok: true, result: await job(handle.db, now) };
      } catch (error) {
        outcome.results[name] = { ok: false, error: sanitizeErrorMessage(error) };
      }
    }
  } finally {
    await handle.close();
  }
  const failed = Object.values(outcome.results).some((r) => !r.ok);
  logEvent(failed ? "error" : "info", "cron_run", { ...outcome, scheduledTime: now.toISOString(), known: cron in JOBS });
  return outcome;
}

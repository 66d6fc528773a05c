// The Worker's cron triggers. Each schedule runs its jobs in order; a failing job is
// logged and does not stop the others, and each run logs one structured line of what
// every job did. Every job is idempotent: a rerun, or two overlapping runs, change
// nothing twice, and a run cut off halfway is completed by the next.
import { openDatabase, type Database } from "../db/client.ts";
import { positiveIntegerOr, type Env } from "../env.ts";
import { deliverNotifications, channelConfig } from "../alerts/deliver.ts";
import { evaluateAlerts } from "../alerts/evaluate-alerts.ts";
import { reportPayload } from "../alerts/payloads.ts";
import { alertNotifications } from "../db/schema.ts";
import { flagHygiene } from "../flags/hygiene.ts";
import { applyDueRolloutSteps } from "../flags/rollouts.ts";
import { checkHealth } from "../health/check-health.ts";
import { recordHealthRound } from "../health/record-checks.ts";
import { thresholdsFromEnv } from "../health/thresholds.ts";
import { applyAutoIncidents } from "../incidents/auto-incidents.ts";
import { logEvent } from "../lib/log.ts";
import { sanitizeErrorMessage } from "../lib/sanitize.ts";
import { applyMaintenanceTransitions } from "../maintenance/apply-transitions.ts";
import { flagAudit, flagAuditLines } from "../reports/flag-audit.ts";
import { archiveResolvedIncidents, deleteExpiredLogs, rollUpDailyHealth } from "../retention/retention.ts";

export const EVERY_MINUTE = "* * * * *";
export const DAILY = "15 0 * * *";
export const WEEKLY = "0 9 * * 1";

interface JobContext {
  db: Database;
  env: Env;
  now: Date;
  fetch: typeof fetch;
}

type Job = (ctx: JobContext) => Promise<unknown>;

const logRetentionDays = (env: Env) => positiveIntegerOr(env.LOG_RETENTION_DAYS, 30);

export const JOBS: Record<string, Record<string, Job>> = {
  [EVERY_MINUTE]: {
    // The same probes as /api/portal/health, all at once, kept in one INSERT.
    health_checks: async ({ db, env, now, fetch }) => {
      const report = await checkHealth({ database: () => db, env, fetch, clock: Date.now, thresholds: thresholdsFromEnv(env), requestStartedAt: Date.now() });
      return { status: report.status, logged: await recordHealthRound(db, report, now) };
    },
    auto_incidents: ({ db, env, now }) =>
      env.AUTO_INCIDENTS === "off"
        ? Promise.resolve("off")
        : applyAutoIncidents(db, now, { openAfter: positiveIntegerOr(env.AUTO_INCIDENT_AFTER, 3), resolveAfter: positiveIntegerOr(env.AUTO_RESOLVE_AFTER, 2) }),
    alerts: ({ db, now }) => evaluateAlerts(db, now),
    alert_delivery: ({ db, env, now, fetch }) => deliverNotifications(db, now, channelConfig(env), fetch),
    maintenance: ({ db, now }) => applyMaintenanceTransitions(db, now),
    rollout_steps: ({ db, now }) => applyDueRolloutSteps(db, now),
  },
  [DAILY]: {
    // Roll up before deleting, so no day loses its figures.
    daily_rollup: ({ db, env, now }) => rollUpDailyHealth(db, now, logRetentionDays(env)),
    log_retention: ({ db, env, now }) => deleteExpiredLogs(db, now, logRetentionDays(env)),
    incident_archive: ({ db, env, now }) => archiveResolvedIncidents(db, now, positiveIntegerOr(env.INCIDENT_RETENTION_DAYS, 90)),
  },
  [WEEKLY]: {
    flag_audit: async ({ db, env, now }) => {
      const audit = await flagAudit(db, now, flagHygiene(env));
      const lines = flagAuditLines(audit);
      logEvent("info", "flag_audit", { lines, audit });
      // Sent through the outbox like alerts, to the chat and webhook channels.
      await db.insert(alertNotifications).values(
        (["slack", "webhook"] as const).map((channel) => ({ event: "report.flags", channel, payload: reportPayload(channel, "Weekly feature-flag audit", lines, audit), nextAttemptAt: now })),
      );
      return { lines };
    },
  },
};

export interface CronOutcome {
  cron: string;
  results: Record<string, { ok: true; result: unknown } | { ok: false; error: string }>;
}

export async function runScheduled(
  cron: string,
  env: Env,
  now: Date,
  fetcher: typeof fetch = (input, init) => fetch(input, init),
  schedules: Record<string, Record<string, Job>> = JOBS,
): Promise<CronOutcome> {
  const jobs = schedules[cron] ?? {};
  const outcome: CronOutcome = { cron, results: {} };
  const handle = openDatabase(env);
  try {
    for (const [name, job] of Object.entries(jobs)) {
      try {
        outcome.results[name] = { ok: true, result: await job({ db: handle.db, env, now, fetch: fetcher }) };
      } catch (error) {
        outcome.results[name] = { ok: false, error: sanitizeErrorMessage(error) };
      }
    }
  } finally {
    await handle.close();
  }
  const failed = Object.values(outcome.results).some((r) => !r.ok);
  logEvent(failed ? "error" : "info", "cron_run", { ...outcome, scheduledTime: now.toISOString(), known: cron in schedules });
  return outcome;
}

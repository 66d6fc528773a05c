// The Worker's cron triggers. Each schedule runs its jobs in order; a failing job is
// logged and does not stop the others, and each run logs one structured line of what
// every job did. Every job is idempotent: a rerun, or two overlapping runs, change
// nothing twice, and a run cut off halfway is completed by the next.
//
// When the minute's probe round cannot be written, Postgres is down for this run: the
// round goes to the outage buffer (which also evaluates the alert rules), the buffer's
// notifications are delivered, and the jobs that need Postgres are skipped rather than
// each waiting on a database that does not answer.
import { openDatabase, type Database } from "../db/client.ts";
import { ConfigError, configOf, type Config } from "../config.ts";
import type { Env } from "../env.ts";
import { deliverNotifications } from "../alerts/deliver.ts";
import { evaluateAlerts } from "../alerts/evaluate-alerts.ts";
import { applyDueRolloutSteps } from "../flags/rollouts.ts";
import { checkHealth } from "../health/check-health.ts";
import { toRoundRecord } from "../health/record-checks.ts";
import { applyAutoIncidents } from "../incidents/auto-incidents.ts";
import { logEvent, setLogLevel } from "../lib/log.ts";
import { sanitizeErrorMessage } from "../lib/sanitize.ts";
import { applyMaintenanceTransitions } from "../maintenance/apply-transitions.ts";
import { outageBuffer, type OutageBufferApi } from "../outage/buffer-client.ts";
import { deliverBufferedNotifications } from "../outage/deliver-buffered.ts";
import { keepProbeRound, RoundLost } from "../outage/keep-round.ts";
import { syncBufferRules, syncOutageBuffer } from "../outage/sync-buffer.ts";
import { dailyReport, dailyReportLines } from "../reports/daily-report.ts";
import { flagAudit, flagAuditLines } from "../reports/flag-audit.ts";
import { postReport } from "../reports/post-report.ts";
import { notifySubscribers } from "../subscriptions/notify-subscribers.ts";
import { deleteExpiredSubscriptions } from "../subscriptions/retention.ts";
import { subscriptionSettings } from "../subscriptions/settings.ts";
import { archiveResolvedIncidents, catchUpYesterday, deleteExpiredLogs, deleteExpiredSignals, rollUpDailyHealth } from "../retention/retention.ts";

export const EVERY_MINUTE = "* * * * *";
export const DAILY = "15 0 * * *";
/** The spec's "Daily health report" line: 09:00 UTC. */
export const DAILY_REPORT = "0 9 * * *";
/** The spec's "Weekly feature flag audit" line: Mondays 09:00 UTC. */
export const WEEKLY = "0 9 * * 1";

interface JobContext {
  db: Database;
  config: Config;
  now: Date;
  fetch: typeof fetch;
  buffer: OutageBufferApi | null;
  /** Set by a job that found Postgres unreachable in this run. */
  databaseDown?: string;
}

type Job = (ctx: JobContext) => Promise<unknown>;

/** Marks a job as needing Postgres: skipped once this run has found it down. */
const needsDatabase =
  (job: Job): Job =>
  (ctx) =>
    ctx.databaseDown ? Promise.reject(new SkippedJob(`skipped: database ${ctx.databaseDown}`)) : job(ctx);
/** Marks a job as one for outages only: it runs once this run has found Postgres down. */
const duringOutage =
  (job: Job): Job =>
  (ctx) =>
    ctx.databaseDown ? job(ctx) : Promise.resolve("database up");

class SkippedJob extends Error {}

export const JOBS: Record<string, Record<string, Job>> = {
  [EVERY_MINUTE]: {
    // The same probes as /api/portal/health, all at once, kept in one INSERT (or in the
    // outage buffer when Postgres does not take it).
    health_checks: async (ctx) => {
      const { db, config, now, fetch, buffer } = ctx;
      const { thresholds } = config;
      const report = await checkHealth({ database: () => db, vendors: config.vendors, fetch, clock: Date.now, thresholds, requestStartedAt: Date.now() });
      const kept = await keepProbeRound(
        { db, buffer, now, writeTimeoutMs: thresholds.database.unhealthyMs, incidents: config.autoIncidents },
        toRoundRecord(report, now),
      ).catch((error: unknown) => {
        if (error instanceof RoundLost) ctx.databaseDown = "unavailable";
        throw error;
      });
      if (kept.database === "down") ctx.databaseDown = kept.reason;
      return { status: report.status, ...kept };
    },
    outage_alert_delivery: duringOutage(async ({ buffer, config, now, fetch }) =>
      buffer ? deliverBufferedNotifications(buffer, now, config.alerts, fetch) : "no outage buffer",
    ),
    auto_incidents: needsDatabase(({ db, config, now }) => (config.autoIncidents ? applyAutoIncidents(db, now, config.autoIncidents) : Promise.resolve("off"))),
    alerts: needsDatabase(({ db, now }) => evaluateAlerts(db, now)),
    // At once, not only at the end of the run: see syncBufferRules.
    outage_buffer_rules: needsDatabase(({ db, buffer }) => (buffer ? syncBufferRules(db, buffer) : Promise.resolve("no outage buffer"))),
    alert_delivery: needsDatabase(({ db, config, now, fetch }) => deliverNotifications(db, now, config.alerts, fetch)),
    maintenance: needsDatabase(({ db, now }) => applyMaintenanceTransitions(db, now)),
    rollout_steps: needsDatabase(({ db, now }) => applyDueRolloutSteps(db, now)),
    // Yesterday's roll-up, if the daily run could not write it.
    daily_rollup_catch_up: needsDatabase(({ db, now }) => catchUpYesterday(db, now)),
    // After maintenance and incidents, so what they announced this minute goes out now.
    subscriber_notifications: needsDatabase(({ db, config, now, fetch }) => {
      const settings = subscriptionSettings(config);
      return settings ? notifySubscribers(db, settings, now, fetch) : Promise.resolve("off");
    }),
    // Last: the rules' state after this run's evaluation, and the state the public sees.
    outage_buffer_sync: needsDatabase(({ db, buffer, now }) => (buffer ? syncOutageBuffer(db, buffer, now) : Promise.resolve("no outage buffer"))),
  },
  [DAILY]: {
    // Roll up before deleting, so no day loses its figures.
    daily_rollup: ({ db, config, now }) => rollUpDailyHealth(db, now, config.logRetentionDays),
    log_retention: ({ db, config, now }) => deleteExpiredLogs(db, now, config.logRetentionDays),
    incident_archive: ({ db, config, now }) => archiveResolvedIncidents(db, now, config.incidentRetentionDays),
    signal_retention: ({ db, config, now }) => deleteExpiredSignals(db, now, config.signalRetentionDays),
    subscriber_retention: ({ db, config, now }) => deleteExpiredSubscriptions(db, now, config.subscriptions.retentionDays),
  },
  [DAILY_REPORT]: {
    // Yesterday (UTC), now that it is rolled up; printed by npm run report:daily as well.
    daily_report: async ({ db, now }) => {
      const date = new Date(now.getTime() - 86_400_000).toISOString().slice(0, 10);
      const report = await dailyReport(db, date);
      const lines = dailyReportLines(report);
      logEvent("info", "daily_report", { date, lines });
      return {
        date,
        lines,
        queued: await postReport(db, now, { event: "report.daily", period: date, title: `Daily health report, ${date}`, lines, data: report }),
      };
    },
  },
  [WEEKLY]: {
    flag_audit: async ({ db, config, now }) => {
      const audit = await flagAudit(db, now, config.flags);
      const lines = flagAuditLines(audit);
      logEvent("info", "flag_audit", { lines, audit });
      const week = now.toISOString().slice(0, 10);
      return { lines, queued: await postReport(db, now, { event: "report.flags", period: week, title: "Weekly feature-flag audit", lines, data: audit }) };
    },
  },
};

export interface CronOutcome {
  cron: string;
  results: Record<string, { ok: true; result: unknown } | { ok: false; error: string; skipped?: true }>;
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
  let config: Config;
  try {
    config = configOf(env);
  } catch (error) {
    // Nothing can run on a malformed configuration; the log names the setting.
    const message = error instanceof ConfigError ? `configuration: ${error.message}` : sanitizeErrorMessage(error);
    for (const name of Object.keys(jobs)) outcome.results[name] = { ok: false, error: message };
    logEvent("error", "cron_run", { ...outcome, scheduledTime: now.toISOString(), known: cron in schedules });
    return outcome;
  }
  setLogLevel(config.logLevel);
  const handle = openDatabase({ DATABASE_URL: config.databaseUrl, LOCAL_PG_RELAY: env.LOCAL_PG_RELAY });
  const ctx: JobContext = { db: handle.db, config, now, fetch: fetcher, buffer: outageBuffer(env.OUTAGE_BUFFER, config.databaseUrl) };
  try {
    for (const [name, job] of Object.entries(jobs)) {
      try {
        outcome.results[name] = { ok: true, result: await job(ctx) };
      } catch (error) {
        outcome.results[name] =
          error instanceof SkippedJob ? { ok: false, error: error.message, skipped: true } : { ok: false, error: sanitizeErrorMessage(error) };
      }
    }
  } finally {
    await handle.close();
  }
  const failed = Object.values(outcome.results).some((r) => !r.ok);
  logEvent(failed ? "error" : "info", "cron_run", { ...outcome, scheduledTime: now.toISOString(), known: cron in schedules });
  return outcome;
}

// The outage buffer: a Durable Object with its own SQLite storage, so what the service
// must not forget while Postgres is unreachable survives without Postgres.
//
// - Probe rounds the cron could not log, kept in order until they are handed back.
// - Alert rules with their state (a copy refreshed by every healthy cron run), evaluated
//   over the buffered rounds, and the notifications that evaluation produced: an outbox
//   of its own, delivered by the cron while Postgres is down.
// - The last known public state (status snapshot and page data), for answers given while
//   the database cannot be read.
//
// One object per database (named by its host, port and name, never its credentials). It
// sees one call at a time, so each method is atomic; every method that writes runs in one
// storage transaction.
import { DurableObject } from "cloudflare:workers";
import type { ProbeRound } from "../alerts/conditions.ts";
import { offlineTransitions, SPEC_ALERT_RULES, type RuleSnapshot, type RuleState } from "../alerts/offline-rules.ts";
import type { Channel } from "../alerts/payloads.ts";
import type { HealthStatus } from "../db/schema.ts";
import type { ProbeRoundRecord } from "../health/record-checks.ts";

export interface BufferedNotification {
  id: string;
  ruleName: string;
  event: string;
  channel: Channel;
  payload: Record<string, unknown>;
  status: "pending" | "sent" | "failed" | "skipped";
  attempts: number;
  nextAttemptAt: string;
  lastError: string | null;
  createdAt: string;
  sentAt: string | null;
}

/** A rule whose state changed while Postgres was down, to be written back. */
export interface ChangedRuleState extends RuleState {
  name: string;
  /** When the change happened (the newest of firedAt / resolvedAt). */
  changedAt: string;
}

/** Everything to be written back to Postgres once it answers again. */
export interface Handover {
  rounds: ProbeRoundRecord[];
  alerts: ChangedRuleState[];
  notifications: BufferedNotification[];
  /** When the first round still buffered was taken. */
  outageSince: string | null;
}

export interface RecordOutcome {
  buffered: number;
  outageSince: string;
  fired: string[];
  resolved: string[];
}

/** Most rounds handed back per run (12 hours of minutes); the next run takes the rest. */
export const HANDOVER_ROUNDS = 720;
/** How long handed-over notifications are Postgres's alone before the buffer may send them again. */
export const HANDOVER_LEASE_MS = 5 * 60_000;

export class OutageBuffer extends DurableObject {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env as never);
    this.sql = ctx.storage.sql;
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS rounds (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, at TEXT NOT NULL, body TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS rules (name TEXT PRIMARY KEY, body TEXT NOT NULL, changed_at TEXT);
      CREATE TABLE IF NOT EXISTS notifications (
        id TEXT PRIMARY KEY, created_at TEXT NOT NULL, body TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL,
        next_attempt_at TEXT NOT NULL, lease_until TEXT, last_error TEXT, sent_at TEXT, handed_over INTEGER NOT NULL DEFAULT 0);
      CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);`);
  }

  /**
   * Keeps a round Postgres could not take, then evaluates the alert rules over every
   * buffered round and queues what changed. A round already kept (same id) is not kept twice.
   */
  record(round: ProbeRoundRecord, now: string): RecordOutcome {
    return this.ctx.storage.transactionSync(() => {
      this.sql.exec("INSERT OR IGNORE INTO rounds (id, at, body) VALUES (?, ?, ?)", round.id, round.at, JSON.stringify(round));
      const at = new Date(now);
      const outcome: RecordOutcome = { buffered: this.count("rounds"), outageSince: this.outageSince() ?? round.at, fired: [], resolved: [] };
      for (const transition of offlineTransitions(this.rules(), this.probeRounds(), at)) {
        this.sql.exec(
          "INSERT INTO rules (name, body, changed_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET body = excluded.body, changed_at = excluded.changed_at",
          transition.rule.name,
          JSON.stringify({ ...transition.rule, state: transition.state }),
          now,
        );
        for (const n of transition.notifications) {
          const notification: BufferedNotification = {
            id: crypto.randomUUID(),
            ruleName: transition.rule.name,
            event: n.event,
            channel: n.channel,
            payload: n.payload,
            status: "pending",
            attempts: 0,
            nextAttemptAt: now,
            lastError: null,
            createdAt: now,
            sentAt: null,
          };
          this.sql.exec(
            "INSERT INTO notifications (id, created_at, body, status, attempts, next_attempt_at) VALUES (?, ?, ?, 'pending', 0, ?)",
            notification.id,
            now,
            JSON.stringify(notification),
            now,
          );
        }
        (transition.event === "trigger" ? outcome.fired : outcome.resolved).push(transition.rule.name);
      }
      return outcome;
    });
  }

  /** Claims due notifications for one delivery attempt each (a lease stops a second sender). */
  claimNotifications(now: string, leaseMs: number, limit = 50): BufferedNotification[] {
    return this.ctx.storage.transactionSync(() => {
      const leaseUntil = new Date(Date.parse(now) + leaseMs).toISOString();
      const due = this.sql
        .exec<{ id: string; body: string; attempts: number }>(
          `SELECT id, body, attempts FROM notifications
           WHERE status = 'pending' AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ?)
             -- In order per rule and channel: a resolve never overtakes its trigger.
             AND NOT EXISTS (SELECT 1 FROM notifications e WHERE e.status = 'pending'
                             AND json_extract(e.body, '$.ruleName') = json_extract(notifications.body, '$.ruleName')
                             AND json_extract(e.body, '$.channel') = json_extract(notifications.body, '$.channel')
                             AND (e.created_at < notifications.created_at OR (e.created_at = notifications.created_at AND e.id < notifications.id)))
           ORDER BY created_at, id LIMIT ?`,
          now,
          now,
          limit,
        )
        .toArray();
      return due.map((row) => {
        this.sql.exec("UPDATE notifications SET attempts = attempts + 1, lease_until = ?, handed_over = 0 WHERE id = ?", leaseUntil, row.id);
        return { ...(JSON.parse(row.body) as BufferedNotification), attempts: row.attempts + 1 };
      });
    });
  }

  /** Records the result of a claimed attempt. */
  settleNotification(id: string, outcome: { status: BufferedNotification["status"]; lastError: string | null; nextAttemptAt?: string; at: string }): void {
    this.ctx.storage.transactionSync(() => {
      const row = this.sql.exec<{ body: string; attempts: number }>("SELECT body, attempts FROM notifications WHERE id = ?", id).toArray()[0];
      if (!row) return;
      const body: BufferedNotification = {
        ...(JSON.parse(row.body) as BufferedNotification),
        status: outcome.status,
        attempts: row.attempts,
        lastError: outcome.lastError,
        sentAt: outcome.status === "sent" ? outcome.at : null,
      };
      if (outcome.nextAttemptAt) body.nextAttemptAt = outcome.nextAttemptAt;
      this.sql.exec(
        "UPDATE notifications SET status = ?, body = ?, last_error = ?, sent_at = ?, next_attempt_at = ?, lease_until = NULL WHERE id = ?",
        body.status,
        JSON.stringify(body),
        body.lastError,
        body.sentAt,
        body.nextAttemptAt,
        id,
      );
    });
  }

  /**
   * What Postgres must take back, oldest rounds first. Notifications not under a delivery
   * lease are marked handed over, for HANDOVER_LEASE_MS: meanwhile only Postgres's outbox
   * may send them. They stay until acknowledged; a handover that is never acknowledged is
   * offered again (every write back is idempotent), and once its lease is over the buffer
   * may send them itself, so a write back that failed loses nothing.
   */
  handover(now: string): Handover {
    return this.ctx.storage.transactionSync(() => {
      const rounds = this.sql
        .exec<{ body: string }>("SELECT body FROM rounds ORDER BY seq LIMIT ?", HANDOVER_ROUNDS)
        .toArray()
        .map((r) => JSON.parse(r.body) as ProbeRoundRecord);
      const alerts = this.sql
        .exec<{ name: string; body: string; changed_at: string }>("SELECT name, body, changed_at FROM rules WHERE changed_at IS NOT NULL")
        .toArray()
        .map((r) => ({ ...(JSON.parse(r.body) as RuleSnapshot).state, name: r.name, changedAt: r.changed_at }));
      // Handed over under a lease: if Postgres never takes them (the write back failed, and
      // the database is down again), the buffer sends them itself once the lease is over.
      this.sql.exec(
        "UPDATE notifications SET handed_over = 1, lease_until = ? WHERE lease_until IS NULL OR lease_until <= ?",
        new Date(Date.parse(now) + HANDOVER_LEASE_MS).toISOString(),
        now,
      );
      const notifications = this.sql
        .exec<{ body: string; attempts: number }>("SELECT body, attempts FROM notifications WHERE handed_over = 1 ORDER BY created_at, id")
        .toArray()
        .map((r) => ({ ...(JSON.parse(r.body) as BufferedNotification), attempts: r.attempts }));
      return { rounds, alerts, notifications, outageSince: this.outageSince() };
    });
  }

  /** Forgets what Postgres has taken back. */
  acknowledge(taken: { roundIds: string[]; alerts: { name: string; changedAt: string }[]; notificationIds: string[] }): void {
    this.ctx.storage.transactionSync(() => {
      for (const id of taken.roundIds) this.sql.exec("DELETE FROM rounds WHERE id = ?", id);
      // A rule changed again since the handover keeps its newer change.
      for (const a of taken.alerts) this.sql.exec("UPDATE rules SET changed_at = NULL WHERE name = ? AND changed_at = ?", a.name, a.changedAt);
      for (const id of taken.notificationIds) this.sql.exec("DELETE FROM notifications WHERE id = ? AND handed_over = 1", id);
    });
  }

  /**
   * The copy of Postgres's rules and their state, from a healthy run. A rule whose state
   * changed here and has not been handed back keeps its own state.
   */
  syncRules(rules: RuleSnapshot[]): void {
    this.ctx.storage.transactionSync(() => {
      const pending = new Set(
        this.sql
          .exec<{ name: string }>("SELECT name FROM rules WHERE changed_at IS NOT NULL")
          .toArray()
          .map((r) => r.name),
      );
      this.sql.exec("DELETE FROM rules WHERE changed_at IS NULL");
      for (const rule of rules) {
        if (pending.has(rule.name)) continue;
        this.sql.exec("INSERT INTO rules (name, body, changed_at) VALUES (?, ?, NULL)", rule.name, JSON.stringify(rule));
      }
      this.sql.exec("INSERT INTO kv (key, value) VALUES ('rules_synced', '1') ON CONFLICT (key) DO NOTHING");
    });
  }

  /** Keeps the last known public state (JSON, opaque here). */
  keepLastKnown(json: string): void {
    this.sql.exec("INSERT INTO kv (key, value) VALUES ('last_known', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", json);
  }

  lastKnown(): { json: string | null; outageSince: string | null } {
    const row = this.sql.exec<{ value: string }>("SELECT value FROM kv WHERE key = 'last_known'").toArray()[0];
    return { json: row?.value ?? null, outageSince: this.outageSince() };
  }

  /** For operators and tests: what is held. */
  inventory(): { rounds: number; notifications: Record<string, number>; changedRules: string[]; outageSince: string | null } {
    const notifications: Record<string, number> = {};
    for (const r of this.sql.exec<{ status: string; n: number }>("SELECT status, count(*) AS n FROM notifications GROUP BY status").toArray())
      notifications[r.status] = r.n;
    return {
      rounds: this.count("rounds"),
      notifications,
      changedRules: this.sql
        .exec<{ name: string }>("SELECT name FROM rules WHERE changed_at IS NOT NULL ORDER BY name")
        .toArray()
        .map((r) => r.name),
      outageSince: this.outageSince(),
    };
  }

  private rules(): RuleSnapshot[] {
    const synced = this.sql.exec("SELECT 1 FROM kv WHERE key = 'rules_synced'").toArray().length > 0;
    const stored = this.sql
      .exec<{ body: string }>("SELECT body FROM rules")
      .toArray()
      .map((r) => JSON.parse(r.body) as RuleSnapshot);
    if (synced) return stored;
    // Never synced: the spec's rules, with whatever state they took here.
    const byName = new Map(stored.map((r) => [r.name, r]));
    return SPEC_ALERT_RULES.map((r) => byName.get(r.name) ?? r);
  }

  /** Buffered rounds as the rule conditions read them, newest first. */
  private probeRounds(): ProbeRound[] {
    return this.sql
      .exec<{ body: string }>("SELECT body FROM rounds ORDER BY at DESC, seq DESC")
      .toArray()
      .map((r) => {
        const round = JSON.parse(r.body) as ProbeRoundRecord;
        const components: ProbeRound["components"] = {};
        for (const row of round.rows) components[row.component] = { status: row.status as HealthStatus, responseTimeMs: row.responseTimeMs };
        return { at: new Date(round.at), components };
      });
  }

  private outageSince(): string | null {
    return this.sql.exec<{ at: string | null }>("SELECT min(at) AS at FROM rounds").one().at;
  }

  private count(table: "rounds"): number {
    return this.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM ${table}`).one().n;
  }
}

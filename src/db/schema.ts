// The schema: the spec's four tables (feature_flags, system_status, maintenance_windows,
// health_check_logs, as its "Database Schema" section gives them) and the eight this
// service adds (rollout plans, the audit log, incident timelines and their archive, daily
// roll-ups, alert rules, their state and the alert outbox). Enumerations are CHECK
// constraints (not Postgres enums) so the database refuses bad rows exactly as the spec's
// SQL describes, and stays easy to extend.
import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  check,
  date,
  doublePrecision,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

export const INCIDENT_STATUSES = ["operational", "degraded", "partial_outage", "major_outage", "maintenance"] as const;
// Component names: the list is the registry (src/components/registry.ts); the database
// checks their form, so adding a component is not also a migration.
export const COMPONENT_PATTERN = "^[a-z][a-z0-9_]{1,31}$";
export const MAINTENANCE_STATUSES = ["scheduled", "in_progress", "completed", "cancelled"] as const;
// Where an incident stands, in Statuspage's words: what is known, not how bad it is (status).
export const INCIDENT_PHASES = ["investigating", "identified", "monitoring", "resolved"] as const;
export const HEALTH_STATUSES = ["healthy", "degraded", "unhealthy"] as const;
// held: the guard stopped it (a component it depends on is down, or its error rate is too
// high); it resumes by itself once the guard has been clear long enough.
export const ROLLOUT_STATUSES = ["active", "paused", "held", "completed", "cancelled"] as const;
/** A plan that still has work to do (at most one per flag). */
export const LIVE_ROLLOUT_STATUSES = ["active", "paused", "held"] as const;
/** What a rollout does when the flag's error rate passes its limit. */
export const ERROR_RATE_ACTIONS = ["hold", "rollback"] as const;
export const FLAG_KEY_PATTERN = "^[a-z][a-z0-9_]{2,63}$";
/** Prerequisites one flag may name directly. */
export const MAX_PREREQUISITES = 10;

const oneOf = (values: readonly string[]) => sql.raw(values.map((v) => `'${v}'`).join(", "));
const createdAt = () => timestamp("created_at", { withTimezone: true }).notNull().defaultNow();

export const featureFlags = pgTable(
  "feature_flags",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    key: text("key").notNull().unique(),
    name: text("name").notNull(),
    description: text("description"),
    enabled: boolean("enabled").notNull().default(false),
    rolloutPercentage: integer("rollout_percentage").notNull().default(100),
    userIds: uuid("user_ids").array().notNull().default(sql`'{}'::uuid[]`),
    customerIds: uuid("customer_ids").array().notNull().default(sql`'{}'::uuid[]`),
    metadata: jsonb("metadata").$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    createdBy: uuid("created_by"),
    updatedBy: uuid("updated_by"),
    // Mixed into every bucket hash, so each flag picks its own slice of users.
    salt: text("salt").notNull().default(sql`substr(md5(gen_random_uuid()::text), 1, 16)`),
    // When the flag last became enabled at 100 % (kept by a trigger); null otherwise.
    fullRolloutSince: timestamp("full_rollout_since", { withTimezone: true }),
    // The spec's "Documentation" practice: who owns it, when it was first fully released
    // (kept by the same trigger, never cleared), and the date by which it should be gone.
    owner: text("owner"),
    releasedAt: timestamp("released_at", { withTimezone: true }),
    removeBy: date("remove_by", { mode: "string" }),
    // Prerequisites (the spec's "dependencies between features"): flags that must be on,
    // for the same user and customer, for this one to be on. Acyclic, checked on write.
    requires: text("requires").array().notNull().default(sql`'{}'::text[]`),
    // Components (src/components/registry.ts) the feature relies on: its rollout holds while
    // any of them is unhealthy or has an open incident.
    dependsOn: text("depends_on").array().notNull().default(sql`'{}'::text[]`),
  },
  (t) => [
    check("feature_flags_rollout_percentage_check", sql`${t.rolloutPercentage} BETWEEN 0 AND 100`),
    check("feature_flags_key_check", sql`${t.key} ~ ${sql.raw(`'${FLAG_KEY_PATTERN}'`)}`),
    check("feature_flags_salt_check", sql`${t.salt} ~ '^[A-Za-z0-9_-]{1,64}$'`),
    check("feature_flags_owner_check", sql`${t.owner} IS NULL OR length(${t.owner}) BETWEEN 1 AND 200`),
    check(
      "feature_flags_requires_check",
      sql`cardinality(${t.requires}) <= ${sql.raw(String(MAX_PREREQUISITES))} AND NOT (${t.key} = ANY (${t.requires})) AND array_to_string(${t.requires}, ',') ~ ${sql.raw(`'^(${FLAG_KEY_PATTERN.slice(1, -1)}(,${FLAG_KEY_PATTERN.slice(1, -1)})*)?$'`)}`,
    ),
    check(
      "feature_flags_depends_on_check",
      sql`array_to_string(${t.dependsOn}, ',') ~ ${sql.raw(`'^(${COMPONENT_PATTERN.slice(1, -1)}(,${COMPONENT_PATTERN.slice(1, -1)})*)?$'`)}`,
    ),
  ],
);

// A gradual rollout: the flag's percentage is a pure function of this plan and the time.
export const flagRollouts = pgTable(
  "flag_rollouts",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    flagId: uuid("flag_id")
      .notNull()
      .references(() => featureFlags.id, { onDelete: "cascade" }),
    startPercentage: integer("start_percentage").notNull(),
    endPercentage: integer("end_percentage").notNull(),
    durationHours: integer("duration_hours").notNull(),
    intervalHours: integer("interval_hours").notNull(),
    status: text("status", { enum: ROLLOUT_STATUSES }).notNull().default("active"),
    // Shifted forward by the length of each pause, so a pause stops the clock.
    startedAt: timestamp("started_at", { withTimezone: true }).notNull().defaultNow(),
    pausedAt: timestamp("paused_at", { withTimezone: true }),
    appliedStep: integer("applied_step").notNull().default(0),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
    createdAt: createdAt(),
    createdBy: uuid("created_by"),
    // The guard: hold (or roll back a step) while the flag's error rate over the current step
    // passes maxErrorRate (once it has minEvaluations), or while a component it depends on is
    // down; resume once the guard has been clear for resumeAfterMinutes.
    maxErrorRate: numeric("max_error_rate", { precision: 6, scale: 5, mode: "number" }),
    minEvaluations: integer("min_evaluations").notNull().default(100),
    onErrorRate: text("on_error_rate", { enum: ERROR_RATE_ACTIONS }).notNull().default("hold"),
    resumeAfterMinutes: integer("resume_after_minutes").notNull().default(30),
    // Shifted like pausedAt: a held plan's clock stands still.
    heldAt: timestamp("held_at", { withTimezone: true }),
    holdReason: text("hold_reason"),
    // While held: since when the guard has been clear (null while it is not).
    guardClearSince: timestamp("guard_clear_since", { withTimezone: true }),
  },
  (t) => [
    check("flag_rollouts_percentages_check", sql`${t.startPercentage} BETWEEN 0 AND 100 AND ${t.endPercentage} BETWEEN 0 AND 100`),
    check("flag_rollouts_timing_check", sql`${t.intervalHours} > 0 AND ${t.durationHours} >= ${t.intervalHours}`),
    check("flag_rollouts_status_check", sql`${t.status} IN (${oneOf(ROLLOUT_STATUSES)})`),
    check("flag_rollouts_paused_check", sql`(${t.status} = 'paused') = (${t.pausedAt} IS NOT NULL)`),
    check("flag_rollouts_held_check", sql`(${t.status} = 'held') = (${t.heldAt} IS NOT NULL AND ${t.holdReason} IS NOT NULL)`),
    check(
      "flag_rollouts_guard_check",
      sql`(${t.maxErrorRate} IS NULL OR ${t.maxErrorRate} BETWEEN 0 AND 1) AND ${t.minEvaluations} >= 1 AND ${t.resumeAfterMinutes} BETWEEN 1 AND 10080 AND ${t.onErrorRate} IN (${oneOf(ERROR_RATE_ACTIONS)})`,
    ),
    // At most one live plan per flag.
    uniqueIndex("flag_rollouts_live_flag_idx").on(t.flagId).where(sql`${t.status} IN ('active', 'paused', 'held')`),
  ],
);

// Every admin change and every automatic step, written in the same transaction as the change.
export const auditLog = pgTable(
  "audit_log",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    actorId: uuid("actor_id"),
    action: text("action").notNull(),
    entity: text("entity").notNull(),
    entityKey: text("entity_key").notNull(),
    before: jsonb("before"),
    after: jsonb("after"),
    createdAt: createdAt(),
    // Taken when the row is written, after the change's row locks: the order changes were
    // applied in, which created_at (the transaction's start) is not under concurrency.
    seq: bigint("seq", { mode: "number" }).notNull().generatedAlwaysAsIdentity(),
  },
  (t) => [index("audit_log_entity_idx").on(t.entity, t.entityKey, t.seq.desc()), index("audit_log_seq_idx").on(t.seq.desc())],
);

export const systemStatus = pgTable(
  "system_status",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    status: text("status", { enum: INCIDENT_STATUSES }).notNull(),
    component: text("component").notNull(),
    message: text("message"),
    startedAt: timestamp("started_at", { withTimezone: true }).notNull().defaultNow(),
    resolvedAt: timestamp("resolved_at", { withTimezone: true }),
    createdBy: uuid("created_by"),
    metadata: jsonb("metadata").$type<Record<string, unknown>>().notNull().default({}),
    // Open incidents only; a resolved one (resolved_at set) reads as "resolved" whatever this says.
    phase: text("phase", { enum: INCIDENT_PHASES }).notNull().default("investigating"),
  },
  (t) => [
    check("system_status_status_check", sql`${t.status} IN (${oneOf(INCIDENT_STATUSES)})`),
    check("system_status_component_check", sql`${t.component} ~ ${sql.raw(`'${COMPONENT_PATTERN}'`)}`),
    check("system_status_phase_check", sql`${t.phase} IN (${oneOf(INCIDENT_PHASES)})`),
    check("system_status_resolved_after_start_check", sql`${t.resolvedAt} IS NULL OR ${t.resolvedAt} >= ${t.startedAt}`),
    // /health's lastIncident: the newest row by started_at.
    index("system_status_started_at_idx").on(t.startedAt.desc()),
    // /status's knownIssues and get_system_status(): unresolved rows only.
    index("system_status_unresolved_idx").on(t.component, t.startedAt).where(sql`${t.resolvedAt} IS NULL`),
  ],
);

export const maintenanceWindows = pgTable(
  "maintenance_windows",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    title: text("title").notNull(),
    description: text("description"),
    scheduledStart: timestamp("scheduled_start", { withTimezone: true }).notNull(),
    scheduledEnd: timestamp("scheduled_end", { withTimezone: true }).notNull(),
    actualStart: timestamp("actual_start", { withTimezone: true }),
    actualEnd: timestamp("actual_end", { withTimezone: true }),
    status: text("status", { enum: MAINTENANCE_STATUSES }).notNull().default("scheduled"),
    affectsPortal: boolean("affects_portal").notNull().default(true),
    affectsCrm: boolean("affects_crm").notNull().default(false),
    createdAt: createdAt(),
    createdBy: uuid("created_by"),
    metadata: jsonb("metadata").$type<Record<string, unknown>>().notNull().default({}),
    // The components the window takes down, when named (Statuspage's model); null means
    // what affects_portal / affects_crm imply.
    components: text("components").array(),
  },
  (t) => [
    check("maintenance_windows_status_check", sql`${t.status} IN (${oneOf(MAINTENANCE_STATUSES)})`),
    check(
      "maintenance_windows_components_check",
      sql`${t.components} IS NULL OR (cardinality(${t.components}) > 0 AND array_to_string(${t.components}, ',') ~ ${sql.raw(`'^${COMPONENT_PATTERN.slice(1, -1)}(,${COMPONENT_PATTERN.slice(1, -1)})*$'`)})`,
    ),
    check("maintenance_windows_schedule_check", sql`${t.scheduledEnd} > ${t.scheduledStart}`),
    // Upcoming and in-progress windows, by start.
    index("maintenance_windows_status_start_idx").on(t.status, t.scheduledStart),
  ],
);

export const healthCheckLogs = pgTable(
  "health_check_logs",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    component: text("component").notNull(),
    status: text("status", { enum: HEALTH_STATUSES }).notNull(),
    responseTimeMs: integer("response_time_ms"),
    errorMessage: text("error_message"),
    checkedAt: timestamp("checked_at", { withTimezone: true }).notNull().defaultNow(),
    metadata: jsonb("metadata").$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [
    check("health_check_logs_status_check", sql`${t.status} IN (${oneOf(HEALTH_STATUSES)})`),
    check("health_check_logs_response_time_check", sql`${t.responseTimeMs} IS NULL OR ${t.responseTimeMs} >= 0`),
    // Latest log per component, and retention by age.
    index("health_check_logs_component_checked_at_idx").on(t.component, t.checkedAt.desc()),
    index("health_check_logs_checked_at_idx").on(t.checkedAt),
  ],
);

// Each change to an incident, so it shows how it evolved (a status page's incident history).
export const incidentUpdates = pgTable(
  "incident_updates",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    incidentId: uuid("incident_id")
      .notNull()
      .references(() => systemStatus.id, { onDelete: "cascade" }),
    status: text("status", { enum: INCIDENT_STATUSES }).notNull(),
    message: text("message"),
    resolved: boolean("resolved").notNull().default(false),
    createdAt: createdAt(),
    createdBy: uuid("created_by"),
    phase: text("phase", { enum: INCIDENT_PHASES }).notNull().default("investigating"),
  },
  (t) => [
    check("incident_updates_status_check", sql`${t.status} IN (${oneOf(INCIDENT_STATUSES)})`),
    check("incident_updates_phase_check", sql`${t.phase} IN (${oneOf(INCIDENT_PHASES)})`),
    index("incident_updates_incident_idx").on(t.incidentId, t.createdAt),
  ],
);

// Resolved incidents older than the retention period, with their timeline, out of the way.
export const systemStatusArchive = pgTable("system_status_archive", {
  id: uuid("id").primaryKey(),
  status: text("status").notNull(),
  component: text("component").notNull(),
  message: text("message"),
  startedAt: timestamp("started_at", { withTimezone: true }).notNull(),
  resolvedAt: timestamp("resolved_at", { withTimezone: true }).notNull(),
  createdBy: uuid("created_by"),
  metadata: jsonb("metadata").$type<Record<string, unknown>>().notNull().default({}),
  updates: jsonb("updates").notNull().default([]),
  archivedAt: timestamp("archived_at", { withTimezone: true }).notNull().defaultNow(),
});

// Daily roll-up of health_check_logs per component, kept after the raw logs expire.
export const healthCheckDaily = pgTable(
  "health_check_daily",
  {
    day: date("day").notNull(),
    component: text("component").notNull(),
    checks: integer("checks").notNull(),
    healthy: integer("healthy").notNull(),
    degraded: integer("degraded").notNull(),
    unhealthy: integer("unhealthy").notNull(),
    // Checks inside completed maintenance windows on this component's surface, left out of uptime.
    excludedChecks: integer("excluded_checks").notNull().default(0),
    excludedSeconds: integer("excluded_seconds").notNull().default(0),
    uptimePercent: numeric("uptime_percent", { precision: 7, scale: 4, mode: "number" }),
    p50Ms: integer("p50_ms"),
    p95Ms: integer("p95_ms"),
    p99Ms: integer("p99_ms"),
    computedAt: timestamp("computed_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.day, t.component] })],
);

// Feature signals, aggregated in memory and flushed at most once a minute per isolate:
// evaluations per flag and result, and events applications report (OpenFeature track():
// "error", "conversion", …), per flag and hour; the error rate of a rollout step is read
// from them. signal is "evaluated:on", "evaluated:off" or "event:<name>".
export const flagSignalHours = pgTable(
  "flag_signal_hours",
  {
    hour: timestamp("hour", { withTimezone: true }).notNull(),
    flagKey: text("flag_key").notNull(),
    signal: text("signal").notNull(),
    count: bigint("count", { mode: "number" }).notNull(),
    valueSum: doublePrecision("value_sum").notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.hour, t.flagKey, t.signal] }),
    check("flag_signal_hours_signal_check", sql`${t.signal} ~ '^(evaluated:(on|off)|event:[a-z][a-z0-9_.-]{0,63})$'`),
    check("flag_signal_hours_count_check", sql`${t.count} >= 0`),
  ],
);

// Adoption: per flag and UTC day, HyperLogLog sketches of the distinct customers evaluated
// and of those that got the feature (src/signals/hyperloglog.ts), merged register by register.
export const flagAdoptionDays = pgTable(
  "flag_adoption_days",
  {
    day: date("day", { mode: "string" }).notNull(),
    flagKey: text("flag_key").notNull(),
    evaluated: smallint("evaluated").array().notNull(),
    enabled: smallint("enabled").array().notNull(),
  },
  (t) => [primaryKey({ columns: [t.day, t.flagKey] })],
);

// Subscribers: people and systems told about incidents and maintenance (src/subscriptions/).
// Only what sending needs is kept: the address, the components, and when it was confirmed.
export const NOTIFICATION_STATUSES = ["pending", "sent", "failed", "skipped"] as const;
export const SUBSCRIBER_CHANNELS = ["email", "webhook", "slack"] as const;
export const SUBSCRIBER_STATUSES = ["pending", "active", "paused", "unsubscribed"] as const;
export const NOTIFICATION_KINDS = [
  "incident.opened",
  "incident.updated",
  "incident.resolved",
  "maintenance.scheduled",
  "maintenance.reminder",
  "maintenance.started",
  "maintenance.completed",
  "maintenance.cancelled",
] as const;

export const subscribers = pgTable(
  "subscribers",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    channel: text("channel", { enum: SUBSCRIBER_CHANNELS }).notNull(),
    // An email address, or the https URL of a webhook or a Slack incoming webhook.
    address: text("address").notNull(),
    // The components to hear about; none means all of them.
    components: text("components").array().notNull().default(sql`'{}'::text[]`),
    status: text("status", { enum: SUBSCRIBER_STATUSES }).notNull().default("pending"),
    createdAt: createdAt(),
    confirmationSentAt: timestamp("confirmation_sent_at", { withTimezone: true }),
    confirmedAt: timestamp("confirmed_at", { withTimezone: true }),
    unsubscribedAt: timestamp("unsubscribed_at", { withTimezone: true }),
    pausedAt: timestamp("paused_at", { withTimezone: true }),
    pauseReason: text("pause_reason"),
    consecutiveFailures: integer("consecutive_failures").notNull().default(0),
  },
  (t) => [
    check("subscribers_channel_check", sql`${t.channel} IN (${oneOf(SUBSCRIBER_CHANNELS)})`),
    check("subscribers_status_check", sql`${t.status} IN (${oneOf(SUBSCRIBER_STATUSES)})`),
    check("subscribers_address_check", sql`length(${t.address}) BETWEEN 3 AND 2048`),
    check(
      "subscribers_components_check",
      sql`array_to_string(${t.components}, ',') ~ ${sql.raw(`'^(${COMPONENT_PATTERN.slice(1, -1)}(,${COMPONENT_PATTERN.slice(1, -1)})*)?$'`)}`,
    ),
    check("subscribers_paused_check", sql`(${t.status} = 'paused') = (${t.pausedAt} IS NOT NULL)`),
    // One subscription per channel and address. Email addresses are stored lower-case (the
    // subscribe route folds them); URLs as given, their case being significant.
    uniqueIndex("subscribers_channel_address_idx").on(t.channel, t.address),
    index("subscribers_active_idx").on(t.status).where(sql`${t.status} = 'active'`),
  ],
);

// What subscribers are told: one row per change (written with the change), fanned out to
// one delivery per matching subscriber by the cron.
export const notificationEvents = pgTable(
  "notification_events",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    kind: text("kind", { enum: NOTIFICATION_KINDS }).notNull(),
    // The change it announces, once: e.g. "maintenance.reminder:<window id>".
    dedupKey: text("dedup_key").notNull().unique(),
    components: text("components").array().notNull(),
    // Title, lines, link and the entity's public fields, as every channel renders them.
    message: jsonb("message").$type<Record<string, unknown>>().notNull(),
    createdAt: createdAt(),
    fannedOutAt: timestamp("fanned_out_at", { withTimezone: true }),
  },
  (t) => [
    check("notification_events_kind_check", sql`${t.kind} IN (${oneOf(NOTIFICATION_KINDS)})`),
    index("notification_events_pending_idx").on(t.createdAt).where(sql`${t.fannedOutAt} IS NULL`),
  ],
);

// One message to one subscriber: leased by a delivery run, retried with backoff, sent once.
// Emails are sent in batches whose membership is fixed when first claimed (batch_key), so a
// retried batch is the same request and the email API's idempotency key holds.
export const subscriberDeliveries = pgTable(
  "subscriber_deliveries",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    eventId: uuid("event_id")
      .notNull()
      .references(() => notificationEvents.id, { onDelete: "cascade" }),
    subscriberId: uuid("subscriber_id")
      .notNull()
      .references(() => subscribers.id, { onDelete: "cascade" }),
    status: text("status", { enum: NOTIFICATION_STATUSES }).notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }).notNull().defaultNow(),
    batchKey: text("batch_key"),
    lastError: text("last_error"),
    createdAt: createdAt(),
    sentAt: timestamp("sent_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("subscriber_deliveries_event_subscriber_idx").on(t.eventId, t.subscriberId),
    check("subscriber_deliveries_status_check", sql`${t.status} IN (${oneOf(NOTIFICATION_STATUSES)})`),
    index("subscriber_deliveries_due_idx").on(t.nextAttemptAt).where(sql`${t.status} = 'pending'`),
    index("subscriber_deliveries_subscriber_idx").on(t.subscriberId),
  ],
);

export const ALERT_SEVERITIES = ["page", "warn"] as const;
export const ALERT_CONDITIONS = ["unhealthy", "degraded", "slow", "partial_outage", "major_outage"] as const;
export const ALERT_CHANNELS = ["webhook", "slack", "pagerduty"] as const;

// The spec's "Recommended Alerts", as data: what to watch, for how long, whom to tell.
export const alertRules = pgTable(
  "alert_rules",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull().unique(),
    // A component, 'any' (any component) or 'overall' (the overall status).
    target: text("target").notNull(),
    condition: text("condition", { enum: ALERT_CONDITIONS }).notNull(),
    thresholdMs: integer("threshold_ms"),
    durationSeconds: integer("duration_seconds").notNull(),
    severity: text("severity", { enum: ALERT_SEVERITIES }).notNull(),
    channels: text("channels").array().notNull(),
    enabled: boolean("enabled").notNull().default(true),
    createdAt: createdAt(),
  },
  (t) => [
    check("alert_rules_condition_check", sql`${t.condition} IN (${oneOf(ALERT_CONDITIONS)})`),
    check("alert_rules_severity_check", sql`${t.severity} IN (${oneOf(ALERT_SEVERITIES)})`),
    check("alert_rules_duration_check", sql`${t.durationSeconds} >= 0`),
    check("alert_rules_slow_check", sql`(${t.condition} = 'slow') = (${t.thresholdMs} IS NOT NULL)`),
  ],
);

// Where each rule stands, so a rerun never notifies twice.
export const alertState = pgTable("alert_state", {
  ruleId: uuid("rule_id")
    .primaryKey()
    .references(() => alertRules.id, { onDelete: "cascade" }),
  firing: boolean("firing").notNull().default(false),
  since: timestamp("since", { withTimezone: true }),
  firedAt: timestamp("fired_at", { withTimezone: true }),
  resolvedAt: timestamp("resolved_at", { withTimezone: true }),
  dedupKey: text("dedup_key"),
});

// An outbox: every notification is written first and delivered after, retried with
// backoff on later runs until it goes out or gives up loudly.
export const alertNotifications = pgTable(
  "alert_notifications",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    ruleId: uuid("rule_id").references(() => alertRules.id, { onDelete: "set null" }),
    event: text("event").notNull(),
    channel: text("channel", { enum: ALERT_CHANNELS }).notNull(),
    payload: jsonb("payload").notNull(),
    status: text("status", { enum: NOTIFICATION_STATUSES }).notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }).notNull().defaultNow(),
    lastError: text("last_error"),
    createdAt: createdAt(),
    sentAt: timestamp("sent_at", { withTimezone: true }),
  },
  (t) => [
    check("alert_notifications_status_check", sql`${t.status} IN (${oneOf(NOTIFICATION_STATUSES)})`),
    check("alert_notifications_channel_check", sql`${t.channel} IN (${oneOf(ALERT_CHANNELS)})`),
    index("alert_notifications_due_idx").on(t.nextAttemptAt).where(sql`${t.status} = 'pending'`),
  ],
);

// Who an actor id is, for people the operator console signs in: a Cloudflare Access
// identity's id is derived from its email, and this row names it in the audit log.
export const consoleActors = pgTable("console_actors", {
  id: uuid("id").primaryKey(),
  name: text("name").notNull(),
  firstSeenAt: timestamp("first_seen_at", { withTimezone: true }).notNull().defaultNow(),
  lastSeenAt: timestamp("last_seen_at", { withTimezone: true }).notNull().defaultNow(),
});

export type FeatureFlag = typeof featureFlags.$inferSelect;
export type FlagSignalHour = typeof flagSignalHours.$inferSelect;
export type FlagRollout = typeof flagRollouts.$inferSelect;
export type AuditEntry = typeof auditLog.$inferSelect;
export type SystemStatusRow = typeof systemStatus.$inferSelect;
export type MaintenanceWindow = typeof maintenanceWindows.$inferSelect;
export type HealthCheckLog = typeof healthCheckLogs.$inferSelect;
export type IncidentUpdate = typeof incidentUpdates.$inferSelect;
export type AlertRule = typeof alertRules.$inferSelect;
export type AlertNotification = typeof alertNotifications.$inferSelect;
export type Subscriber = typeof subscribers.$inferSelect;
export type NotificationEvent = typeof notificationEvents.$inferSelect;
export type SubscriberDelivery = typeof subscriberDeliveries.$inferSelect;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];
export type IncidentPhase = (typeof INCIDENT_PHASES)[number];
/** A component id from the registry. */
export type Component = string;
export type HealthStatus = (typeof HEALTH_STATUSES)[number];

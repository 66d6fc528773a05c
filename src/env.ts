import type { Database } from "./db/client.ts";

// Everything the Worker reads from its environment: bindings, vars and secrets.
// Defaults live in wrangler.toml [vars]; secrets are set with `wrangler secret put`.
export interface Env {
  /** Postgres connection string (Neon in production): admin writes and the crons. Secret. */
  DATABASE_URL: string;
  /**
   * Optional: the connection string of the read-only role (phs_reader) for everything that
   * only reads — public answers, OFREP. Without it those read through DATABASE_URL. Secret.
   */
  DATABASE_READ_URL?: string;
  /**
   * host:port of the local WebSocket relay that stands in for Neon's proxy. Only the dev
   * and test harness sets it, and it is honoured only for databases on loopback.
   */
  LOCAL_PG_RELAY?: string;

  STRIPE_SECRET_KEY?: string;
  TWILIO_ACCOUNT_SID?: string;
  TWILIO_AUTH_TOKEN?: string;
  RESEND_API_KEY?: string;
  STRIPE_API_BASE?: string;
  TWILIO_API_BASE?: string;
  RESEND_API_BASE?: string;

  HEALTH_DB_DEGRADED_MS?: string;
  HEALTH_DB_UNHEALTHY_MS?: string;
  HEALTH_VENDOR_DEGRADED_MS?: string;
  HEALTH_VENDOR_UNHEALTHY_MS?: string;

  /** Admin API credentials: `<actor-uuid>=<token>,…`. Secret. */
  ADMIN_TOKENS?: string;
  /** OFREP client credentials: `<token>,…`. Secret. */
  FLAG_CLIENT_TOKENS?: string;
  /** Most flags the table may hold (the spec's "under 50"). */
  FLAG_LIMIT?: string;
  /** Days at 100 % after which a flag is listed as stale. */
  STALE_FLAG_DAYS?: string;

  /** Durable Object namespace of the per-client rate limiters. */
  RATE_LIMITER?: DurableObjectNamespace<import("./edge/rate-limiter-object.ts").RateLimiter>;
  /** Durable Object namespace of the outage buffer (one object per database). */
  OUTAGE_BUFFER?: DurableObjectNamespace<import("./outage/outage-buffer.ts").OutageBuffer>;
  /** "off" turns rate limiting off (the benchmark measures the limiter's cost with it). */
  RATE_LIMIT?: string;
  /** Requests a minute per client for each public endpoint (the spec's 60). */
  RATE_LIMIT_PER_MINUTE?: string;
  /** Requests a minute per OFREP client token and client address. */
  OFREP_RATE_LIMIT_PER_MINUTE?: string;
  /** Origins allowed to call OFREP from a browser: comma-separated, or "*" (default). */
  OFREP_ALLOWED_ORIGINS?: string;
  /** "off" bypasses the edge cache (for tests and debugging). */
  EDGE_CACHE?: string;
  /** Overrides the cache key namespace (defaults to the deployed version id). */
  CACHE_NAMESPACE?: string;
  /** debug | info | warn | error; default info. */
  LOG_LEVEL?: string;

  /** Days of raw health_check_logs kept (daily roll-ups are kept for good). */
  LOG_RETENTION_DAYS?: string;
  /** Days after resolution before an incident moves to the archive. */
  INCIDENT_RETENTION_DAYS?: string;
  /** "off" stops the cron from opening and resolving incidents on its own. */
  AUTO_INCIDENTS?: string;
  /** Consecutive unhealthy checks that open an incident; consecutive healthy ones that resolve it. */
  AUTO_INCIDENT_AFTER?: string;
  AUTO_RESOLVE_AFTER?: string;
  /** Alert channels. Generic JSON webhook, Slack incoming webhook (both secrets), PagerDuty Events v2. */
  ALERT_WEBHOOK_URL?: string;
  ALERT_SLACK_WEBHOOK_URL?: string;
  PAGERDUTY_ROUTING_KEY?: string;
  PAGERDUTY_EVENTS_URL?: string;

  /** The status page's title and public address (defaults: "Portal status", the request's origin). */
  STATUS_PAGE_TITLE?: string;
  PUBLIC_URL?: string;

  APP_VERSION?: string;
  BUILD_ID?: string;
  DEPLOYED_AT?: string;
  CF_VERSION_METADATA?: WorkerVersionMetadata;
}

export interface AppVariables {
  requestId: string;
  /** Epoch ms when the Worker received the request. */
  requestStartedAt: number;
  /** This request's database, opened on first use and closed after the response. */
  database: () => Database;
  /** The authenticated admin's actor id, on admin routes. */
  actorId: string;
  /** The authenticated OFREP client (a token fingerprint), on OFREP routes. */
  flagClient: string;
}

export type AppEnv = { Bindings: Env; Variables: AppVariables };

export function positiveIntegerOr(value: string | undefined, fallback: number): number {
  const parsed = Number(value);
  return value !== undefined && value !== "" && Number.isInteger(parsed) && parsed > 0 ? parsed : fallback;
}

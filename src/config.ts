// The Worker's configuration, typed, from its environment. Every default is in
// wrangler.toml [vars] (the one place: `wrangler types` turns it into the Env type, and CI
// checks the two agree); this file only parses and checks, once per environment object
// (for a Worker, once per isolate), and names the variable when a value is malformed.
// Secrets come from `wrangler secret put`; an unset optional one is simply absent.
import { z } from "zod";
import type { Env } from "./env.ts";
import type { Thresholds } from "./health/thresholds.ts";
import type { AutoIncidentPolicy } from "./incidents/auto-incidents.ts";
import type { ChannelConfig } from "./alerts/deliver.ts";
import { vendorComponents } from "./components/components.ts";
import type { VendorSettings } from "./components/vendor-probes.ts";

export type LogLevel = "debug" | "info" | "warn" | "error";

export interface Config {
  databaseUrl: string | undefined;
  /** The read-only role's connection string, for everything but the admin API. */
  databaseReadUrl: string | undefined;
  thresholds: Thresholds;
  /** Requests a minute per client, for /health and /status each. */
  rateLimitPerMinute: number;
  /** Requests a minute per OFREP client token and client address. */
  ofrepRateLimitPerMinute: number;
  ofrepAllowedOrigins: "*" | string[];
  rateLimit: boolean;
  edgeCache: boolean;
  /** The edge cache's key namespace; the deployed version id when unset. */
  cacheNamespace: string | undefined;
  logLevel: LogLevel;
  logRetentionDays: number;
  /** Days of feature signals kept (hourly counts, daily adoption). */
  signalRetentionDays: number;
  incidentRetentionDays: number;
  /** Null when automatic incidents are off. */
  autoIncidents: AutoIncidentPolicy | null;
  flags: { limit: number; staleDays: number };
  statusPageTitle: string;
  /** The canonical origin of absolute links; the request's origin when unset. */
  publicUrl: string | undefined;
  /** Each vendor component's settings, by component id, as its probe declares them. */
  vendors: Record<string, VendorSettings>;
  alerts: ChannelConfig;
  subscriptions: {
    /** Signs confirmation and unsubscribe links and webhook deliveries; unset: subscriptions are off. */
    key: string | undefined;
    /** The sender of subscription emails; unset: email subscriptions are off. */
    from: string | undefined;
    perMinute: number;
    /** Resend's request rate, which email batch calls are paced to. */
    emailRequestsPerSecond: number;
    subscribeRateLimitPerMinute: number;
    retentionDays: number;
  };
  /** The operator console at /admin (src/console/). */
  console: {
    /** Cloudflare Access: the team domain (the tokens' issuer; its JWKS at /cdn-cgi/access/certs) and the application's audience tag. Both or neither. */
    access: { teamDomain: string; audience: string } | null;
    /** Signs console sessions and form tokens; unset: derived from ADMIN_TOKENS. */
    sessionKey: string | undefined;
    sessionMinutes: number;
  };
  adminTokens: string | undefined;
  flagClientTokens: string | undefined;
  version: { app: string | undefined; build: string | undefined; deployedAt: string | undefined };
}

/** A malformed configuration value, named (its value too, unless it is a secret). */
export class ConfigError extends Error {
  readonly variable: string;

  constructor(variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.variable = variable;
  }
}

/**
 * The secrets (wrangler secret put), besides each vendor's credentials, which its probe
 * names. Never shown in an error, nor logged. Every one may be unset.
 */
export const SECRETS = [
  "DATABASE_URL",
  "DATABASE_READ_URL",
  "ADMIN_TOKENS",
  "FLAG_CLIENT_TOKENS",
  "ALERT_WEBHOOK_URL",
  "ALERT_SLACK_WEBHOOK_URL",
  "PAGERDUTY_ROUTING_KEY",
  "SUBSCRIPTION_KEY",
  "CONSOLE_SESSION_KEY",
] as const;
export type Secrets = Partial<Record<(typeof SECRETS)[number], string>>;

const isSecret = (name: string) => (SECRETS as readonly string[]).includes(name) || vendorComponents().some((c) => c.probe.settings.credentials.includes(name));

type Raw = Record<string, unknown>;

function read<T>(env: Raw, name: string, schema: z.ZodType<T>): T {
  const value = env[name];
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problem = result.error.issues[0]?.message ?? "invalid";
  const shown = isSecret(name) || value === undefined ? "" : ` (is ${JSON.stringify(value)})`;
  throw new ConfigError(name, `${problem}${shown}`);
}

// "" and absent mean unset.
const optionalText = z.union([z.string(), z.undefined(), z.null()]).transform((v) => (typeof v === "string" && v.trim() !== "" ? v.trim() : undefined));
const requiredText = z.string({ message: "is not set" }).trim().min(1, "is empty");
const wholeNumber = z
  .string({ message: "is not set (wrangler.toml [vars] gives every default)" })
  .regex(/^\s*\d+\s*$/, "must be a whole number above 0")
  .transform(Number)
  .pipe(z.number().int().positive("must be a whole number above 0").max(1_000_000_000, "is too large"));
const onOff = z.enum(["on", "off"], { message: 'must be "on" or "off"' }).transform((v) => v === "on");
const httpUrl = (optional: boolean) =>
  optionalText.superRefine((v, ctx) => {
    if (v === undefined) {
      if (!optional) ctx.addIssue({ code: "custom", message: "is not set" });
      return;
    }
    try {
      const url = new URL(v);
      if (url.protocol !== "https:" && url.protocol !== "http:") ctx.addIssue({ code: "custom", message: "must be an http(s) URL" });
    } catch {
      ctx.addIssue({ code: "custom", message: "must be an http(s) URL" });
    }
  });
const base = (v: string | undefined) => v!.replace(/\/+$/, "");

export function parseConfig(env: Env): Config {
  const raw = env as unknown as Raw;
  const int = (name: string) => read(raw, name, wholeNumber);
  const text = (name: string) => read(raw, name, optionalText);
  const url = (name: string, optional = false) => read(raw, name, httpUrl(optional));
  const autoIncidents = read(raw, "AUTO_INCIDENTS", onOff);
  const origins = read(raw, "OFREP_ALLOWED_ORIGINS", requiredText)
    .split(",")
    .map((o) => o.trim().replace(/\/+$/, ""))
    .filter(Boolean);
  const publicUrl = url("PUBLIC_URL", true);
  return {
    databaseUrl: text("DATABASE_URL"),
    databaseReadUrl: text("DATABASE_READ_URL"),
    thresholds: {
      database: { degradedMs: int("HEALTH_DB_DEGRADED_MS"), unhealthyMs: int("HEALTH_DB_UNHEALTHY_MS") },
      vendor: { degradedMs: int("HEALTH_VENDOR_DEGRADED_MS"), unhealthyMs: int("HEALTH_VENDOR_UNHEALTHY_MS") },
    },
    rateLimitPerMinute: int("RATE_LIMIT_PER_MINUTE"),
    ofrepRateLimitPerMinute: int("OFREP_RATE_LIMIT_PER_MINUTE"),
    ofrepAllowedOrigins: origins.includes("*") || origins.length === 0 ? "*" : origins,
    rateLimit: read(raw, "RATE_LIMIT", onOff),
    edgeCache: read(raw, "EDGE_CACHE", onOff),
    cacheNamespace: text("CACHE_NAMESPACE"),
    logLevel: read(raw, "LOG_LEVEL", z.enum(["debug", "info", "warn", "error"], { message: "must be debug, info, warn or error" })),
    logRetentionDays: int("LOG_RETENTION_DAYS"),
    signalRetentionDays: int("SIGNAL_RETENTION_DAYS"),
    incidentRetentionDays: int("INCIDENT_RETENTION_DAYS"),
    autoIncidents: autoIncidents ? { openAfter: int("AUTO_INCIDENT_AFTER"), resolveAfter: int("AUTO_RESOLVE_AFTER") } : null,
    flags: { limit: int("FLAG_LIMIT"), staleDays: int("STALE_FLAG_DAYS") },
    statusPageTitle: read(raw, "STATUS_PAGE_TITLE", requiredText),
    publicUrl: publicUrl === undefined ? undefined : base(publicUrl),
    vendors: Object.fromEntries(
      vendorComponents().map(({ id, probe }) => [
        id,
        {
          base: base(url(probe.settings.base, true) ?? probe.settings.defaultBase),
          credentials: Object.fromEntries(probe.settings.credentials.map((name) => [name, text(name)])),
        },
      ]),
    ),
    alerts: {
      webhookUrl: url("ALERT_WEBHOOK_URL", true),
      slackWebhookUrl: url("ALERT_SLACK_WEBHOOK_URL", true),
      pagerdutyRoutingKey: text("PAGERDUTY_ROUTING_KEY"),
      pagerdutyEventsUrl: url("PAGERDUTY_EVENTS_URL")!,
    },
    subscriptions: {
      key: text("SUBSCRIPTION_KEY"),
      from: text("NOTIFY_FROM"),
      perMinute: int("NOTIFICATIONS_PER_MINUTE"),
      emailRequestsPerSecond: int("RESEND_REQUESTS_PER_SECOND"),
      subscribeRateLimitPerMinute: int("SUBSCRIBE_RATE_LIMIT_PER_MINUTE"),
      retentionDays: int("SUBSCRIBER_RETENTION_DAYS"),
    },
    console: {
      access: accessSettings(url("ACCESS_TEAM_DOMAIN", true), text("ACCESS_AUD")),
      sessionKey: text("CONSOLE_SESSION_KEY"),
      sessionMinutes: int("CONSOLE_SESSION_MINUTES"),
    },
    adminTokens: text("ADMIN_TOKENS"),
    flagClientTokens: text("FLAG_CLIENT_TOKENS"),
    version: { app: text("APP_VERSION"), build: text("BUILD_ID"), deployedAt: text("DEPLOYED_AT") },
  };
}

function accessSettings(teamDomain: string | undefined, audience: string | undefined): Config["console"]["access"] {
  if (teamDomain === undefined && audience === undefined) return null;
  if (teamDomain === undefined) throw new ConfigError("ACCESS_TEAM_DOMAIN", "is not set, but ACCESS_AUD is: set both for Cloudflare Access, or neither");
  if (audience === undefined) throw new ConfigError("ACCESS_AUD", "is not set, but ACCESS_TEAM_DOMAIN is: set both for Cloudflare Access, or neither");
  return { teamDomain: base(teamDomain), audience };
}

const parsed = new WeakMap<object, Config>();

/** The configuration of this environment, parsed on first use; throws ConfigError. */
export function configOf(env: Env): Config {
  let config = parsed.get(env);
  if (!config) {
    config = parseConfig(env);
    parsed.set(env, config);
  }
  return config;
}

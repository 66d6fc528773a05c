// Rate limiting for public and client routes. Every answer carries the IETF draft
// headers; a refusal is 429 with Retry-After. A client already refused is turned away
// from this isolate's memory until its retry time, without asking the Durable Object
// again. If the object cannot be reached the request goes through: monitoring must stay up.
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../env.ts";
import { failure } from "../http/envelope.ts";
import { logEvent } from "../lib/log.ts";
import { sanitizeErrorMessage } from "../lib/sanitize.ts";
import { clientKey } from "./client-key.ts";
import type { RateLimitDecision } from "./gcra.ts";

const WINDOW_MS = 60_000;
const OBJECT_TIMEOUT_MS = 1_000;
const MAX_REMEMBERED_REFUSALS = 10_000;

/** client|scope → epoch ms until which the client is known to be refused. */
const refusedUntil = new Map<string, number>();

export interface RateLimitOptions {
  /** Requests of one scope are counted together, e.g. "health" and "status" apart. */
  scope: string;
  /** Requests per minute, from the environment. */
  limit: (c: Context<AppEnv>) => number;
  /** The client's identity; the connecting address by default. */
  client?: (c: Context<AppEnv>) => string;
  /** The body of a refusal, for protocols with their own error shape; this API's envelope by default. */
  refusal?: (c: Context<AppEnv>, message: string) => Response;
}

export const publicLimit = (c: Context<AppEnv>) => c.get("config").rateLimitPerMinute;
/**
 * OFREP's server provider makes one request per evaluation, so a busy server asks often:
 * the limit (12,000 a minute by default: 200 a second sustained, the whole minute's worth
 * as a burst) is per client token and client address, so one server's load never starves
 * another's, nor the browsers sharing a web token.
 */
export const flagClientLimit = (c: Context<AppEnv>) => c.get("config").ofrepRateLimitPerMinute;

export function rateLimit(options: RateLimitOptions): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!c.get("config").rateLimit) return next();
    const limit = options.limit(c);
    const client = options.client?.(c) ?? clientKey(c.req.header("cf-connecting-ip"));
    const memoryKey = `${client}|${options.scope}`;
    const now = Date.now();
    const policyHeader = `"${options.scope}";q=${limit};w=${WINDOW_MS / 1000}`;

    const until = refusedUntil.get(memoryKey);
    if (until !== undefined && now < until) {
      const retryAfter = Math.ceil((until - now) / 1000);
      return refuse(c, policyHeader, { allowed: false, limit, remaining: 0, resetSeconds: retryAfter, retryAfterSeconds: retryAfter }, options);
    }
    if (until !== undefined) refusedUntil.delete(memoryKey);

    const decision = await askObject(c, client, options.scope, limit);
    if (decision && !decision.allowed) {
      if (refusedUntil.size >= MAX_REMEMBERED_REFUSALS) refusedUntil.clear();
      refusedUntil.set(memoryKey, now + decision.retryAfterSeconds * 1000);
      return refuse(c, policyHeader, decision, options);
    }
    await next();
    if (decision) {
      c.header("RateLimit-Policy", policyHeader);
      c.header("RateLimit", `"${options.scope}";r=${decision.remaining};t=${decision.resetSeconds}`);
    }
  };
}

async function askObject(c: Context<AppEnv>, client: string, scope: string, limit: number): Promise<RateLimitDecision | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const namespace = c.env.RATE_LIMITER;
    if (!namespace) throw new Error("RATE_LIMITER binding is missing");
    const stub = namespace.get(namespace.idFromName(client));
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`rate limiter did not answer within ${OBJECT_TIMEOUT_MS} ms`)), OBJECT_TIMEOUT_MS);
    });
    return await Promise.race([stub.take(scope, { limit, windowMs: WINDOW_MS }), timeout]);
  } catch (error) {
    logEvent("warn", "rate_limiter_unavailable", { requestId: c.get("requestId"), scope, message: sanitizeErrorMessage(error) });
    return null;
  } finally {
    clearTimeout(timer);
  }
}

function refuse(c: Context<AppEnv>, policyHeader: string, decision: RateLimitDecision, options: RateLimitOptions): Response {
  const scope = options.scope;
  c.header("RateLimit-Policy", policyHeader);
  // Refused, `t` is when quota is available again: the same moment as Retry-After, as the
  // RateLimit header fields draft requires of a response carrying both.
  c.header("RateLimit", `"${scope}";r=0;t=${decision.retryAfterSeconds}`);
  c.header("Retry-After", String(decision.retryAfterSeconds));
  const message = `Too many requests: at most ${decision.limit} a minute; retry in ${decision.retryAfterSeconds} s`;
  if (options.refusal) return options.refusal(c, message);
  return c.json(failure("RATE_LIMITED", message, { requestId: c.get("requestId") }), 429);
}

/** For tests: forget what this isolate remembers about refused clients. */
export function forgetRefusals(): void {
  refusedUntil.clear();
}

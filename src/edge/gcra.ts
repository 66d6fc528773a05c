// The Generic Cell Rate Algorithm: exact limiting with one timestamp per client. A client
// may spend `limit` requests at once and earns one back every window/limit.
export interface RateLimitPolicy {
  limit: number;
  windowMs: number;
}

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the client's full allowance is back. */
  resetSeconds: number;
  /** Seconds until the next request would be allowed (0 when allowed). */
  retryAfterSeconds: number;
}

/** Returns the decision and the new theoretical arrival time to keep. */
export function gcra(tat: number, now: number, policy: RateLimitPolicy): { decision: RateLimitDecision; tat: number } {
  const interval = policy.windowMs / policy.limit;
  const start = Math.max(tat, now);
  const next = start + interval;
  const allowed = next - now <= policy.windowMs + 1e-9;
  const kept = allowed ? next : tat;
  const backlog = Math.max(0, kept - now);
  return {
    tat: kept,
    decision: {
      allowed,
      limit: policy.limit,
      remaining: Math.max(0, Math.floor((policy.windowMs - backlog) / interval + 1e-9)),
      resetSeconds: Math.ceil(backlog / 1000),
      retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((next - now - policy.windowMs) / 1000)),
    },
  };
}

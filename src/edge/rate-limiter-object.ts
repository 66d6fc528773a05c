// One Durable Object per client: it sees that client's requests one at a time, so its
// in-memory GCRA state is exact however many requests arrive at once. State lives in
// memory: if the object is evicted the client simply starts with a full allowance.
import { DurableObject } from "cloudflare:workers";
import { gcra, type RateLimitDecision, type RateLimitPolicy } from "./gcra.ts";

export class RateLimiter extends DurableObject {
  private readonly tats = new Map<string, number>();

  /** Spends one request of `scope` (e.g. "health") under `policy`. */
  take(scope: string, policy: RateLimitPolicy): RateLimitDecision {
    const now = Date.now();
    const { decision, tat } = gcra(this.tats.get(scope) ?? now, now, policy);
    this.tats.set(scope, tat);
    return decision;
  }
}

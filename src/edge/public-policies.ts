// How long public answers are kept at the edge and what clients are told. Freshness
// bound: the location that served an admin's write purges at once; every other location
// serves the previous answer for at most ttl + stale-while-revalidate seconds.
import { componentIds } from "../components/components.ts";
import { wantsHealthJson } from "../health/health-json.ts";
import { LAST_KNOWN_MAX_AGE_MS } from "../outage/last-known.ts";
import type { CachePolicy } from "./edge-cache.ts";

export const STATUS_CACHE: CachePolicy = {
  name: "status",
  ttlSeconds: 30,
  staleWhileRevalidateSeconds: 60,
  // Caches downstream may keep showing an answer while this service fails, as long as it
  // would show the last known state itself.
  cacheControl: `public, max-age=15, s-maxage=30, stale-while-revalidate=60, stale-if-error=${LAST_KNOWN_MAX_AGE_MS / 1000}`,
  storable: (status) => status === 200,
};

export const HEALTH_CACHE: CachePolicy = {
  name: "health",
  ttlSeconds: 10,
  staleWhileRevalidateSeconds: 0,
  // Browsers always ask again; the edge answers from its copy for 10 s.
  cacheControl: "no-store",
  // An outage answer is kept too, so a burst of monitors does not become a burst of vendor calls.
  storable: (status) => status === 200 || status === 503,
  // The IETF health+json form is a different answer from the same URL.
  variants: { of: (request) => (wantsHealthJson(request.headers.get("accept") ?? undefined) ? "health-json" : "json"), all: ["json", "health-json"] },
};

/** The status page and the formats built on it: like /status, keyed by what they are. */
export function pageCache(name: string, variants?: CachePolicy["variants"]): CachePolicy {
  return { ...STATUS_CACHE, name, variants };
}

/** The badge's versions: the overall state, and each component's. */
export function badgeVariants(): string[] {
  return ["overall", ...componentIds()];
}

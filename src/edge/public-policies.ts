// How long public answers are kept at the edge and what clients are told. Freshness
// bound: the location that served an admin's write purges at once; every other location
// serves the previous answer for at most ttl + stale-while-revalidate seconds.
import type { CachePolicy } from "./edge-cache.ts";

export const STATUS_CACHE: CachePolicy = {
  name: "status",
  ttlSeconds: 30,
  staleWhileRevalidateSeconds: 60,
  staleIfErrorSeconds: 600,
  cacheControl: "public, max-age=15, s-maxage=30, stale-while-revalidate=60, stale-if-error=600",
  storable: (status) => status === 200,
};

export const HEALTH_CACHE: CachePolicy = {
  name: "health",
  ttlSeconds: 10,
  staleWhileRevalidateSeconds: 0,
  staleIfErrorSeconds: 0,
  // Browsers always ask again; the edge answers from its copy for 10 s.
  cacheControl: "no-store",
  // An outage answer is kept too, so a burst of monitors does not become a burst of vendor calls.
  storable: (status) => status === 200 || status === 503,
};

export const PUBLIC_CACHES = [STATUS_CACHE.name, HEALTH_CACHE.name];

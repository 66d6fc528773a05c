// Edge caching of public answers with the Workers Cache API. Each cached answer has a
// producer — a function from what the answer depends on (configuration, a database, the
// request's URL and headers) to a Response, built from the domain — which the route calls
// on a miss and the background refresh calls when a stored copy has gone stale. Keys ignore
// the query string and request headers (a policy's `variants` say when an answer depends
// on one); answers carry a strong ETag (If-None-Match → 304) and Age on hits. A stored
// answer is fresh for `ttlSeconds`, then served stale while one refresh per isolate runs
// (for up to `staleWhileRevalidateSeconds` more).
//
// Answers built while the database is down come from the producers themselves (the last
// known state with live probes, marked `Cache-Control: no-store`): they are kept only
// briefly (DEGRADED_TTL_SECONDS) so recovery shows at once, keep their own Cache-Control,
// and their Age keeps counting from when their data was read.
import type { Context } from "hono";
import { setMetric } from "hono/timing";
import type { Config } from "../config.ts";
import { openDatabase, type Database } from "../db/client.ts";
import { databaseUrlFor } from "../db/middleware.ts";
import type { AppEnv, Env } from "../env.ts";
import { matchesEtag, strongEtag } from "../http/etag.ts";
import { originCacheScope } from "../http/public-origin.ts";
import { logEvent } from "../lib/log.ts";
import { sanitizeErrorMessage } from "../lib/sanitize.ts";

export interface CachePolicy {
  /** Names the answer; the cache key is built from it, never from the request URL. */
  name: string;
  ttlSeconds: number;
  staleWhileRevalidateSeconds: number;
  /** What browsers and other caches are told. */
  cacheControl: string;
  /** Which statuses may be stored (a 503 health answer is, so outages do not multiply probes). */
  storable: (status: number) => boolean;
  /** When the answer depends on the request (e.g. Accept), which version it is, and all there are. */
  variants?: { of: (request: { url: string; headers: Headers }) => string; all: readonly string[] };
}

/** What a producer may use: never the request's Context, so a refresh can call it too. */
export interface ProduceContext {
  config: Config;
  /** Bindings (the outage buffer, version metadata). */
  env: Env;
  database: () => Database;
  /** When the answer was asked for (the api component reports the time since). */
  requestStartedAt: number;
  url: string;
  headers: Headers;
}

export type Producer = (ctx: ProduceContext) => Promise<Response>;

/** The cache names of every version of a policy's answer, for purging. */
export function cacheNames(policy: CachePolicy): string[] {
  return policy.variants ? policy.variants.all.map((v) => `${policy.name}.${v}`) : [policy.name];
}

const STORED_AT = "x-edge-stored-at";
// Caches may refuse to keep error statuses; answers are stored as 200 with the real status here.
const STATUS = "x-edge-status";
// Set on answers the producer marked no-store (built while the database is down): the Age they had.
const DEGRADED_AGE = "x-edge-degraded-age";
const INTERNAL_HEADERS = [STORED_AT, STATUS, DEGRADED_AGE];
/** How long an answer built from the last known state is reused at the edge. */
export const DEGRADED_TTL_SECONDS = 10;
const refreshing = new Set<string>();

/**
 * A copy of the latest answers in isolate memory, in front of the Cache API: a hit costs
 * no cache lookup at all. Kept for at most MEMORY_TTL_MS, so an isolate that did not see
 * a purge converges within that time; the isolate that served an admin write is purged
 * with the Cache API.
 */
const MEMORY_TTL_MS = 2_000;
const MEMORY_ENTRIES = 64;
const memory = new Map<string, { body: ArrayBuffer; headers: [string, string][]; keptAt: number }>();

function remember(url: string, body: ArrayBuffer, headers: Headers): void {
  if (memory.size >= MEMORY_ENTRIES) memory.delete(memory.keys().next().value!);
  memory.set(url, { body, headers: [...headers], keptAt: Date.now() });
}

function recall(url: string): Response | undefined {
  const kept = memory.get(url);
  if (!kept) return undefined;
  if (Date.now() - kept.keptAt > MEMORY_TTL_MS) {
    memory.delete(url);
    return undefined;
  }
  return new Response(kept.body.slice(0), { status: 200, headers: kept.headers });
}

/** For tests: forget this isolate's in-memory copies. */
export function forgetMemoryCache(): void {
  memory.clear();
}

export function cacheKey(c: Context<AppEnv>, name: string): Request {
  const config = c.get("config");
  // The deployed version is part of the key so a new deployment never serves old shapes,
  // and so is the origin when answers are built from the request's (PUBLIC_URL unset).
  return cacheKeyFor(config.cacheNamespace || c.env.CF_VERSION_METADATA?.id || "local", name, originCacheScope(config.publicUrl, c.req.url));
}

export function cacheKeyFor(namespace: string, name: string, origin = ""): Request {
  const scope = origin ? `${encodeURIComponent(origin)}/` : "";
  return new Request(`https://edge-cache.internal/${encodeURIComponent(namespace)}/${scope}${name}/fresh`);
}

/** The header recording when an answer was stored; its age decides fresh or stale. */
export const STORED_AT_HEADER = STORED_AT;

/** The producer's context for this request. */
export function produceContext(c: Context<AppEnv>): ProduceContext {
  return {
    config: c.get("config"),
    env: c.env,
    database: c.get("database"),
    requestStartedAt: c.get("requestStartedAt"),
    url: c.req.url,
    headers: c.req.raw.headers,
  };
}

/** Answers from the edge cache when it can, else from the producer (storing what it may). */
export async function serveCached(c: Context<AppEnv>, policy: CachePolicy, produce: Producer): Promise<Response> {
  const ctx = produceContext(c);
  if (!ctx.config.edgeCache || (c.req.method !== "GET" && c.req.method !== "HEAD")) return produce(ctx);
  const name = policy.variants ? `${policy.name}.${policy.variants.of(ctx)}` : policy.name;
  const key = cacheKey(c, name);
  const now = Date.now();

  let hit = recall(key.url);
  if (!hit) {
    hit = await caches.default.match(key).catch(() => undefined);
    if (hit) {
      const copy = hit.clone();
      remember(key.url, await copy.arrayBuffer(), copy.headers);
    }
  }
  if (hit) {
    const age = Math.max(0, Math.floor((now - Number(hit.headers.get(STORED_AT) ?? now)) / 1000));
    const degraded = hit.headers.has(DEGRADED_AGE);
    const stale = age >= (degraded ? DEGRADED_TTL_SECONDS : policy.ttlSeconds);
    if (stale && !refreshing.has(key.url)) {
      refreshing.add(key.url);
      c.executionCtx.waitUntil(refresh(c, policy, key, produce).finally(() => refreshing.delete(key.url)));
    }
    setMetric(c, "cache", stale ? "stale" : "hit");
    return answer(c, hit, policy, age);
  }

  setMetric(c, "cache", "miss");
  const produced = await produce(ctx);
  if (!policy.storable(produced.status)) return produced;
  const stored = await store(policy, key, produced, (work) => c.executionCtx.waitUntil(work));
  return answer(c, stored, policy, 0);
}

/** Produces the answer again, off the request's path, with a database of its own. */
async function refresh(c: Context<AppEnv>, policy: CachePolicy, key: Request, produce: Producer): Promise<void> {
  const config = c.get("config");
  const url = databaseUrlFor(c.req.path, config);
  let handle: ReturnType<typeof openDatabase> | undefined;
  const database = () => {
    handle ??= openDatabase({ DATABASE_URL: url, LOCAL_PG_RELAY: c.env.LOCAL_PG_RELAY });
    return handle.db;
  };
  try {
    const produced = await produce({ config, env: c.env, database, requestStartedAt: Date.now(), url: c.req.url, headers: c.req.raw.headers });
    if (policy.storable(produced.status)) await store(policy, key, produced, (work) => c.executionCtx.waitUntil(work));
    else await produced.body?.cancel();
  } catch (error) {
    logEvent("warn", "cache_refresh_failed", { requestId: c.get("requestId"), cache: policy.name, message: sanitizeErrorMessage(error) });
  } finally {
    if (handle) await handle.close();
  }
}

async function store(policy: CachePolicy, key: Request, response: Response, waitUntil: (work: Promise<unknown>) => void): Promise<Response> {
  const body = await response.text();
  const headers = new Headers(response.headers);
  const now = Date.now();
  const degraded = /\bno-store\b/.test(response.headers.get("cache-control") ?? "") && !/\bno-store\b/.test(policy.cacheControl);
  headers.set("ETag", await strongEtag(body));
  headers.set(STORED_AT, String(now));
  headers.set(STATUS, String(response.status));
  if (degraded) headers.set(DEGRADED_AGE, response.headers.get("age") ?? "0");
  headers.delete("set-cookie");
  // What the Cache API keeps it for; browsers get policy.cacheControl instead.
  headers.set("Cache-Control", `public, max-age=${degraded ? DEGRADED_TTL_SECONDS : policy.ttlSeconds + policy.staleWhileRevalidateSeconds}`);
  const stored = new Response(body, { status: 200, headers });
  remember(key.url, new TextEncoder().encode(body).buffer as ArrayBuffer, headers);
  waitUntil(
    caches.default
      .put(key, stored.clone())
      .catch((error: unknown) => logEvent("warn", "cache_put_failed", { cache: policy.name, message: sanitizeErrorMessage(error) })),
  );
  return stored;
}

function answer(c: Context<AppEnv>, stored: Response, policy: CachePolicy, age: number): Response {
  const headers = new Headers(stored.headers);
  const status = Number(stored.headers.get(STATUS) ?? stored.status);
  const degradedAge = stored.headers.get(DEGRADED_AGE);
  for (const name of INTERNAL_HEADERS) headers.delete(name);
  headers.set("Cache-Control", degradedAge === null ? policy.cacheControl : "no-store");
  headers.set("Age", String(age + Number(degradedAge ?? 0)));
  keepRequestHeaders(c, headers);
  const etag = headers.get("etag");
  if (status === 200 && etag && matchesEtag(c.req.header("if-none-match"), etag)) {
    headers.delete("content-type");
    headers.delete("content-length");
    return new Response(null, { status: 304, headers });
  }
  return new Response(stored.body, { status, headers });
}

/** Headers set by earlier middleware on this request (request id, timing, CORS) win over stored ones. */
function keepRequestHeaders(c: Context<AppEnv>, headers: Headers): void {
  c.res.headers.forEach((value, name) => {
    if (name !== "content-type" && name !== "content-length" && name !== "etag" && name !== "cache-control") headers.set(name, value);
  });
}

/** Forgets the cached answers named, in this location; other locations expire within their TTL. */
export async function purge(c: Context<AppEnv>, names: string[]): Promise<void> {
  for (const name of names) memory.delete(cacheKey(c, name).url);
  await Promise.all(names.map((name) => caches.default.delete(cacheKey(c, name)).catch(() => false)));
}

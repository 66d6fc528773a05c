// Cloudflare Access: behind an Access application, every request carries the signed-in
// person's identity as a JWT in Cf-Access-Jwt-Assertion. It is trusted only when signed by
// a key of the team's JWKS (<team domain>/cdn-cgi/access/certs), issued by the team
// domain, meant for this application's audience tag and not expired.
// https://developers.cloudflare.com/cloudflare-one/identity/authorization-cookie/validating-json/
import type { HonoJsonWebKey } from "hono/utils/jwt/jws";
import { verifyWithJwks } from "hono/utils/jwt/jwt";

export interface AccessSettings {
  teamDomain: string;
  audience: string;
}

export interface AccessIdentity {
  email: string;
}

/** Why an assertion was refused: said to the person, never with the token. */
export class AccessRefused extends Error {}

/** The team's keys could not be had: a fault on the way, not the person's (503). */
export class AccessUnavailable extends Error {}

const JWKS_TTL_MS = 10 * 60_000;
/** An unknown key id refetches the keys (Access rotates them), at most this often. */
const REFETCH_MIN_MS = 30_000;
/** After a failed fetch, the next try waits this long (the last good keys serve meanwhile). */
const FAILURE_BACKOFF_MS = 30_000;
const FETCH_TIMEOUT_MS = 5_000;

interface KeySet {
  url: string;
  keys: HonoJsonWebKey[];
  fetchedAt: number;
}
let cached: KeySet | undefined;
let failedAt: { url: string; at: number } | undefined;
let inFlight: { url: string; keys: Promise<HonoJsonWebKey[]> } | undefined;

async function fetchKeys(url: string, fetcher: typeof fetch, now: number): Promise<HonoJsonWebKey[]> {
  try {
    const response = await fetcher(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: "manual" });
    if (!response.ok) throw new Error(`answered ${response.status}`);
    const body = (await response.json()) as { keys?: unknown };
    if (!Array.isArray(body.keys)) throw new Error("not a JWKS");
    cached = { url, keys: body.keys as HonoJsonWebKey[], fetchedAt: now };
    failedAt = undefined;
    return cached.keys;
  } catch (error) {
    failedAt = { url, at: now };
    throw new AccessUnavailable(`the team's signing keys could not be fetched (${(error as Error).message})`);
  }
}

/**
 * The team's keys: cached for ten minutes, refetched early for a key id not seen yet, one
 * fetch shared by concurrent requests; when a refetch fails, the last good keys still serve.
 */
async function keysFor(url: string, kid: string | undefined, fetcher: typeof fetch, now: number): Promise<HonoJsonWebKey[]> {
  const have = cached?.url === url ? cached : undefined;
  const fresh = have !== undefined && now - have.fetchedAt < JWKS_TTL_MS;
  const known = have?.keys.some((k) => k.kid === kid) ?? false;
  const recentlyFailed = failedAt?.url === url && now - failedAt.at < FAILURE_BACKOFF_MS;
  if (have && ((fresh && (known || now - have.fetchedAt < REFETCH_MIN_MS)) || recentlyFailed)) return have.keys;
  if (!have && recentlyFailed) throw new AccessUnavailable("the team's signing keys could not be fetched a moment ago");
  let pending = inFlight?.url === url ? inFlight.keys : undefined;
  if (!pending) {
    pending = fetchKeys(url, fetcher, now).finally(() => {
      inFlight = undefined;
    });
    inFlight = { url, keys: pending };
  }
  try {
    return await pending;
  } catch (error) {
    if (have) return have.keys;
    throw error;
  }
}

export async function verifyAccessAssertion(assertion: string, settings: AccessSettings, fetcher: typeof fetch, now = Date.now()): Promise<AccessIdentity> {
  const [header] = assertion.split(".");
  let kid: string | undefined;
  try {
    kid = JSON.parse(atob((header ?? "").replace(/-/g, "+").replace(/_/g, "/"))).kid;
  } catch {
    throw new AccessRefused("the Access assertion is not a JWT");
  }
  const keys = await keysFor(`${settings.teamDomain}/cdn-cgi/access/certs`, kid, fetcher, now);
  let payload: Record<string, unknown>;
  try {
    payload = await verifyWithJwks(assertion, {
      keys,
      allowedAlgorithms: ["RS256"],
      verification: { iss: settings.teamDomain, aud: settings.audience },
    });
  } catch (error) {
    throw new AccessRefused(`the Access assertion is not valid for this application (${(error as Error).name})`);
  }
  if (typeof payload.exp !== "number") throw new AccessRefused("the Access assertion has no expiry");
  const email = typeof payload.email === "string" ? payload.email.trim().toLowerCase() : "";
  if (!email || email.length > 320) throw new AccessRefused("the Access assertion names no email");
  return { email };
}

/** Forget the cached keys (tests). */
export function forgetAccessKeys(): void {
  cached = undefined;
  failedAt = undefined;
}

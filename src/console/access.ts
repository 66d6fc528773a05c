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

const JWKS_TTL_MS = 10 * 60_000;
/** An unknown key id refetches the keys (Access rotates them), at most this often. */
const REFETCH_MIN_MS = 30_000;
const FETCH_TIMEOUT_MS = 5_000;

interface KeySet {
  url: string;
  keys: HonoJsonWebKey[];
  fetchedAt: number;
}
let cached: KeySet | undefined;

async function fetchKeys(url: string, fetcher: typeof fetch, now: number): Promise<HonoJsonWebKey[]> {
  const response = await fetcher(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: "manual" });
  if (!response.ok) throw new AccessRefused(`the team's signing keys could not be fetched (${response.status})`);
  const body = (await response.json()) as { keys?: unknown };
  if (!Array.isArray(body.keys)) throw new AccessRefused("the team's signing keys are not a JWKS");
  cached = { url, keys: body.keys as HonoJsonWebKey[], fetchedAt: now };
  return cached.keys;
}

async function keysFor(url: string, kid: string | undefined, fetcher: typeof fetch, now: number): Promise<HonoJsonWebKey[]> {
  const fresh = cached?.url === url && now - cached.fetchedAt < JWKS_TTL_MS;
  const known = cached?.keys.some((k) => k.kid === kid);
  if (cached && fresh && (known || now - cached.fetchedAt < REFETCH_MIN_MS)) return cached.keys;
  return fetchKeys(url, fetcher, now);
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
}

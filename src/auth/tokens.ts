// Bearer tokens from configuration, compared in constant time: both sides are hashed to
// the same length and every configured token is compared, match or not. A malformed
// entry can never be presented (a token with a space cannot travel in a Bearer header),
// so it is not used, and the first parse in each isolate says so at error level, by
// position and problem, never the token itself.
import { logEvent } from "../lib/log.ts";

const encoder = new TextEncoder();
// RFC 6750 b64token characters: what a Bearer header can carry.
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface TokenEntry<T> {
  digest: ArrayBuffer;
  value: T;
}

async function digest(token: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest("SHA-256", encoder.encode(token));
}

export interface MalformedEntry {
  /** 1-based position in the comma-separated list. */
  position: number;
  problem: string;
}

function tokenProblem(token: string): string | null {
  if (token.length === 0) return "empty token";
  if (!B64TOKEN.test(token)) return "the token holds characters a Bearer header cannot carry (space, line break, comma, quote, …)";
  return null;
}

function reportMalformed(variable: string, malformed: MalformedEntry[]): void {
  if (malformed.length > 0) logEvent("error", "tokens_malformed", { variable, malformed, note: "these entries are ignored: fix the configuration" });
}

/** `ADMIN_TOKENS`: `<actor-uuid>=<token>,…`. Malformed entries are reported and ignored, never half-used. */
export async function parseAdminTokens(config: string | undefined): Promise<TokenEntry<string>[]> {
  const { entries, malformed } = await checkAdminTokens(config);
  reportMalformed("ADMIN_TOKENS", malformed);
  return entries;
}

export async function checkAdminTokens(config: string | undefined): Promise<{ entries: TokenEntry<string>[]; malformed: MalformedEntry[] }> {
  const entries: TokenEntry<string>[] = [];
  const malformed: MalformedEntry[] = [];
  const parts = (config ?? "").split(",");
  for (const [i, part] of parts.entries()) {
    if (part.trim() === "" && parts.length === 1) break;
    const index = part.indexOf("=");
    const actor = part.slice(0, index).trim();
    const token = part.slice(index + 1).trim();
    const problem = index <= 0 ? "expected <actor-uuid>=<token>" : !UUID.test(actor) ? "the actor is not a uuid" : tokenProblem(token);
    if (problem) malformed.push({ position: i + 1, problem });
    else entries.push({ digest: await digest(token), value: actor.toLowerCase() });
  }
  return { entries, malformed };
}

/** `FLAG_CLIENT_TOKENS`: `<token>,…`; the value is a fingerprint of the token, safe to log and to rate-limit by. */
export async function parseClientTokens(config: string | undefined): Promise<TokenEntry<string>[]> {
  const entries: TokenEntry<string>[] = [];
  const malformed: MalformedEntry[] = [];
  const parts = (config ?? "").split(",").map((t) => t.trim());
  for (const [i, token] of parts.entries()) {
    if (token === "" && parts.length === 1) break;
    const problem = tokenProblem(token);
    if (problem) {
      malformed.push({ position: i + 1, problem });
      continue;
    }
    const hash = await digest(token);
    const fingerprint = [...new Uint8Array(hash)]
      .slice(0, 8)
      .map((b) => b.toString(16).padStart(2, "0"))
      .join("");
    entries.push({ digest: hash, value: `token:${fingerprint}` });
  }
  reportMalformed("FLAG_CLIENT_TOKENS", malformed);
  return entries;
}

export async function matchToken<T>(presented: string, entries: TokenEntry<T>[]): Promise<T | null> {
  const candidate = await digest(presented);
  let match: T | null = null;
  for (const entry of entries) {
    if (crypto.subtle.timingSafeEqual(candidate, entry.digest)) match = entry.value;
  }
  return match;
}

export function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return match ? match[1]! : null;
}

/** Parses a token list once per isolate and configuration string. */
export function cachedTokens<T>(parse: (config: string | undefined) => Promise<TokenEntry<T>[]>) {
  let cache: { config: string | undefined; entries: Promise<TokenEntry<T>[]> } | undefined;
  return (config: string | undefined) => {
    if (!cache || cache.config !== config) cache = { config, entries: parse(config) };
    return cache.entries;
  };
}

/** ADMIN_TOKENS, parsed once per isolate for everyone who checks them (the admin API and the console). */
export const configuredAdminTokens = cachedTokens(parseAdminTokens);

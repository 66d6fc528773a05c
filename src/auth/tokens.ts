// Bearer tokens from configuration, compared in constant time: both sides are hashed to
// the same length and every configured token is compared, match or not.
const encoder = new TextEncoder();
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface TokenEntry<T> {
  digest: ArrayBuffer;
  value: T;
}

async function digest(token: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest("SHA-256", encoder.encode(token));
}

/** `ADMIN_TOKENS`: `<actor-uuid>=<token>,…`. Malformed entries are ignored, never half-used. */
export async function parseAdminTokens(config: string | undefined): Promise<TokenEntry<string>[]> {
  const entries: TokenEntry<string>[] = [];
  for (const part of (config ?? "").split(",")) {
    const index = part.indexOf("=");
    const actor = part.slice(0, index).trim();
    const token = part.slice(index + 1).trim();
    if (index > 0 && UUID.test(actor) && token.length > 0) entries.push({ digest: await digest(token), value: actor.toLowerCase() });
  }
  return entries;
}

/** `FLAG_CLIENT_TOKENS`: `<token>,…`; the value is a fingerprint of the token, safe to log and to rate-limit by. */
export async function parseClientTokens(config: string | undefined): Promise<TokenEntry<string>[]> {
  const tokens = (config ?? "").split(",").map((t) => t.trim()).filter(Boolean);
  return Promise.all(
    tokens.map(async (token) => {
      const hash = await digest(token);
      const fingerprint = [...new Uint8Array(hash)].slice(0, 8).map((b) => b.toString(16).padStart(2, "0")).join("");
      return { digest: hash, value: `token:${fingerprint}` };
    }),
  );
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

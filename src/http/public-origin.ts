// The origin absolute links in public answers point at (Statuspage JSON, feeds, calendar).
// PUBLIC_URL when configured: then nothing a client sends can change it. Without it, the
// request's own origin — which a client controls through Host — so answers built from it
// are cached per origin (see edgeCache): a spoofed Host only ever reaches its sender.
// X-Forwarded-* headers are never read.
import type { Env } from "../env.ts";

export function publicOrigin(env: Pick<Env, "PUBLIC_URL">, requestUrl: string): string {
  return (env.PUBLIC_URL || new URL(requestUrl).origin).replace(/\/+$/, "");
}

/** What separates cached answers by origin: empty when the origin is configured. */
export function originCacheScope(env: Pick<Env, "PUBLIC_URL">, requestUrl: string): string {
  return env.PUBLIC_URL ? "" : new URL(requestUrl).host.toLowerCase();
}

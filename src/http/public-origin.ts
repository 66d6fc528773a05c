// The origin absolute links in public answers point at (Statuspage JSON, feeds, calendar).
// PUBLIC_URL when configured: then nothing a client sends can change it. Without it, the
// request's own origin — which a client controls through Host — so answers built from it
// are cached per origin (see serveCached): a spoofed Host only ever reaches its sender.
// X-Forwarded-* headers are never read.

export function publicOrigin(publicUrl: string | undefined, requestUrl: string): string {
  return (publicUrl || new URL(requestUrl).origin).replace(/\/+$/, "");
}

/** What separates cached answers by origin: empty when the origin is configured. */
export function originCacheScope(publicUrl: string | undefined, requestUrl: string): string {
  return publicUrl ? "" : new URL(requestUrl).host.toLowerCase();
}

// Admin writes change what the public answers say: forget the cached copies here, so the
// admin sees the change at once. Other locations converge within the cache TTLs.
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.ts";
import { statusPageCaches } from "../status-page/routes.tsx";
import { cacheNames, purge } from "./edge-cache.ts";
import { HEALTH_CACHE, STATUS_CACHE } from "./public-policies.ts";

/** Every cached public answer, every version of each. */
export function publicCaches(): string[] {
  return [STATUS_CACHE, HEALTH_CACHE, ...statusPageCaches()].flatMap(cacheNames);
}

export const purgeOnWrite = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  if (c.req.method !== "GET" && c.req.method !== "HEAD" && c.res.status < 400) await purge(c, publicCaches());
});

/**
 * The console answers a change with a redirect (303) and everything else (a preview, a
 * trial evaluation, a form with errors) with a page: only a change forgets cached answers.
 */
export const purgeAfterConsoleChange = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  if (c.req.method === "POST" && c.res.status === 303 && !c.req.path.startsWith("/admin/sign-")) await purge(c, publicCaches());
});

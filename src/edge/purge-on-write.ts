// Admin writes change what the public answers say: forget the cached copies here, so the
// admin sees the change at once. Other locations converge within the cache TTLs.
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.ts";
import { purge } from "./edge-cache.ts";
import { PUBLIC_CACHES } from "./public-policies.ts";

export const purgeOnWrite = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  if (c.req.method !== "GET" && c.req.method !== "HEAD" && c.res.status < 400) await purge(c, PUBLIC_CACHES);
});

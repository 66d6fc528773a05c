// One structured line per request, with its id, so a request can be followed in Workers Logs.
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.ts";
import { logEvent } from "../lib/log.ts";

export const accessLog = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  logEvent("info", "request", {
    requestId: c.get("requestId"),
    method: c.req.method,
    path: c.req.path,
    status: c.res.status,
    durationMs: Date.now() - c.get("requestStartedAt"),
  });
});

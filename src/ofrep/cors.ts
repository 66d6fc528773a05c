// OFREP from browsers (the OpenFeature web SDK's OFREP provider on another origin): CORS
// answered before authentication, so the preflight (which carries no token) succeeds, on
// every answer including errors. Origins from OFREP_ALLOWED_ORIGINS (comma-separated, or
// "*", the default: the flag client token is the credential, no cookie is involved). The
// provider sends Authorization, Content-Type and If-None-Match, and must read ETag (for
// 304s) and Retry-After (to back off), which browsers hide unless exposed.
import { cors } from "hono/cors";
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../env.ts";

export const ofrepCors: MiddlewareHandler<AppEnv> = cors({
  origin: (origin, c) => {
    const origins = (c as unknown as Context<AppEnv>).get("config").ofrepAllowedOrigins;
    if (origins === "*") return "*";
    return origins.includes(origin) ? origin : null;
  },
  allowMethods: ["GET", "POST", "OPTIONS"],
  allowHeaders: ["Authorization", "Content-Type", "If-None-Match"],
  exposeHeaders: ["ETag", "Retry-After", "RateLimit", "RateLimit-Policy", "X-Request-Id"],
  maxAge: 86_400,
});

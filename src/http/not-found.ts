// Hono answers 404 for any unmatched method+path. A path that exists under another
// method deserves 405 with an Allow header instead, so the routes table is consulted.
import type { Context, Hono } from "hono";
import type { AppEnv } from "../env.ts";
import { failure } from "./envelope.ts";
import { isOfrepPath } from "../ofrep/errors.ts";

const OFREP_FLAG = "/ofrep/v1/evaluate/flags/";

type RouteTable = Pick<Hono, "routes">;

export function notFoundHandler(app: RouteTable) {
  let compiled: { pattern: RegExp; method: string }[] | undefined;
  return (c: Context<AppEnv>) => {
    compiled ??= app.routes.filter((r) => r.method !== "ALL").map((r) => ({ method: r.method, pattern: toRegExp(r.path) }));
    const allowed = new Set(compiled.filter((r) => r.pattern.test(c.req.path)).map((r) => r.method));
    const requestId = c.get("requestId");
    if (isOfrepPath(c.req.path)) return ofrepNotFound(c, allowed);
    if (allowed.size > 0) {
      if (allowed.has("GET")) allowed.add("HEAD");
      c.header("Allow", [...allowed].sort().join(", "));
      return c.json(failure("METHOD_NOT_ALLOWED", `${c.req.method} is not allowed on ${c.req.path}`, { requestId }), 405);
    }
    return c.json(failure("NOT_FOUND", `No route for ${c.req.method} ${c.req.path}`, { requestId }), 404);
  };
}

/** OFREP's shapes: a key with a slash (providers do not encode keys) is a flag that does not exist. */
function ofrepNotFound(c: Context<AppEnv>, allowed: Set<string>): Response {
  if (allowed.size > 0) {
    c.header("Allow", [...allowed].sort().join(", "));
    return c.json({ errorCode: "GENERAL", errorDetails: `${c.req.method} is not allowed on ${c.req.path}` }, 405);
  }
  if (c.req.path.startsWith(OFREP_FLAG)) {
    const key = c.req.path.slice(OFREP_FLAG.length);
    return c.json({ key, errorCode: "FLAG_NOT_FOUND", errorDetails: `No flag with key '${key}'` }, 404);
  }
  return c.json({ errorCode: "GENERAL", errorDetails: `No OFREP route for ${c.req.method} ${c.req.path}` }, 404);
}

function toRegExp(path: string): RegExp {
  const source = path
    .split("/")
    .map((part) => (part.startsWith(":") ? "[^/]+" : part === "*" ? ".*" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
    .join("/");
  // Exact, as the router matches: a trailing slash is another path (404), not another method.
  return new RegExp(`^${source}$`);
}

// Hands each request a lazily opened database and ends its pool once the response is out.
// Only the admin API, the operator console and the subscription routes (subscribe, confirm, unsubscribe) write:
// every other request (public answers, OFREP, docs) reads through DATABASE_READ_URL when
// it is configured — the read-only phs_reader role, which
// privileges and row-level security stop from writing anything.
import { createMiddleware } from "hono/factory";
import type { Config } from "../config.ts";
import type { AppEnv } from "../env.ts";
import { openDatabase, type DatabaseHandle } from "./client.ts";

const WRITES = ["/api/admin/", "/admin", "/subscribe", "/subscriptions/"];

/** The connection string a request to `path` uses. */
export function databaseUrlFor(path: string, config: Config): string | undefined {
  return WRITES.some((prefix) => path.startsWith(prefix)) || !config.databaseReadUrl ? config.databaseUrl : config.databaseReadUrl;
}

export const databasePerRequest = createMiddleware<AppEnv>(async (c, next) => {
  let handle: DatabaseHandle | undefined;
  const url = databaseUrlFor(c.req.path, c.get("config"));
  c.set("database", () => {
    handle ??= openDatabase({ DATABASE_URL: url, LOCAL_PG_RELAY: c.env.LOCAL_PG_RELAY });
    return handle.db;
  });
  try {
    await next();
  } finally {
    if (handle) c.executionCtx.waitUntil(handle.close());
  }
});

// Hands each request a lazily opened database and ends its pool once the response is out.
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.ts";
import { openDatabase, type DatabaseHandle } from "./client.ts";

export const databasePerRequest = createMiddleware<AppEnv>(async (c, next) => {
  let handle: DatabaseHandle | undefined;
  c.set("database", () => (handle ??= openDatabase(c.env)).db);
  try {
    await next();
  } finally {
    if (handle) c.executionCtx.waitUntil(handle.close());
  }
});

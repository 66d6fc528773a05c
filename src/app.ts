// The HTTP application: middleware, routes, the error envelope. Each domain brings its
// own routes; this file only puts them together.
import { OpenAPIHono } from "@hono/zod-openapi";
import { requestId } from "hono/request-id";
import { databasePerRequest } from "./db/middleware";
import { mountDocs } from "./docs/route";
import type { AppEnv } from "./env";
import { healthRoutes } from "./health/route";
import { handleError } from "./http/errors";
import { notFoundHandler } from "./http/not-found";
import { validationHook } from "./http/openapi";
import { statusRoutes } from "./status/route";

export function createApp() {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.use(async (c, next) => {
    c.set("requestStartedAt", Date.now());
    await next();
  });
  app.use(requestId());
  app.use(databasePerRequest);

  app.route("/", healthRoutes);
  app.route("/", statusRoutes);
  mountDocs(app);

  app.notFound(notFoundHandler(app));
  app.onError(handleError);
  return app;
}

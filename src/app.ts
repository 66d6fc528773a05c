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
import { requireAdmin } from "./auth/admin-auth";
import { auditRoutes } from "./audit/route";
import { allowListRoutes } from "./flags/routes/allow-lists";
import { flagRoutes } from "./flags/routes/flags";
import { rolloutRoutes } from "./flags/routes/rollouts";
import { ofrepRoutes } from "./ofrep/route";

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

  app.use("/api/admin/*", requireAdmin);
  app.route("/", flagRoutes);
  app.route("/", allowListRoutes);
  app.route("/", rolloutRoutes);
  app.route("/", auditRoutes);
  app.route("/", ofrepRoutes);
  mountDocs(app);

  app.notFound(notFoundHandler(app));
  app.onError(handleError);
  return app;
}

// The HTTP application: middleware, routes, the error envelope. Each domain brings its
// own routes; this file only puts them together.
import { OpenAPIHono } from "@hono/zod-openapi";
import { requestId } from "hono/request-id";
import { databasePerRequest } from "./db/middleware.ts";
import { mountDocs } from "./docs/route.ts";
import type { AppEnv } from "./env.ts";
import { healthRoutes } from "./health/route.ts";
import { handleError } from "./http/errors.ts";
import { notFoundHandler } from "./http/not-found.ts";
import { validationHook } from "./http/openapi.ts";
import { statusRoutes } from "./status/route.ts";
import { requireAdmin } from "./auth/admin-auth.ts";
import { auditRoutes } from "./audit/route.ts";
import { allowListRoutes } from "./flags/routes/allow-lists.ts";
import { flagRoutes } from "./flags/routes/flags.ts";
import { rolloutRoutes } from "./flags/routes/rollouts.ts";
import { ofrepRoutes } from "./ofrep/route.ts";

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

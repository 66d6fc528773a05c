// The HTTP application: middleware, routes, the error envelope. Each domain brings its
// own routes; this file only puts them together.
import { OpenAPIHono } from "@hono/zod-openapi";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import { timing } from "hono/timing";
import { auditRoutes } from "./audit/routes.ts";
import { requireAdmin } from "./auth/admin-auth.ts";
import { databasePerRequest } from "./db/middleware.ts";
import { mountDocs } from "./docs/routes.ts";
import { configOf } from "./config.ts";
import { consoleRoutes } from "./console/routes.tsx";
import { purgeAfterConsoleChange, purgeOnWrite } from "./edge/purge-on-write.ts";
import { publicLimit, rateLimit } from "./edge/rate-limit.ts";
import type { AppEnv } from "./env.ts";
import { whitelistRoutes } from "./flags/whitelist-routes.ts";
import { flagRoutes } from "./flags/routes.ts";
import { rolloutRoutes } from "./flags/rollout-routes.ts";
import { signalRoutes } from "./signals/routes.ts";
import { healthRoutes } from "./health/routes.ts";
import { accessLog } from "./http/access-log.ts";
import { limitBody, rejectDuplicateKeys } from "./http/body-guard.ts";
import { publicCors } from "./http/public-cors.ts";
import { handleError } from "./http/errors.ts";
import { notFoundHandler } from "./http/not-found.ts";
import { validationHook } from "./http/openapi.ts";
import { setLogLevel } from "./lib/log.ts";
import { incidentRoutes } from "./incidents/routes.ts";
import { maintenanceRoutes } from "./maintenance/routes.ts";
import { ofrepRoutes } from "./ofrep/routes.ts";
import { reportRoutes } from "./reports/routes.ts";
import { registerStatusPageDocs } from "./status-page/openapi.ts";
import { statusPageRoutes } from "./status-page/routes.tsx";
import { statusRoutes } from "./status/routes.ts";
import { subscriberAdminRoutes } from "./subscriptions/admin-routes.ts";
import { registerSubscriptionDocs } from "./subscriptions/openapi.ts";
import { subscriptionRoutes } from "./subscriptions/routes.tsx";

export function createApp() {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  // Liveness, and the benchmark's baseline: registered first, so no middleware runs for it.
  app.get("/api/ping", (c) => c.text("pong"));
  app.use(requestId());
  // The configuration, parsed and checked once per environment; a malformed value fails
  // every request with CONFIGURATION_ERROR, and the log names the setting.
  app.use(async (c, next) => {
    c.set("requestStartedAt", Date.now());
    const config = configOf(c.env);
    c.set("config", config);
    setLogLevel(config.logLevel);
    await next();
  });
  app.use(accessLog);
  app.use(timing({ totalDescription: "total" }));
  // Public answers may be embedded by status pages on other origins (CORP cross-origin);
  // admin answers need a bearer token, which no cross-origin embed can send.
  app.use(secureHeaders({ crossOriginResourcePolicy: "cross-origin" }));
  app.use(databasePerRequest);

  // Public endpoints: readable from any origin, limited per client, cached at the edge.
  app.use("/api/portal/*", publicCors);
  app.use("/api/portal/health", rateLimit({ scope: "health", limit: publicLimit }));
  app.use("/api/portal/status", rateLimit({ scope: "status", limit: publicLimit }));
  app.route("/", healthRoutes);
  app.route("/", statusRoutes);

  app.use("/api/admin/*", requireAdmin, limitBody, rejectDuplicateKeys, purgeOnWrite);
  app.route("/", flagRoutes);
  app.route("/", whitelistRoutes);
  app.route("/", rolloutRoutes);
  app.route("/", signalRoutes);
  app.route("/", maintenanceRoutes);
  app.route("/", incidentRoutes);
  app.route("/", reportRoutes);
  app.route("/", auditRoutes);
  app.route("/", subscriberAdminRoutes);
  // The operator console: the same domain functions, signed in by Access or a session.
  app.use("/admin/*", purgeAfterConsoleChange);
  app.route("/admin", consoleRoutes());
  app.route("/", ofrepRoutes);
  app.route("/", statusPageRoutes());
  registerStatusPageDocs(app.openAPIRegistry);
  app.route("/", subscriptionRoutes);
  registerSubscriptionDocs(app.openAPIRegistry);
  mountDocs(app);

  app.notFound(notFoundHandler(app));
  app.onError(handleError);
  return app;
}

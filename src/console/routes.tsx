/** @jsxImportSource hono/jsx */
// The operator console at /admin: signing in, then flags, maintenance, incidents, health
// and the audit log. Server-rendered pages and plain forms; every change goes through the
// admin API's domain functions.
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppEnv } from "../env.ts";
import { handleError } from "../http/errors.ts";
import { consoleAuditRoutes } from "./audit-routes.tsx";
import { consoleFlagRoutes } from "./flag-routes.tsx";
import { consoleHealthRoutes } from "./health-routes.tsx";
import { consoleHeaders, requireConsoleUser } from "./identity.ts";
import { consoleIncidentRoutes } from "./incident-routes.tsx";
import { problemPage } from "./layout.tsx";
import { consoleMaintenanceRoutes } from "./maintenance-routes.tsx";
import { consoleSignInRoutes, consoleSignOutRoute } from "./sign-in.tsx";

/** Room for a whitelist of 10,000 ids pasted at once. */
const MAX_FORM_BYTES = 512 * 1024;

export function consoleRoutes() {
  const app = new Hono<AppEnv>();
  app.use(consoleHeaders);
  app.use(
    bodyLimit({ maxSize: MAX_FORM_BYTES, onError: (c) => problemPage(c, 413, "Too much at once", "The form is larger than 512 KiB. Nothing was changed.") }),
  );
  app.route("/", consoleSignInRoutes);
  app.use(requireConsoleUser);
  app.get("/", (c) => c.redirect("/admin/flags", 303));
  app.route("/", consoleSignOutRoute);
  app.route("/", consoleFlagRoutes);
  app.route("/", consoleMaintenanceRoutes);
  app.route("/", consoleIncidentRoutes);
  app.route("/", consoleHealthRoutes);
  app.route("/", consoleAuditRoutes);
  // The API's error handling (logging, the database-unavailable answer), shown as a page.
  app.onError((error, c) => {
    const answer = handleError(error, c);
    const retry = answer.headers.get("Retry-After");
    if (retry) c.header("Retry-After", retry);
    const message =
      answer.status === 503
        ? "The database is unavailable; try again shortly. Nothing was changed."
        : `Something went wrong (request ${c.get("requestId")}). Nothing was changed.`;
    return problemPage(c, answer.status === 503 ? 503 : 500, answer.status === 503 ? "Unavailable" : "Error", message);
  });
  return app;
}

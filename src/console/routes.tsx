/** @jsxImportSource hono/jsx */
// The operator console at /admin: signing in, then flags, maintenance, incidents, health
// and the audit log. Server-rendered pages and plain forms; every change goes through the
// admin API's domain functions.
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.ts";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { isRefusedAsData } from "../db/failure-kinds.ts";
import { handleError } from "../http/errors.ts";
import { isLoopbackHost } from "../lib/loopback.ts";
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

/**
 * Over HTTPS only: a token or a session must never cross the network in clear. Plain HTTP
 * is answered only on a loopback host (the dev server); elsewhere a page is sent to HTTPS
 * and a form post refused.
 */
const requireHttps = createMiddleware<AppEnv>(async (c, next) => {
  const url = new URL(c.req.url);
  if (url.protocol === "https:" || isLoopbackHost(url.hostname)) return next();
  if (c.req.method === "GET" || c.req.method === "HEAD") {
    url.protocol = "https:";
    return c.redirect(url.toString(), 308);
  }
  return problemPage(c, 403, "Use HTTPS", "The console takes forms over HTTPS only. Nothing was changed.");
});

export function consoleRoutes() {
  const app = new Hono<AppEnv>();
  app.use(consoleHeaders);
  app.use(requireHttps);
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
  // A person who follows a stale link gets a page, not the API's JSON (after sign-in, so
  // nobody learns which console paths exist without it).
  app.all("*", (c) => problemPage(c, 404, "Not found", "There is no console page here."));
  // The API's error handling (logging, the database-unavailable answer), shown as a page.
  app.onError((error, c) => {
    // Text the database cannot store (a NUL, say) is the sender's mistake, not ours.
    if (isRefusedAsData(error))
      return problemPage(c, 400, "Not accepted", "The database refused what was sent (a character it cannot store?). Nothing was changed.");
    const answer = handleError(error, c);
    const retry = answer.headers.get("Retry-After");
    if (retry) c.header("Retry-After", retry);
    if (answer.status === 503) return problemPage(c, 503, "Unavailable", "The database is unavailable; try again shortly. Nothing was changed.");
    if (answer.status < 500) return problemPage(c, answer.status as ContentfulStatusCode, "Not accepted", `${error.message} Nothing was changed.`);
    return problemPage(c, 500, "Error", `Something went wrong (request ${c.get("requestId")}). Nothing was changed.`);
  });
  return app;
}

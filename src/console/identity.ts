// Who is using the console, on every console request: a Cloudflare Access identity (the
// Cf-Access-Jwt-Assertion header, when Access is configured) or a signed session cookie
// from signing in with an admin token. Every form post must also carry the session's form
// token and, when the browser says where it comes from, come from this origin: a
// cross-site post is refused before anything is read or written.
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.ts";
import { logEvent } from "../lib/log.ts";
import { AccessRefused, verifyAccessAssertion } from "./access.ts";
import { rememberActorName } from "./actors.ts";
import { problemPage } from "./layout.tsx";
import { checkFormToken, decodeSession, encodeSession, formToken, renewal, sessionKey, type Session } from "./session.ts";

export interface ConsoleUser {
  actorId: string;
  /** An email (Access), or how the person signed in. */
  name: string;
  via: "access" | Session["via"];
  /** Goes in every form as _csrf. */
  formToken: string;
  /** What the form token is bound to: the session, or the Access identity. */
  formBinding: string;
}

export const FORM_TOKEN_FIELD = "_csrf";

/** The session cookie: `__Host-` and Secure over HTTPS; over plain HTTP only a loopback dev server answers. */
export function sessionCookie(c: Context<AppEnv>): { name: string; secure: boolean; path: string } {
  const secure = new URL(c.req.url).protocol === "https:";
  return secure ? { name: "__Host-phs_console", secure, path: "/" } : { name: "phs_console", secure, path: "/admin" };
}

export async function writeSession(c: Context<AppEnv>, key: CryptoKey, session: Session): Promise<void> {
  const cookie = sessionCookie(c);
  setCookie(c, cookie.name, await encodeSession(key, session), {
    httpOnly: true,
    secure: cookie.secure,
    sameSite: "Strict",
    path: cookie.path,
    maxAge: Math.max(0, session.exp - Math.floor(Date.now() / 1000)),
  });
}

export function clearSession(c: Context<AppEnv>): void {
  const cookie = sessionCookie(c);
  deleteCookie(c, cookie.name, { path: cookie.path, secure: cookie.secure, httpOnly: true, sameSite: "Strict" });
}

/** A deterministic actor id for an Access email (a UUIDv8 from its SHA-256), so the same person is the same actor everywhere. */
export async function actorIdForEmail(email: string): Promise<string> {
  const bytes = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`cloudflare-access:${email}`))).slice(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * A post from another site, as the browser tells it: Sec-Fetch-Site when sent (every
 * current browser), else Origin. Origin is "null" under the no-referrer policy these pages
 * carry, so it decides only when it names an origin. A client that says neither (curl) still
 * needs the form token.
 */
export function isCrossSite(c: Context<AppEnv>): boolean {
  const site = c.req.header("sec-fetch-site");
  if (site) return site !== "same-origin" && site !== "none";
  const origin = c.req.header("origin");
  return origin !== undefined && origin !== "null" && origin !== new URL(c.req.url).origin;
}

const isRead = (method: string) => method === "GET" || method === "HEAD";

/** Admin pages are never cached anywhere, never framed and never indexed. */
export const consoleHeaders = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  c.header("Cache-Control", "no-store, private");
  c.header("X-Robots-Tag", "noindex, nofollow");
  c.header(
    "Content-Security-Policy",
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  );
});

export const requireConsoleUser = createMiddleware<AppEnv>(async (c, next) => {
  const config = c.get("config");
  const key = sessionKey(config);
  if (!key) {
    return problemPage(c, 503, "The console is not configured", "Set CONSOLE_SESSION_KEY (or ADMIN_TOKENS) to use the operator console; see docs/deploy.md.");
  }
  const user = await identify(c, await key);
  if (user instanceof Response) return user;
  if (!isRead(c.req.method)) {
    if (isCrossSite(c)) {
      logEvent("warn", "console_cross_site_post", { requestId: c.get("requestId"), path: c.req.path });
      return problemPage(c, 403, "Refused", "This form was sent from another site. Nothing was changed.");
    }
    const body = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    if (!(await checkFormToken(await key, user.formBinding, (body as Record<string, unknown>)[FORM_TOKEN_FIELD]))) {
      return problemPage(c, 403, "The form has expired", "Reload the page and try again. Nothing was changed.");
    }
  }
  c.set("consoleUser", user);
  c.set("actorId", user.actorId);
  await next();
});

async function identify(c: Context<AppEnv>, key: CryptoKey): Promise<ConsoleUser | Response> {
  const config = c.get("config");
  const assertion = c.req.header("cf-access-jwt-assertion");
  if (config.console.access && assertion) {
    try {
      const { email } = await verifyAccessAssertion(assertion, config.console.access, fetch);
      const actorId = await actorIdForEmail(email);
      c.executionCtx.waitUntil(rememberActorName(c.get("database")(), actorId, email, new Date()));
      const formBinding = `access:${email}`;
      return { actorId, name: email, via: "access", formToken: await formToken(key, formBinding), formBinding };
    } catch (error) {
      if (!(error instanceof AccessRefused)) throw error;
      logEvent("warn", "console_access_refused", { requestId: c.get("requestId"), reason: error.message });
      return problemPage(c, 403, "Access refused", `Cloudflare Access signed you in, but ${error.message}. Nothing was changed.`);
    }
  }
  const now = Math.floor(Date.now() / 1000);
  const session = await decodeSession(key, getCookie(c, sessionCookie(c).name), now);
  if (!session) {
    if (getCookie(c, sessionCookie(c).name)) clearSession(c);
    if (isRead(c.req.method)) return c.redirect(`/admin/sign-in?next=${encodeURIComponent(c.req.path)}`, 303);
    return problemPage(c, 401, "Signed out", "Your session has ended. Sign in again; nothing was changed.");
  }
  const renewed = renewal(session, config.console.sessionMinutes, now);
  if (renewed) await writeSession(c, key, renewed);
  const formBinding = `session:${session.sid}`;
  return { actorId: session.sub, name: session.name, via: session.via, formToken: await formToken(key, formBinding), formBinding };
}

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
import { configuredAdminTokens, UUID } from "../auth/tokens.ts";
import { isLoopbackHost } from "../lib/loopback.ts";
import { consoleCookie } from "./cookies.ts";
import { AccessRefused, AccessUnavailable, verifyAccessAssertion } from "./access.ts";
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
  /** What a form token may be bound to: the session, or the Access identity and the current or last half-day. */
  formBindings: string[];
}

/** A short, non-reversible name for a token's digest: what a session remembers of the token it came from. */
export const tokenFingerprint = (digest: ArrayBuffer) => [...new Uint8Array(digest).slice(0, 16)].map((b) => b.toString(16).padStart(2, "0")).join("");

/** The dev server's one-click developer, when this request may use it: set, and asked for on a loopback host. */
export function developerActor(c: Context<AppEnv>): string | null {
  const actor = c.env.CONSOLE_DEV_ACTOR;
  return actor && UUID.test(actor) && isLoopbackHost(new URL(c.req.url).hostname) ? actor.toLowerCase() : null;
}

/**
 * Whether what signed the session in still may: its admin token is still configured for
 * the same actor (removing a token from ADMIN_TOKENS ends its sessions at once), or the
 * developer sign-in is still on for this host.
 */
async function stillAuthorized(c: Context<AppEnv>, session: Session): Promise<boolean> {
  if (session.via === "developer") return developerActor(c) === session.sub;
  const entries = await configuredAdminTokens(c.get("config").adminTokens);
  return entries.some((entry) => entry.value === session.sub && tokenFingerprint(entry.digest) === session.tok);
}

// An Access identity's form tokens change every twelve hours; a page stays usable across one change.
const FORM_TOKEN_PERIOD_S = 12 * 3600;

export const FORM_TOKEN_FIELD = "_csrf";
/** Checkbox groups: the only fields a console form sends more than once. */
const MULTI_VALUE_FIELDS = new Set(["components", "dependsOn"]);

const sessionCookie = (c: Context<AppEnv>) => consoleCookie(c, "phs_console");

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
    const body = (await c.req.parseBody({ all: true }).catch(() => ({}))) as Record<string, unknown>;
    // As the admin API refuses them: bytes that are not UTF-8 (they decode to U+FFFD), and a
    // field sent twice that takes one value.
    const values = Object.entries(body);
    if (values.some(([, v]) => [v].flat().some((x) => typeof x === "string" && x.includes("\uFFFD")))) {
      return problemPage(c, 400, "Not accepted", "The form was not valid UTF-8. Nothing was changed.");
    }
    const repeated = values.find(([name, v]) => Array.isArray(v) && !MULTI_VALUE_FIELDS.has(name));
    if (repeated) return problemPage(c, 400, "Not accepted", `The form sent ${repeated[0]} more than once. Nothing was changed.`);
    const presented = body[FORM_TOKEN_FIELD];
    const valid = await Promise.all(user.formBindings.map(async (binding) => checkFormToken(await key, binding, presented)));
    if (!valid.includes(true)) {
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
      const period = Math.floor(Date.now() / 1000 / FORM_TOKEN_PERIOD_S);
      const formBindings = [`access:${email}:${period}`, `access:${email}:${period - 1}`];
      return { actorId, name: email, via: "access", formToken: await formToken(key, formBindings[0]!), formBindings };
    } catch (error) {
      if (error instanceof AccessUnavailable) {
        logEvent("error", "console_access_keys_unavailable", { requestId: c.get("requestId"), reason: error.message });
        c.header("Retry-After", "30");
        return problemPage(
          c,
          503,
          "Sign-in unavailable",
          "The Cloudflare Access signing keys cannot be fetched just now; try again shortly. Nothing was changed.",
        );
      }
      if (!(error instanceof AccessRefused)) throw error;
      logEvent("warn", "console_access_refused", { requestId: c.get("requestId"), reason: error.message });
      return problemPage(c, 403, "Access refused", `Cloudflare Access signed you in, but ${error.message}. Nothing was changed.`);
    }
  }
  const now = Math.floor(Date.now() / 1000);
  const decoded = await decodeSession(key, getCookie(c, sessionCookie(c).name), now);
  const session = decoded && (await stillAuthorized(c, decoded)) ? decoded : null;
  if (!session) {
    if (getCookie(c, sessionCookie(c).name)) clearSession(c);
    if (isRead(c.req.method)) return c.redirect(`/admin/sign-in?next=${encodeURIComponent(c.req.path)}`, 303);
    return problemPage(c, 401, "Signed out", "Your session has ended. Sign in again; nothing was changed.");
  }
  const renewed = renewal(session, config.console.sessionMinutes, now);
  if (renewed) await writeSession(c, key, renewed);
  const formBinding = `session:${session.sid}`;
  return { actorId: session.sub, name: session.name, via: session.via, formToken: await formToken(key, formBinding), formBindings: [formBinding] };
}

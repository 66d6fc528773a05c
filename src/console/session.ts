// Console sessions: a cookie holding who signed in and until when, signed with HMAC-SHA256,
// and the form token (CSRF) bound to the session. Nothing is stored server-side, so the
// key is what makes a session: CONSOLE_SESSION_KEY, or, when unset, a key derived from
// ADMIN_TOKENS — rotating the admin tokens then signs every console session out.
import type { Config } from "../config.ts";

export interface Session {
  /** The actor id the changes are recorded under. */
  sub: string;
  /** Shown in the console and the audit log. */
  name: string;
  via: "token" | "developer";
  /** For a token sign-in: the token's fingerprint, so the session ends when the token is removed. */
  tok?: string;
  /** A random id: binds the form token to this session. */
  sid: string;
  /** Epoch seconds of the sign-in; a session is never renewed past MAX_SESSION_HOURS after it. */
  auth: number;
  /** Epoch seconds the session ends, unless renewed by use. */
  exp: number;
}

export const MAX_SESSION_HOURS = 12;
const encoder = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();

/** The signing key, or null when the console has nothing to sign with. */
export function sessionKey(config: Config): Promise<CryptoKey> | null {
  const material = config.console.sessionKey ?? (config.adminTokens ? `admin-tokens:${config.adminTokens}` : undefined);
  if (!material) return null;
  let key = keys.get(material);
  if (!key) {
    key = crypto.subtle.importKey("raw", encoder.encode(`phs-console-v1\u0000${material}`), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
    if (keys.size > 8) keys.clear();
    keys.set(material, key);
  }
  return key;
}

const base64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");

function fromBase64url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  try {
    const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
  } catch {
    return null;
  }
}

async function mac(key: CryptoKey, purpose: string, data: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(`${purpose}\u0000${data}`)));
}

export async function encodeSession(key: CryptoKey, session: Session): Promise<string> {
  const body = base64url(encoder.encode(JSON.stringify(session)));
  return `${body}.${base64url(await mac(key, "session", body))}`;
}

/** The session the cookie holds, if its signature is ours and it has not ended. */
export async function decodeSession(key: CryptoKey, cookie: string | undefined, nowSeconds: number): Promise<Session | null> {
  if (!cookie || cookie.length > 2048) return null;
  const [body, signature, extra] = cookie.split(".");
  if (!body || !signature || extra !== undefined) return null;
  const presented = fromBase64url(signature);
  if (!presented) return null;
  const valid = await crypto.subtle.verify("HMAC", key, presented, encoder.encode(`session\u0000${body}`));
  if (!valid) return null;
  let session: Session;
  try {
    session = JSON.parse(new TextDecoder().decode(fromBase64url(body) ?? new Uint8Array()));
  } catch {
    return null;
  }
  if (typeof session.exp !== "number" || typeof session.auth !== "number" || typeof session.sub !== "string" || typeof session.sid !== "string") return null;
  if (session.exp <= nowSeconds || session.auth + MAX_SESSION_HOURS * 3600 <= nowSeconds) return null;
  return session;
}

export function newSession(actor: { sub: string; name: string; via: Session["via"]; tok?: string }, minutes: number, nowSeconds: number): Session {
  const sid = base64url(crypto.getRandomValues(new Uint8Array(16)));
  return { ...actor, sid, auth: nowSeconds, exp: nowSeconds + minutes * 60 };
}

/** Renewed while in use: once less than half its time is left, within the absolute limit. */
export function renewal(session: Session, minutes: number, nowSeconds: number): Session | null {
  if (session.exp - nowSeconds > (minutes * 60) / 2) return null;
  return { ...session, exp: Math.min(nowSeconds + minutes * 60, session.auth + MAX_SESSION_HOURS * 3600) };
}

/** The form token of a session (or an Access identity): only the key's holder can make it. */
export async function formToken(key: CryptoKey, binding: string): Promise<string> {
  return base64url(await mac(key, "form", binding));
}

export async function checkFormToken(key: CryptoKey, binding: string, presented: unknown): Promise<boolean> {
  if (typeof presented !== "string") return false;
  const bytes = fromBase64url(presented);
  if (!bytes) return false;
  return crypto.subtle.verify("HMAC", key, bytes, encoder.encode(`form\u0000${binding}`));
}

// What proves a link came from us, without storing anything: HMAC-SHA256 under the
// SUBSCRIPTION_KEY secret. A confirmation token names the subscriber and expires; an
// unsubscribe token names the subscriber and never does (an old email must still work);
// a webhook's signing secret is derived from the subscriber's id, so it is shown once (in
// the confirmation sent to that URL) and never stored.
const encoder = new TextEncoder();

async function hmac(key: string, message: string): Promise<Uint8Array> {
  const cryptoKey = await crypto.subtle.importKey("raw", encoder.encode(key), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, encoder.encode(message)));
}

const base64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");

function equal(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

export type TokenPurpose = "confirm" | "unsubscribe";

/** `<subscriber id>.<expiry, epoch seconds or 0>.<signature>` */
export async function signToken(key: string, purpose: TokenPurpose, subscriberId: string, expiresAt?: Date): Promise<string> {
  const expiry = expiresAt ? Math.floor(expiresAt.getTime() / 1000) : 0;
  const body = `${subscriberId}.${expiry}`;
  return `${body}.${base64url((await hmac(key, `${purpose}:${body}`)).slice(0, 18))}`;
}

/** The subscriber a token names, or null when it is forged, malformed or expired. */
export async function verifyToken(key: string, purpose: TokenPurpose, token: string, now: Date): Promise<string | null> {
  const match = /^([0-9a-f-]{36})\.(\d{1,12})\.([A-Za-z0-9_-]{24})$/.exec(token);
  if (!match) return null;
  const [, id, expiry, signature] = match;
  const expected = base64url((await hmac(key, `${purpose}:${id}.${expiry}`)).slice(0, 18));
  if (!equal(signature!, expected)) return null;
  if (expiry !== "0" && Number(expiry) * 1000 < now.getTime()) return null;
  return id!;
}

/** A webhook subscriber's signing secret, as Stripe formats one. */
export async function webhookSecret(key: string, subscriberId: string): Promise<string> {
  return `whsec_${base64url(await hmac(key, `webhook:${subscriberId}`))}`;
}

/**
 * The signature header of a webhook delivery: `t=<unix seconds>,v1=<hex HMAC-SHA256 of
 * "<t>.<body>" under the secret>`, Stripe's scheme, so Stripe's own verifiers accept it.
 */
export async function signatureHeader(secret: string, body: string, at: Date): Promise<string> {
  const t = Math.floor(at.getTime() / 1000);
  return `t=${t},v1=${hex(await hmac(secret, `${t}.${body}`))}`;
}

// The vendor probes, each a cheap authenticated read, as the spec names them ("Health
// Check Process"): Stripe's balance, Twilio's account, Resend's domains. Each declares the
// settings it needs by their environment names; the configuration reads them. The vendor's
// API base is part of the vendor, so its default is here (the environment may override it:
// the dev server and tests point it at local fakes); credentials are secrets, and a probe
// whose credentials are missing reports the component "not configured".
export interface VendorRequest {
  url: string;
  headers: Record<string, string>;
}

export interface VendorSettings {
  base: string;
  credentials: Record<string, string | undefined>;
}

export interface VendorProbe {
  /** Environment names (the API's base URL, the credentials it needs) and the base's default. */
  settings: { base: string; defaultBase: string; credentials: readonly string[] };
  /** The request to make (credentials all present). */
  request(base: string, credentials: Record<string, string>): VendorRequest;
  /** Whether a 2xx body really is the vendor's answer, not a captive portal or a proxy page. */
  looksRight(body: unknown): boolean;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;

export const stripeProbe: VendorProbe = {
  settings: { base: "STRIPE_API_BASE", defaultBase: "https://api.stripe.com", credentials: ["STRIPE_SECRET_KEY"] },
  request: (base, { STRIPE_SECRET_KEY }) => ({ url: `${base}/v1/balance`, headers: { authorization: `Bearer ${STRIPE_SECRET_KEY}` } }),
  looksRight: (body) => isObject(body) && body.object === "balance",
};

export const twilioProbe: VendorProbe = {
  settings: { base: "TWILIO_API_BASE", defaultBase: "https://api.twilio.com", credentials: ["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"] },
  request: (base, { TWILIO_ACCOUNT_SID: sid, TWILIO_AUTH_TOKEN: token }) => ({
    url: `${base}/2010-04-01/Accounts/${encodeURIComponent(sid!)}.json`,
    headers: { authorization: `Basic ${btoa(`${sid}:${token}`)}` },
  }),
  looksRight: (body) => isObject(body) && typeof body.sid === "string",
};

export const resendProbe: VendorProbe = {
  settings: { base: "RESEND_API_BASE", defaultBase: "https://api.resend.com", credentials: ["RESEND_API_KEY"] },
  request: (base, { RESEND_API_KEY }) => ({ url: `${base}/domains`, headers: { authorization: `Bearer ${RESEND_API_KEY}` } }),
  looksRight: (body) => isObject(body) && Array.isArray(body.data),
};

// The three vendor probes: each a cheap authenticated read, as the spec names them.
import type { Env } from "../env.ts";
import { ProbeFailure } from "./probe.ts";

export type VendorComponent = "stripe" | "twilio" | "email";

export interface VendorRequest {
  url: string;
  headers: Record<string, string>;
}

export interface VendorProbe {
  component: VendorComponent;
  /** The request to make, or why it cannot be made (missing credentials). */
  request(env: Env): VendorRequest | { missing: string[] };
  /** Whether a 2xx body really is the vendor's answer, not a captive portal or a proxy page. */
  looksRight(body: unknown): boolean;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;
const base = (url: string | undefined, fallback: string) => (url ?? fallback).replace(/\/+$/, "");
const missing = (env: Env, keys: (keyof Env)[]) => keys.filter((k) => !env[k]);

export const VENDOR_PROBES: VendorProbe[] = [
  {
    component: "stripe",
    request(env) {
      const absent = missing(env, ["STRIPE_SECRET_KEY"]);
      if (absent.length) return { missing: absent };
      return {
        url: `${base(env.STRIPE_API_BASE, "https://api.stripe.com")}/v1/balance`,
        headers: { authorization: `Bearer ${env.STRIPE_SECRET_KEY}` },
      };
    },
    looksRight: (body) => isObject(body) && body.object === "balance",
  },
  {
    component: "twilio",
    request(env) {
      const absent = missing(env, ["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"]);
      if (absent.length) return { missing: absent };
      const sid = env.TWILIO_ACCOUNT_SID!;
      return {
        url: `${base(env.TWILIO_API_BASE, "https://api.twilio.com")}/2010-04-01/Accounts/${encodeURIComponent(sid)}.json`,
        headers: { authorization: `Basic ${btoa(`${sid}:${env.TWILIO_AUTH_TOKEN}`)}` },
      };
    },
    looksRight: (body) => isObject(body) && typeof body.sid === "string",
  },
  {
    component: "email",
    request(env) {
      const absent = missing(env, ["RESEND_API_KEY"]);
      if (absent.length) return { missing: absent };
      return {
        url: `${base(env.RESEND_API_BASE, "https://api.resend.com")}/domains`,
        headers: { authorization: `Bearer ${env.RESEND_API_KEY}` },
      };
    },
    looksRight: (body) => isObject(body) && Array.isArray(body.data),
  },
];

export async function callVendor(probe: VendorProbe, env: Env, fetcher: typeof fetch, signal: AbortSignal): Promise<void> {
  const request = probe.request(env);
  if ("missing" in request) throw new ProbeFailure(`not configured: ${request.missing.join(", ")} not set`);
  const response = await fetcher(request.url, { headers: { ...request.headers, accept: "application/json" }, signal });
  if (!response.ok) {
    await response.body?.cancel();
    throw new ProbeFailure(`HTTP ${response.status} from ${probe.component}`);
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    throw new ProbeFailure(`unreadable answer from ${probe.component}`);
  }
  if (!probe.looksRight(body)) throw new ProbeFailure(`unexpected answer from ${probe.component}`);
}

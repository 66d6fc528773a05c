// Whether this deployment offers subscriptions, and what sending needs. Off unless
// SUBSCRIPTION_KEY (which signs links and webhooks) and PUBLIC_URL (where links point:
// never the Host a request happened to send) are both set; email needs NOTIFY_FROM and
// Resend's key as well, webhooks and Slack do not.
import type { Config } from "../config.ts";
import type { Site } from "./messages.ts";
import type { ResendSettings } from "./send.ts";

export interface SubscriptionSettings {
  key: string;
  site: Site;
  resend: ResendSettings;
  /** Messages sent per cron run (one a minute). */
  perMinute: number;
  /** Resend's request rate: batch calls are paced to it. */
  emailRequestsPerSecond: number;
  /** Whether email is offered (a sender and Resend's key are configured). */
  email: boolean;
}

export function subscriptionSettings(config: Config): SubscriptionSettings | null {
  const { key, from, perMinute, emailRequestsPerSecond } = config.subscriptions;
  if (!key || !config.publicUrl) return null;
  const vendor = config.vendors.email;
  const resend: ResendSettings = { base: vendor?.base ?? "https://api.resend.com", apiKey: vendor?.credentials.RESEND_API_KEY, from };
  return {
    key,
    site: { title: config.statusPageTitle, url: config.publicUrl },
    resend,
    perMinute,
    emailRequestsPerSecond,
    email: Boolean(resend.apiKey && resend.from),
  };
}

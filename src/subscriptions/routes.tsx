// The public side of subscriptions: the status page's subscribe form posts here (and
// programs may post JSON), confirmation links land here, and unsubscribe links — one
// click from a mail client (RFC 8058), or a button on the page a link opens. Limited per
// client; every subscribe answer is the same whether or not the address was known.
import { sql } from "drizzle-orm";
import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { FC } from "hono/jsx";
import { z } from "zod";
import { componentIds } from "../components/components.ts";
import { openDatabase } from "../db/client.ts";
import type { AppEnv } from "../env.ts";
import { rateLimit } from "../edge/rate-limit.ts";
import { failure } from "../http/envelope.ts";
import { utf8Body } from "../http/body-guard.ts";
import { ApiError } from "../http/errors.ts";
import { Text } from "../http/input.ts";
import { isLoopbackHost } from "../lib/loopback.ts";
import { failureDetail } from "../lib/failure-category.ts";
import { logEvent } from "../lib/log.ts";
import { confirm, sendConfirmation, subscribe, unsubscribe, type SubscriptionRequest } from "./subscribe.ts";
import { subscriptionSettings, type SubscriptionSettings } from "./settings.ts";
import { verifyToken } from "./tokens.ts";

const MAX_BODY = 8 * 1024;
const SAME_ANSWER = "If that address can receive our messages, a confirmation is on its way. Nothing is sent until it is confirmed.";

const Email = z
  .string()
  .trim()
  .toLowerCase()
  .max(254)
  .regex(/^[^\s@<>(),;:"[\]\\]+@[^\s@<>(),;:"[\]\\]+\.[^\s@<>(),;:"[\]\\]+$/, "is not an email address");
/** A webhook's URL as the WHATWG parser writes it (ASCII: punycode host, percent-escapes). */
const HookUrl = z
  .string()
  .trim()
  .max(2048)
  .transform((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: "custom", message: "must be an https URL" });
      return z.NEVER;
    }
    // https anywhere; plain http only to this machine (a local receiver while developing).
    if (!(url.protocol === "https:" || (url.protocol === "http:" && isLoopbackHost(url.hostname.replace(/^\[|\]$/g, ""))))) {
      ctx.addIssue({ code: "custom", message: "must be an https URL" });
      return z.NEVER;
    }
    if (url.href.length > 2048) {
      ctx.addIssue({ code: "custom", message: "is too long once encoded (at most 2048 characters)" });
      return z.NEVER;
    }
    return url.href;
  });

const Request = z
  .object({
    channel: z.enum(["email", "webhook", "slack"]).default("email"),
    address: Text({ max: 2048, min: 3 }),
    components: z.array(z.enum(componentIds())).max(64).default([]),
  })
  // The address as it is stored: an email trimmed and lower-cased, a URL as its parser writes it.
  .transform((r, ctx): SubscriptionRequest => {
    const result = (r.channel === "email" ? Email : HookUrl).safeParse(r.address);
    if (!result.success) {
      ctx.addIssue({ code: "custom", path: ["address"], message: result.error.issues[0]!.message });
      return z.NEVER;
    }
    return { channel: r.channel, address: result.data, components: [...new Set(r.components)] };
  });

const smallBody = bodyLimit({
  maxSize: MAX_BODY,
  onError: () => {
    throw new ApiError(413, "PAYLOAD_TOO_LARGE", `The request body is over the ${MAX_BODY / 1024} KiB limit`);
  },
});
const limited = rateLimit({ scope: "subscribe", limit: (c) => c.get("config").subscriptions.subscribeRateLimitPerMinute });

const Shell: FC<{ title: string; children?: unknown }> = ({ title, children }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="robots" content="noindex" />
      <title>{title}</title>
      <style>
        {"body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5}button{font:inherit;padding:.4rem .9rem}"}
      </style>
    </head>
    <body>
      <main>{children as never}</main>
      <p>
        <a href="/">Back to the status page</a>
      </p>
    </body>
  </html>
);

const page = (c: Context<AppEnv>, status: 200 | 400 | 503, title: string, body: unknown) =>
  c.html(`<!doctype html>${(<Shell title={title}>{body}</Shell>).toString()}`, status, { "Cache-Control": "no-store" });

const wantsJson = (c: Context<AppEnv>) => (c.req.header("content-type") ?? "").toLowerCase().startsWith("application/json");

/** The form's fields (components may repeat) or a JSON object, as one shape. */
async function readRequest(c: Context<AppEnv>): Promise<unknown> {
  if (wantsJson(c)) {
    const text = await utf8Body(c);
    try {
      return JSON.parse(text);
    } catch {
      return null;
    }
  }
  // A body that is not a form (a multipart type without its boundary, say) reads as nothing.
  const form = await c.req.parseBody({ all: true }).catch(() => null);
  if (!form) return null;
  const list = (value: unknown) => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
  return {
    channel: form.channel ?? undefined,
    address: form.address ?? form.email,
    components: list(form.components),
  };
}

const invalidConfirmation = (c: Context<AppEnv>) => page(c, 400, "Subscribe", <p>This link is not valid any more. Subscribe again from the status page.</p>);

function off(c: Context<AppEnv>, json: boolean) {
  const message = "Subscriptions are not set up on this status page";
  return json ? c.json(failure("SUBSCRIPTIONS_OFF", message, { requestId: c.get("requestId") }), 503) : page(c, 503, "Subscriptions", <p>{message}.</p>);
}

export const subscriptionRoutes = new Hono<AppEnv>()
  .post("/subscribe", limited, smallBody, async (c) => {
    const json = wantsJson(c);
    const settings = subscriptionSettings(c.get("config"));
    if (!settings) return off(c, json);
    const parsed = Request.safeParse(await readRequest(c));
    if (!parsed.success || (parsed.data.channel === "email" && !settings.email)) {
      const issue = parsed.success ? null : parsed.error.issues[0];
      const message = issue ? `${issue.path.join(".") || "request"}: ${issue.message}` : "channel: email subscriptions are not offered here";
      return json
        ? c.json(failure("VALIDATION_ERROR", message, { requestId: c.get("requestId") }), 400)
        : page(c, 400, "Subscribe", <p>That did not work: {message}.</p>);
    }
    const now = new Date();
    const toConfirm = await subscribe(c.get("database")(), parsed.data, now);
    // Sent after the answer, so the answer (and its timing) is the same whatever was known.
    if (toConfirm) c.executionCtx.waitUntil(confirmAfterResponse(c, settings, toConfirm, now));
    return json ? c.json({ success: true, version: "v1", data: { message: SAME_ANSWER } }, 202) : page(c, 200, "Check your inbox", <p>{SAME_ANSWER}</p>);
  })
  // Confirming and unsubscribing both take a button press (a POST): mail scanners and
  // chat unfurlers open links, and must not confirm or unsubscribe anyone by doing so.
  .get("/subscriptions/confirm", async (c) => {
    const settings = subscriptionSettings(c.get("config"));
    if (!settings) return off(c, false);
    const token = c.req.query("token") ?? "";
    if (!(await verifyToken(settings.key, "confirm", token, new Date()))) return invalidConfirmation(c);
    return page(
      c,
      200,
      "Confirm your subscription",
      <form method="post" action={`/subscriptions/confirm?token=${encodeURIComponent(token)}`}>
        <p>Receive messages about incidents and maintenance on {settings.site.title}?</p>
        <button type="submit">Confirm subscription</button>
      </form>,
    );
  })
  .post("/subscriptions/confirm", smallBody, async (c) => {
    const settings = subscriptionSettings(c.get("config"));
    if (!settings) return off(c, false);
    const id = await verifyToken(settings.key, "confirm", c.req.query("token") ?? "", new Date());
    const outcome = id ? await confirm(c.get("database")(), id, new Date()) : "unknown";
    return outcome === "confirmed"
      ? page(c, 200, "Subscribed", <p>You are subscribed: we will tell you about incidents and maintenance. Every message has a link to unsubscribe.</p>)
      : invalidConfirmation(c);
  })
  .get("/subscriptions/unsubscribe", async (c) => {
    const settings = subscriptionSettings(c.get("config"));
    if (!settings) return off(c, false);
    const token = c.req.query("token") ?? "";
    if (!(await verifyToken(settings.key, "unsubscribe", token, new Date()))) return page(c, 400, "Unsubscribe", <p>This link is not valid.</p>);
    // A button rather than a GET that unsubscribes: link scanners open links, people press buttons.
    return page(
      c,
      200,
      "Unsubscribe",
      <form method="post" action={`/subscriptions/unsubscribe?token=${encodeURIComponent(token)}`}>
        <p>Stop receiving messages about incidents and maintenance?</p>
        <button type="submit">Unsubscribe</button>
      </form>,
    );
  })
  .post("/subscriptions/unsubscribe", smallBody, async (c) => {
    const settings = subscriptionSettings(c.get("config"));
    if (!settings) return off(c, false);
    const id = await verifyToken(settings.key, "unsubscribe", c.req.query("token") ?? "", new Date());
    if (!id) return page(c, 400, "Unsubscribe", <p>This link is not valid.</p>);
    await unsubscribe(c.get("database")(), id, new Date());
    return page(c, 200, "Unsubscribed", <p>You are unsubscribed: nothing more will be sent.</p>);
  });

async function confirmAfterResponse(
  c: Context<AppEnv>,
  settings: SubscriptionSettings,
  subscriber: Parameters<typeof sendConfirmation>[1],
  now: Date,
): Promise<void> {
  try {
    await sendConfirmation({ ...settings, fetch: (input, init) => fetch(input, init), now }, subscriber);
  } catch (error) {
    // The subscriber's id, never its address. A new request resends after an hour.
    logEvent("warn", "subscription_confirmation_failed", { subscriber: subscriber.id, detail: failureDetail(error) });
    const url = c.get("config").databaseUrl;
    if (url) {
      // Let the next request send it again at once, instead of an hour later.
      const handle = openDatabase({ DATABASE_URL: url, LOCAL_PG_RELAY: c.env.LOCAL_PG_RELAY });
      await handle.db.execute(sqlResetConfirmation(subscriber.id)).catch(() => {});
      await handle.close();
    }
  }
}

const sqlResetConfirmation = (id: string) => sql`UPDATE subscribers SET confirmation_sent_at = NULL WHERE id = ${id} AND status = 'pending'`;

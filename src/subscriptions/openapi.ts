// The public subscription routes in the OpenAPI document. They are plain Hono routes (a
// form and the pages its links open), so they are declared here and registered on the
// app's registry.
import { z, type OpenAPIHono } from "@hono/zod-openapi";
import { componentIds } from "../components/components.ts";
import { ErrorEnvelope, PUBLIC, tooManyRequests } from "../http/openapi.ts";

const html = (description: string) => ({ description, content: { "text/html": { schema: z.string() } } });
const TokenQuery = z.object({ token: z.string().openapi({ description: "The signed token from the link" }) });
const SubscribeRequest = z
  .object({
    channel: z.enum(["email", "webhook", "slack"]).default("email"),
    address: z.string().openapi({ description: "An email address, or the https URL of a webhook or a Slack incoming webhook" }),
    components: z.array(z.enum(componentIds())).optional().openapi({ description: "Only these components; none: all of them" }),
  })
  .openapi("SubscribeRequest", { example: { channel: "email", address: "ops@example.com", components: ["stripe"] } });
const Accepted = z.object({ success: z.literal(true), version: z.literal("v1"), data: z.object({ message: z.string() }) }).openapi("SubscribeAccepted");
const errors = (description: string) => ({ description, content: { "application/json": { schema: ErrorEnvelope }, "text/html": { schema: z.string() } } });

export function registerSubscriptionDocs(registry: OpenAPIHono["openAPIRegistry"]): void {
  const tags = ["Subscriptions"];
  registry.registerPath({
    method: "post",
    path: "/subscribe",
    operationId: "subscribe",
    summary: "Subscribe to incidents and maintenance",
    description:
      "The status page's form (application/x-www-form-urlencoded; `components` may repeat) or JSON. Nothing is sent until the address confirms from the message it receives (double opt-in); the answer is the same whether or not the address was already subscribed.",
    tags,
    ...PUBLIC,
    request: {
      body: {
        content: {
          "application/json": { schema: SubscribeRequest },
          "application/x-www-form-urlencoded": { schema: SubscribeRequest },
        },
      },
    },
    responses: {
      200: html("Form posts: a page saying a confirmation is on its way"),
      202: { description: "JSON posts: the same, as JSON", content: { "application/json": { schema: Accepted } } },
      400: errors("Not an email address or an https URL, or an unknown component"),
      413: errors("Body over 8 KiB"),
      429: tooManyRequests("Over the per-client subscribe limit"),
      503: errors("Subscriptions are not set up on this deployment (SUBSCRIPTIONS_OFF), or the database is unavailable (DATABASE_UNAVAILABLE)"),
    },
  });
  registry.registerPath({
    method: "get",
    path: "/subscriptions/confirm",
    operationId: "showConfirmSubscription",
    summary: "The confirmation link: a page with one button (opening the link alone confirms nothing)",
    tags,
    ...PUBLIC,
    request: { query: TokenQuery },
    responses: {
      200: html("A page with the confirm button"),
      400: html("The link is not valid (forged, altered or expired)"),
      503: html("Subscriptions are off"),
    },
  });
  registry.registerPath({
    method: "post",
    path: "/subscriptions/confirm",
    operationId: "confirmSubscription",
    summary: "Confirm a subscription: the button, or a webhook receiver POSTing its confirm_url",
    tags,
    ...PUBLIC,
    request: { query: TokenQuery },
    responses: {
      200: html("Confirmed (also when already confirmed)"),
      400: html("The link is not valid (forged, altered, expired, or the subscription is gone)"),
      413: errors("Body over 8 KiB"),
      503: errors("Subscriptions are off, or the database is unavailable"),
    },
  });
  registry.registerPath({
    method: "get",
    path: "/subscriptions/unsubscribe",
    operationId: "showUnsubscribe",
    summary: "The unsubscribe page a message's link opens: one button, no sign-in",
    tags,
    ...PUBLIC,
    request: { query: TokenQuery },
    responses: { 200: html("A page with the unsubscribe button"), 400: html("The link is not valid"), 503: html("Subscriptions are off") },
  });
  registry.registerPath({
    method: "post",
    path: "/subscriptions/unsubscribe",
    operationId: "unsubscribe",
    summary: "Unsubscribe: the button, or a mail client's one-click POST (RFC 8058, List-Unsubscribe=One-Click)",
    tags,
    ...PUBLIC,
    request: { query: TokenQuery },
    responses: {
      200: html("Unsubscribed (also when already unsubscribed)"),
      400: html("The link is not valid"),
      413: errors("Body over 8 KiB"),
      503: errors("Subscriptions are off, or the database is unavailable"),
    },
  });
}

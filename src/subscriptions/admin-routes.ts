// Admin routes for subscriptions: subscribers (find, inspect with their deliveries,
// remove, resume) and the notifications sent to them.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { componentIds } from "../components/components.ts";
import { NOTIFICATION_KINDS, NOTIFICATION_STATUSES, SUBSCRIBER_CHANNELS, SUBSCRIBER_STATUSES } from "../db/schema.ts";
import type { AppEnv } from "../env.ts";
import { success } from "../http/envelope.ts";
import { Text } from "../http/input.ts";
import { adminErrors, errorResponse, jsonContent, successEnvelope } from "../http/openapi.ts";
import { listNotifications, listSubscribers, readSubscriber, removeSubscriber, resumeSubscriber } from "./admin.ts";

const tags = ["Admin: subscriptions"];
const security = [{ adminToken: [] }];
const IdParam = z.object({ id: z.uuid().openapi({ param: { name: "id", in: "path" } }) });
const notFound = { 404: errorResponse("No subscriber with that id") };
const Time = z.string().datetime();

const Subscriber = z
  .object({
    id: z.uuid(),
    channel: z.enum(SUBSCRIBER_CHANNELS),
    address: z.string().openapi({ description: "The email address, or the webhook's or Slack's URL" }),
    components: z.array(z.string()).openapi({ description: "Empty: every component" }),
    status: z.enum(SUBSCRIBER_STATUSES),
    createdAt: Time,
    confirmedAt: Time.nullable(),
    unsubscribedAt: Time.nullable(),
    pausedAt: Time.nullable(),
    pauseReason: z.string().nullable().openapi({ description: "Why deliveries stopped (after repeated failures)" }),
    consecutiveFailures: z.number().int(),
  })
  .openapi("Subscriber");
const Delivery = z
  .object({
    id: z.uuid(),
    eventId: z.uuid(),
    kind: z.enum(NOTIFICATION_KINDS),
    status: z.enum(NOTIFICATION_STATUSES),
    attempts: z.number().int(),
    lastError: z.string().nullable(),
    createdAt: Time,
    sentAt: Time.nullable(),
    nextAttemptAt: Time.nullable().openapi({ description: "When a pending delivery is tried next" }),
  })
  .openapi("SubscriberDelivery");
const Notification = z
  .object({
    id: z.uuid(),
    kind: z.enum(NOTIFICATION_KINDS),
    components: z.array(z.string()),
    subject: z.string(),
    createdAt: Time,
    fannedOutAt: Time.nullable().openapi({ description: "When its deliveries were created; null: not yet" }),
    deliveries: z.object({ pending: z.number().int(), sent: z.number().int(), failed: z.number().int(), skipped: z.number().int() }),
  })
  .openapi("Notification");

const SubscriberQuery = z.strictObject({
  search: Text({ max: 254, min: 1 }).optional().openapi({ description: "Part of the address, any case", example: "@example.com" }),
  status: z.enum(SUBSCRIBER_STATUSES).optional(),
  channel: z.enum(SUBSCRIBER_CHANNELS).optional(),
  component: z.enum(componentIds()).optional().openapi({ description: "Subscribers who hear about this component" }),
  before: z.uuid().optional().openapi({ description: "The last id of the previous page" }),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
const NotificationQuery = z.strictObject({
  before: z.uuid().optional().openapi({ description: "The last id of the previous page" }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const subscriberAdminRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: "get",
      path: "/api/admin/subscribers",
      operationId: "listSubscribers",
      tags,
      security,
      summary: "Subscribers, newest first",
      request: { query: SubscriberQuery },
      responses: { 200: jsonContent(successEnvelope(z.array(Subscriber), "SubscriberList"), "Matching subscribers"), ...adminErrors },
    }),
    async (c) => c.json(success(await listSubscribers(c.get("database")(), c.req.valid("query"))), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/api/admin/subscribers/{id}",
      operationId: "getSubscriber",
      tags,
      security,
      summary: "A subscriber and its latest 50 deliveries",
      request: { params: IdParam },
      responses: {
        200: jsonContent(successEnvelope(z.object({ subscriber: Subscriber, deliveries: z.array(Delivery) }), "SubscriberDetail"), "The subscriber"),
        ...notFound,
        ...adminErrors,
      },
    }),
    async (c) => c.json(success(await readSubscriber(c.get("database")(), c.req.valid("param").id)), 200),
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/api/admin/subscribers/{id}",
      operationId: "removeSubscriber",
      tags,
      security,
      summary: "Remove a subscriber and its deliveries, pending ones included",
      request: { params: IdParam },
      responses: {
        200: jsonContent(successEnvelope(z.object({ id: z.uuid(), deleted: z.literal(true) }), "SubscriberDeleted"), "Removed"),
        ...notFound,
        ...adminErrors,
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      await removeSubscriber(c.get("database")(), id, c.get("actorId"));
      return c.json(success({ id, deleted: true as const }), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/api/admin/subscribers/{id}/resume",
      operationId: "resumeSubscriber",
      tags,
      security,
      summary: "Resume a subscriber paused after repeated failures",
      request: { params: IdParam },
      responses: {
        200: jsonContent(successEnvelope(Subscriber, "SubscriberResponse"), "The subscriber, active again"),
        ...notFound,
        409: errorResponse("The subscriber is not paused"),
        ...adminErrors,
      },
    }),
    async (c) => c.json(success(await resumeSubscriber(c.get("database")(), c.req.valid("param").id, c.get("actorId"))), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/api/admin/notifications",
      operationId: "listNotifications",
      tags,
      security,
      summary: "Notifications to subscribers, newest first, with their deliveries by state",
      request: { query: NotificationQuery },
      responses: { 200: jsonContent(successEnvelope(z.array(Notification), "NotificationList"), "Notifications"), ...adminErrors },
    }),
    async (c) => c.json(success(await listNotifications(c.get("database")(), c.req.valid("query"))), 200),
  );

// The Worker's exports: HTTP requests, cron triggers and the Durable Object classes.
import { createApp } from "./app.ts";
import { runScheduled } from "./cron/scheduled.ts";
import type { Env } from "./env.ts";

export { RateLimiter } from "./edge/rate-limiter-object.ts";
export { OutageBuffer } from "./outage/outage-buffer.ts";

const app = createApp();

export default {
  fetch: app.fetch,
  async scheduled(controller, env, ctx) {
    ctx.waitUntil(runScheduled(controller.cron, env, new Date(controller.scheduledTime)));
  },
} satisfies ExportedHandler<Env>;

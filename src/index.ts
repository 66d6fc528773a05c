// The Worker's exports: HTTP requests and cron triggers.
import { createApp } from "./app.ts";
import { runScheduled } from "./cron/scheduled.ts";
import type { Env } from "./env.ts";

const app = createApp();

export default {
  fetch: app.fetch,
  async scheduled(controller, env, ctx) {
    ctx.waitUntil(runScheduled(controller.cron, env, new Date(controller.scheduledTime)));
  },
} satisfies ExportedHandler<Env>;

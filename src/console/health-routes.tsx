/** @jsxImportSource hono/jsx */
import { Hono } from "hono";
import type { AppEnv } from "../env.ts";
import { healthOverview } from "./health-data.ts";
import { HealthPage } from "./health-pages.tsx";
import { html, takeFlash } from "./layout.tsx";

export const consoleHealthRoutes = new Hono<AppEnv>().get("/health", async (c) => {
  const now = new Date();
  const overview = await healthOverview(c.get("database")(), now);
  return html(c, 200, <HealthPage user={c.get("consoleUser")} overview={overview} now={now} notices={takeFlash(c)} />);
});

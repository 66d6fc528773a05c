// The public status page and the formats other tools read: Statuspage v2 JSON, RSS,
// Atom, iCalendar and a badge. All edge-cached like /api/portal/status and rate-limited.
import { Hono, type Context } from "hono";
import type { AppEnv } from "../env.ts";
import { edgeCache, type AppRef } from "../edge/edge-cache.ts";
import { BADGE_VARIANTS, pageCache } from "../edge/public-policies.ts";
import { publicLimit, rateLimit } from "../edge/rate-limit.ts";
import { sharedProbeRound } from "../health/check-health.ts";
import { publicCors } from "../http/public-cors.ts";
import { publicOrigin } from "../http/public-origin.ts";
import { markDegraded, staleMarkers, type Degraded } from "../outage/degraded-answer.ts";
import { readOrLastKnown } from "../outage/last-known.ts";
import { badgeSvg, faviconSvg, STATE_COLOR } from "./badge.ts";
import { atomFeed, feedItems, maintenanceCalendar, rssFeed } from "./feeds.ts";
import { StatusPage } from "./page.tsx";
import { emptyPageData, loadPageData, type PageData } from "./page-data.ts";
import { buildPageModel, componentState, STATE_LABEL, type PageModel } from "./page-model.ts";
import { v2Endpoints, type PageInfo } from "./statuspage-v2.ts";

const HEALTH_COMPONENTS = ["api", "database", "stripe", "twilio", "email"];

interface PageContext {
  info: PageInfo;
  data: PageData;
  model: PageModel;
  /** Set when the database could not be read: the data is the last known state. */
  degraded?: Degraded;
}

/**
 * Loads the page data. When the cron has not logged a recent round, or the database
 * cannot be read (the data is then the last known state), the components are probed live:
 * an outage of the database shows as one, never as an old "All Systems Operational".
 */
async function pageContext(c: Context<AppEnv>): Promise<PageContext> {
  const now = new Date();
  const reading = await readOrLastKnown(c.env, "page", now, () => loadPageData(c.get("database")(), now));
  const data: PageData = reading.live ? reading.value : { ...(reading.value ?? emptyPageData(now)), now, latest: {} };
  if (!HEALTH_COMPONENTS.some((component) => data.latest[component])) {
    const report = await sharedProbeRound(c.env, c.get("database"), c.get("requestStartedAt"), reading.live ? 0 : 10_000);
    for (const [component, health] of Object.entries(report.components)) {
      data.latest[component] = { status: health.status, responseTimeMs: health.responseTime, checkedAt: new Date(health.lastChecked) };
    }
  }
  const origin = publicOrigin(c.env, c.req.url);
  const name = c.env.STATUS_PAGE_TITLE || "Portal status";
  const context: PageContext = { info: { id: "portal", name, url: origin }, data, model: buildPageModel(data) };
  if (!reading.live) {
    context.degraded = reading;
    markDegraded(c, reading, now);
  }
  return context;
}

/** JSON formats say when they are the last known state. */
const withMarkers = (ctx: PageContext, body: object) => (ctx.degraded ? { ...body, ...staleMarkers(ctx.degraded) } : body);

const limited = rateLimit({ scope: "page", limit: publicLimit });

/** Every URL of the page and its formats: public, so readable (and preflighted) from any origin. */
const PUBLIC_PATHS = ["/", "/api/v2/*", "/feed.rss", "/feed.atom", "/maintenance.ics", "/badge.svg", "/favicon.svg", "/favicon.ico"];

export function statusPageRoutes(app: AppRef) {
  const routes = new Hono<AppEnv>();
  for (const path of PUBLIC_PATHS) routes.use(path, publicCors);
  const cached = (name: string) => [limited, edgeCache(pageCache(name), app)] as const;

  // The page declares its icon inline; these answer the browsers and readers that ask anyway.
  routes.get("/favicon.svg", (c) => c.body(faviconSvg(), 200, { "Content-Type": "image/svg+xml; charset=utf-8", "Cache-Control": "public, max-age=86400" }));
  routes.get("/favicon.ico", (c) => c.redirect("/favicon.svg", 301));

  routes.get("/", ...cached("page"), async (c) => {
    const { info, data, model, degraded } = await pageContext(c);
    return c.html(`<!doctype html>${(<StatusPage model={model} data={data} title={info.name} degraded={degraded} />).toString()}`);
  });

  const json = (name: string, path: string, pick: (bodies: ReturnType<typeof v2Endpoints>) => object) =>
    routes.get(path, ...cached(name), async (c) => {
      const ctx = await pageContext(c);
      return c.json(withMarkers(ctx, pick(v2Endpoints(ctx.info, ctx.model, ctx.data))));
    });
  json("v2.summary", "/api/v2/summary.json", (v2) => v2.summary);
  json("v2.status", "/api/v2/status.json", (v2) => v2.status);
  json("v2.components", "/api/v2/components.json", (v2) => v2.components);
  json("v2.incidents", "/api/v2/incidents.json", (v2) => v2.incidents);
  json("v2.incidents-unresolved", "/api/v2/incidents/unresolved.json", (v2) => v2.unresolved);
  json("v2.maintenances", "/api/v2/scheduled-maintenances.json", (v2) => v2.maintenances);
  json("v2.maintenances-upcoming", "/api/v2/scheduled-maintenances/upcoming.json", (v2) => v2.upcoming);
  json("v2.maintenances-active", "/api/v2/scheduled-maintenances/active.json", (v2) => v2.active);

  routes.get("/feed.rss", ...cached("feed.rss"), async (c) => {
    const { info, data, model } = await pageContext(c);
    const items = feedItems(info, data.incidents, [...model.activeMaintenance, ...model.upcomingMaintenance, ...model.pastMaintenance]);
    return c.body(rssFeed(info, items, data.now), 200, { "Content-Type": "application/rss+xml; charset=utf-8" });
  });
  routes.get("/feed.atom", ...cached("feed.atom"), async (c) => {
    const { info, data, model } = await pageContext(c);
    const items = feedItems(info, data.incidents, [...model.activeMaintenance, ...model.upcomingMaintenance, ...model.pastMaintenance]);
    return c.body(atomFeed(info, items, data.now), 200, { "Content-Type": "application/atom+xml; charset=utf-8" });
  });
  routes.get("/maintenance.ics", ...cached("maintenance.ics"), async (c) => {
    const { info, data, model } = await pageContext(c);
    return c.body(maintenanceCalendar(info, [...model.activeMaintenance, ...model.upcomingMaintenance], data.now), 200, {
      "Content-Type": "text/calendar; charset=utf-8",
      "Content-Disposition": 'inline; filename="maintenance.ics"',
    });
  });

  const badgeVariant = (c: Context<AppEnv>) => {
    const component = c.req.query("component") ?? "overall";
    return (BADGE_VARIANTS as readonly string[]).includes(component) ? component : "unknown";
  };
  routes.get("/badge.svg", limited, edgeCache(pageCache("badge", { of: badgeVariant, all: [...BADGE_VARIANTS, "unknown"] }), app), async (c) => {
    const variant = badgeVariant(c);
    if (variant === "unknown") {
      return c.body(badgeSvg("status", "unknown component", "#9f9f9f"), 404, { "Content-Type": "image/svg+xml" });
    }
    const { model } = await pageContext(c);
    const component = variant === "overall" ? undefined : model.components.find((m) => m.id === variant)!;
    const svg = component
      ? badgeSvg(component.name.toLowerCase(), STATE_LABEL[component.state].toLowerCase(), STATE_COLOR[component.state])
      : badgeSvg("status", model.description.toLowerCase(), STATE_COLOR[componentState(model.state)]);
    return c.body(svg, 200, { "Content-Type": "image/svg+xml; charset=utf-8" });
  });

  return routes;
}

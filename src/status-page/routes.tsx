// The public status page and the formats other tools read: Statuspage v2 JSON, RSS,
// Atom, iCalendar and a badge. Each is a producer (page data → one format), served through
// the edge cache like /api/portal/status, and rate-limited.
import { Hono, type Context } from "hono";
import { probedIds } from "../components/components.ts";
import type { AppEnv } from "../env.ts";
import { serveCached, type CachePolicy, type ProduceContext, type Producer } from "../edge/edge-cache.ts";
import { badgeVariants, pageCache } from "../edge/public-policies.ts";
import { publicLimit, rateLimit } from "../edge/rate-limit.ts";
import { sharedProbeRound } from "../health/check-health.ts";
import { publicCors } from "../http/public-cors.ts";
import { publicOrigin } from "../http/public-origin.ts";
import { degradedHeaders, staleMarkers, type Degraded } from "../outage/degraded-answer.ts";
import { lastKnownDeps, readOrLastKnown } from "../outage/last-known.ts";
import { badgeSvg, faviconSvg, STATE_COLOR } from "./badge.ts";
import { atomFeed, feedItems, maintenanceCalendar, rssFeed } from "./feeds.ts";
import { subscriptionSettings } from "../subscriptions/settings.ts";
import { StatusPage } from "./page.tsx";
import { emptyPageData, loadPageData, type PageData } from "./page-data.ts";
import { buildPageModel, componentState, STATE_LABEL, type PageModel } from "./page-model.ts";
import { v2Endpoints, type PageInfo } from "./statuspage-v2.ts";

interface PageContext {
  info: PageInfo;
  data: PageData;
  model: PageModel;
  /** Set when the database could not be read: the data is the last known state. */
  degraded?: Degraded;
  /** Headers every format of this answer carries (the degraded markers). */
  headers: Record<string, string>;
}

/**
 * Loads the page data. When the cron has not logged a recent round, or the database
 * cannot be read (the data is then the last known state), the components are probed live:
 * an outage of the database shows as one, never as an old "All Systems Operational".
 */
async function pageContext(ctx: ProduceContext): Promise<PageContext> {
  const now = new Date();
  const reading = await readOrLastKnown(lastKnownDeps(ctx.config, ctx.env), "page", now, () => loadPageData(ctx.database(), now));
  const data: PageData = reading.live ? reading.value : { ...(reading.value ?? emptyPageData(now)), now, latest: {} };
  if (!probedIds().some((component) => data.latest[component])) {
    const report = await sharedProbeRound(ctx.config, ctx.database, ctx.requestStartedAt, reading.live ? 0 : 10_000);
    for (const [component, health] of Object.entries(report.components)) {
      data.latest[component] = { status: health.status, responseTimeMs: health.responseTime, checkedAt: new Date(health.lastChecked) };
    }
  }
  const info: PageInfo = { id: "portal", name: ctx.config.statusPageTitle, url: publicOrigin(ctx.config.publicUrl, ctx.url) };
  const page: PageContext = { info, data, model: buildPageModel(data), headers: {} };
  if (!reading.live) {
    page.degraded = reading;
    page.headers = degradedHeaders(reading, now);
  }
  return page;
}

/** A producer of one format of the page. */
const format =
  (type: string, render: (page: PageContext, ctx: ProduceContext) => { body: string; status?: number; headers?: Record<string, string> }): Producer =>
  async (ctx) => {
    const page = await pageContext(ctx);
    const out = render(page, ctx);
    return new Response(out.body, { status: out.status ?? 200, headers: { "Content-Type": type, ...out.headers, ...page.headers } });
  };

/** JSON formats say when they are the last known state. */
const json = (pick: (bodies: ReturnType<typeof v2Endpoints>) => object) =>
  format("application/json", (page) => {
    const body = pick(v2Endpoints(page.info, page.model, page.data));
    return { body: JSON.stringify(page.degraded ? { ...body, ...staleMarkers(page.degraded) } : body) };
  });

const feedOf = (page: PageContext) =>
  feedItems(page.info, page.data.incidents, [...page.model.activeMaintenance, ...page.model.upcomingMaintenance, ...page.model.pastMaintenance]);

/** The badge's version of a request: "overall", a component's id, or "unknown". */
const badgeVariant = (request: { url: string }) => {
  const component = new URL(request.url).searchParams.get("component") ?? "overall";
  return badgeVariants().includes(component) ? component : "unknown";
};

const FORMATS: { path: string; cache: string; produce: Producer; variants?: Parameters<typeof pageCache>[1] }[] = [
  {
    path: "/",
    cache: "page",
    produce: format("text/html; charset=utf-8", ({ info, data, model, degraded }, ctx) => {
      const subscriptions = subscriptionSettings(ctx.config);
      const subscribe = subscriptions && { email: subscriptions.email };
      return { body: `<!doctype html>${(<StatusPage model={model} data={data} title={info.name} degraded={degraded} subscribe={subscribe} />).toString()}` };
    }),
  },
  { path: "/api/v2/summary.json", cache: "v2.summary", produce: json((v2) => v2.summary) },
  { path: "/api/v2/status.json", cache: "v2.status", produce: json((v2) => v2.status) },
  { path: "/api/v2/components.json", cache: "v2.components", produce: json((v2) => v2.components) },
  { path: "/api/v2/incidents.json", cache: "v2.incidents", produce: json((v2) => v2.incidents) },
  { path: "/api/v2/incidents/unresolved.json", cache: "v2.incidents-unresolved", produce: json((v2) => v2.unresolved) },
  { path: "/api/v2/scheduled-maintenances.json", cache: "v2.maintenances", produce: json((v2) => v2.maintenances) },
  { path: "/api/v2/scheduled-maintenances/upcoming.json", cache: "v2.maintenances-upcoming", produce: json((v2) => v2.upcoming) },
  { path: "/api/v2/scheduled-maintenances/active.json", cache: "v2.maintenances-active", produce: json((v2) => v2.active) },
  {
    path: "/feed.rss",
    cache: "feed.rss",
    produce: format("application/rss+xml; charset=utf-8", (page) => ({ body: rssFeed(page.info, feedOf(page), page.data.now) })),
  },
  {
    path: "/feed.atom",
    cache: "feed.atom",
    produce: format("application/atom+xml; charset=utf-8", (page) => ({ body: atomFeed(page.info, feedOf(page), page.data.now) })),
  },
  {
    path: "/maintenance.ics",
    cache: "maintenance.ics",
    produce: format("text/calendar; charset=utf-8", ({ info, data, model }) => ({
      body: maintenanceCalendar(info, [...model.activeMaintenance, ...model.upcomingMaintenance], data.now),
      headers: { "Content-Disposition": 'inline; filename="maintenance.ics"' },
    })),
  },
  {
    path: "/badge.svg",
    cache: "badge",
    variants: { of: badgeVariant, all: [...badgeVariants(), "unknown"] },
    produce: format("image/svg+xml; charset=utf-8", ({ model }, ctx) => {
      const variant = badgeVariant(ctx);
      if (variant === "unknown") return { body: badgeSvg("status", "unknown component", "#9f9f9f"), status: 404 };
      const component = variant === "overall" ? undefined : model.components.find((m) => m.id === variant)!;
      return {
        body: component
          ? badgeSvg(component.name.toLowerCase(), STATE_LABEL[component.state].toLowerCase(), STATE_COLOR[component.state])
          : badgeSvg("status", model.description.toLowerCase(), STATE_COLOR[componentState(model.state)]),
      };
    }),
  },
];

/** The cache policy of each, for purging after an admin write. */
export function statusPageCaches(): CachePolicy[] {
  return FORMATS.map(({ cache, variants }) => pageCache(cache, variants));
}

const limited = rateLimit({ scope: "page", limit: publicLimit });

/** Every URL of the page and its formats: public, so readable (and preflighted) from any origin. */
const PUBLIC_PATHS = ["/", "/api/v2/*", "/feed.rss", "/feed.atom", "/maintenance.ics", "/badge.svg", "/favicon.svg", "/favicon.ico"];

export function statusPageRoutes() {
  const routes = new Hono<AppEnv>();
  for (const path of PUBLIC_PATHS) routes.use(path, publicCors);

  // The page declares its icon inline; these answer the browsers and readers that ask anyway.
  routes.get("/favicon.svg", (c) => c.body(faviconSvg(), 200, { "Content-Type": "image/svg+xml; charset=utf-8", "Cache-Control": "public, max-age=86400" }));
  routes.get("/favicon.ico", (c) => c.redirect("/favicon.svg", 301));

  for (const { path, cache, produce, variants } of FORMATS) {
    routes.get(path, limited, (c: Context<AppEnv>) => serveCached(c, pageCache(cache, variants), produce));
  }
  return routes;
}

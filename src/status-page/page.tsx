/** @jsxImportSource hono/jsx */
// The public status page: server-rendered, no script, light and dark from the reader's
// preference, landmarks and text alternatives for every graphic.
import { raw } from "hono/html";
import type { FC } from "hono/jsx";
import type { IncidentPhase } from "../db/schema.ts";
import type { Degraded } from "../outage/degraded-answer.ts";
import type { DayUptime, IncidentEntry, MaintenanceEntry, PageData } from "./page-data.ts";
import { UPTIME_DAYS } from "./page-data.ts";
import { faviconSvg, STATE_COLOR } from "./badge.ts";
import { componentState, STATE_LABEL, type ComponentModel, type ComponentState, type PageModel } from "./page-model.ts";

const STYLE = `
:root{color-scheme:light dark;--bg:#fff;--fg:#1b1f24;--muted:#57606a;--line:#d8dee4;--card:#f6f8fa;--ok:#1a7f37;--warn:#9a6700;--bad:#cf222e;--maint:#0969da;--none:#d0d7de}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--line:#30363d;--card:#161b22;--ok:#3fb950;--warn:#d29922;--bad:#f85149;--maint:#4493f8;--none:#30363d}.banner{color:#0d1117!important}}
*{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif}
main,header,footer{max-width:52rem;margin:0 auto;padding:0 1rem}header{padding-top:1.5rem}h1{font-size:1.5rem;margin:0 0 1rem}h2{font-size:1.15rem;margin:2rem 0 .75rem}
a{color:var(--maint)}.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:var(--bg);padding:.5rem}
.banner{padding:1rem 1.25rem;border-radius:8px;color:#fff;font-weight:600;font-size:1.15rem}.banner.none{background:var(--ok)}.banner.minor{background:var(--warn)}.banner.major,.banner.critical{background:var(--bad)}.banner.maint{background:var(--maint)}
ul.components{list-style:none;margin:0;padding:0;border:1px solid var(--line);border-radius:8px}ul.components>li{padding:.9rem 1rem;border-top:1px solid var(--line)}ul.components>li:first-child{border-top:0}
.row{display:flex;justify-content:space-between;gap:1rem;align-items:baseline;flex-wrap:wrap}.name{font-weight:600}.desc{color:var(--muted);font-size:.875rem}
.state{font-size:.9rem;font-weight:600}.s-operational{color:var(--ok)}.s-degraded_performance{color:var(--warn)}.s-partial_outage,.s-major_outage{color:var(--bad)}.s-under_maintenance{color:var(--maint)}
svg.bar{display:block;width:100%;height:34px;margin-top:.5rem}svg.bar rect.c-ok{fill:var(--ok)}svg.bar rect.c-warn{fill:var(--warn)}svg.bar rect.c-bad{fill:var(--bad)}svg.bar rect.c-none{fill:var(--none)}svg.bar rect:hover{opacity:.7}
.legend{display:flex;justify-content:space-between;color:var(--muted);font-size:.75rem}svg.spark{width:9rem;height:2rem;vertical-align:middle}svg.spark polyline{fill:none;stroke:var(--maint);stroke-width:1.5}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:1rem;margin-bottom:.75rem}.card h3{margin:0 0 .25rem;font-size:1rem}
ol.timeline{list-style:none;margin:.5rem 0 0;padding:0 0 0 1rem;border-left:2px solid var(--line)}ol.timeline li{margin:.4rem 0}ul.releases{list-style:none;padding:0;margin:.5rem 0 0}ul.releases li{margin:.3rem 0}time,.muted{color:var(--muted);font-size:.875rem}
footer{color:var(--muted);font-size:.875rem;padding:2rem 1rem 3rem}
.notice{border:2px solid var(--warn);border-radius:8px;padding:.75rem 1rem;margin-bottom:1rem}
.subscribe fieldset{border:0;padding:0;margin:.5rem 0;display:flex;flex-wrap:wrap;gap:.25rem 1rem}.subscribe legend{font-weight:600;padding:0;margin-bottom:.25rem}
.subscribe .address{display:block;margin:.5rem 0}.subscribe .address input{display:block;width:100%;font:inherit;padding:.4rem;margin-top:.25rem}.subscribe button{font:inherit;padding:.4rem 1rem}
`;

const fmt = (d: Date) => `${d.toISOString().replace("T", " ").slice(0, 16)} UTC`;
const Time: FC<{ at: Date }> = ({ at }) => <time datetime={at.toISOString()}>{fmt(at)}</time>;

function cellClass(day: DayUptime | undefined): string {
  if (!day || day.uptimePercent === null) return "c-none";
  if (day.uptimePercent >= 99.9) return "c-ok";
  if (day.uptimePercent >= 95) return "c-warn";
  return "c-bad";
}

const UptimeBar: FC<{ component: ComponentModel; days: DayUptime[]; incidents: IncidentEntry[]; now: Date }> = ({ component, days, incidents, now }) => {
  const byDay = new Map(days.map((d) => [d.day, d]));
  const start = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) - (UPTIME_DAYS - 1) * 86_400_000;
  const counted = days.filter((d) => d.uptimePercent !== null);
  const average = counted.length ? counted.reduce((sum, d) => sum + d.uptimePercent! * d.checks, 0) / counted.reduce((sum, d) => sum + d.checks, 0) : null;
  const label = `${component.name}: ${average === null ? "no data" : `${average.toFixed(2)} % uptime`} over the last ${UPTIME_DAYS} days`;
  return (
    <>
      <svg class="bar" viewBox={`0 0 ${UPTIME_DAYS * 6} 34`} preserveAspectRatio="none" role="img" aria-label={label}>
        {Array.from({ length: UPTIME_DAYS }, (_, i) => {
          const dayStart = start + i * 86_400_000;
          const key = new Date(dayStart).toISOString().slice(0, 10);
          const day = byDay.get(key);
          const dayIncidents = incidents.filter(
            (inc) => inc.component === component.id && inc.startedAt.getTime() < dayStart + 86_400_000 && (inc.resolvedAt?.getTime() ?? Infinity) > dayStart,
          );
          const text = `${key}: ${day?.uptimePercent == null ? "no data" : `${day.uptimePercent.toFixed(2)} % uptime`}${dayIncidents.length ? ` — ${dayIncidents.map((inc) => inc.message ?? inc.status).join("; ")}` : ""}`;
          return (
            <rect class={dayIncidents.length && cellClass(day) === "c-ok" ? "c-warn" : cellClass(day)} x={i * 6} y={0} width={4.5} height={34} rx={1}>
              <title>{text}</title>
            </rect>
          );
        })}
      </svg>
      <div class="legend" aria-hidden="true">
        <span>{UPTIME_DAYS} days ago</span>
        <span>{average === null ? "" : `${average.toFixed(2)} % uptime`}</span>
        <span>Today</span>
      </div>
    </>
  );
};

const Sparkline: FC<{ name: string; points: { hour: Date; avgMs: number }[] }> = ({ name, points }) => {
  if (points.length === 0) return <span class="muted">No response times yet</span>;
  const max = Math.max(...points.map((p) => p.avgMs), 1);
  // One point still draws a (flat) line.
  const series = points.length === 1 ? [points[0]!, points[0]!] : points;
  const coords = series.map((p, i) => `${((i / (series.length - 1)) * 100).toFixed(1)},${(28 - (p.avgMs / max) * 26).toFixed(1)}`).join(" ");
  const avg = Math.round(points.reduce((s, p) => s + p.avgMs, 0) / points.length);
  return (
    <svg
      class="spark"
      viewBox="0 0 100 30"
      preserveAspectRatio="none"
      role="img"
      aria-label={`${name} response time over 24 hours: average ${avg} ms, peak ${max} ms`}
    >
      <polyline points={coords} />
    </svg>
  );
};

const Incident: FC<{ incident: IncidentEntry; names: Map<string, string> }> = ({ incident, names }) => (
  <article class="card" id={`incident-${incident.id}`}>
    <h3>{incident.message ?? `${names.get(incident.component) ?? incident.component}: ${incident.status.replace("_", " ")}`}</h3>
    <div class="muted">
      {names.get(incident.component) ?? incident.component} · {PHASE_LABEL[incident.phase]} · started <Time at={incident.startedAt} />
    </div>
    <ol class="timeline">
      {[...incident.updates].reverse().map((u) => (
        <li>
          <strong>{PHASE_LABEL[u.phase]}</strong> — {u.message ?? ""} <Time at={u.at} />
        </li>
      ))}
    </ol>
  </article>
);

const Window: FC<{ window: MaintenanceEntry; names: Map<string, string> }> = ({ window, names }) => (
  <article class="card" id={`maintenance-${window.id}`}>
    <h3>{window.title}</h3>
    <div class="muted">
      <Time at={window.scheduledStart} /> – <Time at={window.scheduledEnd} /> · {affectedLabel(window, names)}
    </div>
    {window.description && <p>{window.description}</p>}
  </article>
);

const hhmm = (d: Date) => d.toISOString().slice(11, 16);

const PHASE_LABEL: Record<IncidentPhase, string> = { investigating: "Investigating", identified: "Identified", monitoring: "Monitoring", resolved: "Resolved" };

/** What a window takes down, in the page's component names. */
function affectedLabel(window: MaintenanceEntry, names: Map<string, string>): string {
  if (window.components) return window.components.map((c) => names.get(c) ?? c).join(", ");
  return [window.affectsPortal && "Customer portal", window.affectsCRM && "CRM"].filter(Boolean).join(", ") || "No customer impact";
}

/** Said at the top of the page while the database cannot be read. */
const StaleNotice: FC<{ degraded: Degraded }> = ({ degraded }) => (
  <div class="notice" role="alert">
    <strong>Live data unavailable since {hhmm(degraded.unavailableSince)} UTC</strong> —{" "}
    {degraded.generatedAt
      ? `showing the last known state (from ${fmt(degraded.generatedAt)}); component states are checked live.`
      : "component states are checked live; incidents, maintenance and uptime history will show again once it recovers."}
  </div>
);

/** Where readers subscribe: a plain form (no script), one channel and any components. */
const SubscribeForm: FC<{ components: ComponentModel[]; email: boolean }> = ({ components, email }) => (
  <section aria-labelledby="subscribe">
    <h2 id="subscribe">Get notified</h2>
    <form class="card subscribe" method="post" action="/subscribe">
      <p class="muted">
        Incidents (opened, updated, resolved) and maintenance (scheduled, a day before, started, completed, cancelled). You confirm first; every message has an
        unsubscribe link.
      </p>
      <fieldset>
        <legend>By</legend>
        {email && (
          <label>
            <input type="radio" name="channel" value="email" checked /> email
          </label>
        )}
        <label>
          <input type="radio" name="channel" value="webhook" checked={!email} /> webhook (signed)
        </label>
        <label>
          <input type="radio" name="channel" value="slack" /> Slack incoming webhook
        </label>
      </fieldset>
      <label class="address">
        {email ? "Email address or webhook URL" : "Webhook URL"}
        <input name="address" type="text" required maxlength={2048} autocomplete={email ? "email" : "url"} />
      </label>
      <fieldset>
        <legend>Only about (none ticked: everything)</legend>
        {components.map((c) => (
          <label>
            <input type="checkbox" name="components" value={c.id} /> {c.name}
          </label>
        ))}
      </fieldset>
      <button type="submit">Subscribe</button>
    </form>
  </section>
);

export const StatusPage: FC<{
  model: PageModel;
  data: PageData;
  title: string;
  degraded?: Degraded | undefined;
  /** The subscribe form, when subscriptions are on. */
  subscribe?: { email: boolean } | null;
}> = ({ model, data, title, degraded, subscribe }) => {
  const names = new Map(model.components.map((c) => [c.id, c.name]));
  const bannerClass = model.state === "maintenance" ? "maint" : model.indicator;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${title} — ${model.description}`}</title>
        <meta name="description" content={`Current status of ${title}: ${model.description}`} />
        {/* Inline, in the state's colour: browsers need not ask for /favicon.ico. */}
        <link rel="icon" type="image/svg+xml" href={`data:image/svg+xml,${encodeURIComponent(faviconSvg(STATE_COLOR[componentState(model.state)]))}`} />
        <link rel="alternate" type="application/atom+xml" title="Incidents and maintenance (Atom)" href="/feed.atom" />
        <link rel="alternate" type="application/rss+xml" title="Incidents and maintenance (RSS)" href="/feed.rss" />
        {/* Raw: the stylesheet's ">" and quotes must not be escaped as text. */}
        <style>{raw(STYLE)}</style>
      </head>
      <body>
        <a class="skip" href="#components">
          Skip to components
        </a>
        <header>
          <h1>{title}</h1>
          {degraded && <StaleNotice degraded={degraded} />}
          <div class={`banner ${bannerClass}`} role="status">
            {model.description}
          </div>
        </header>
        <main>
          {model.activeIncidents.length > 0 && (
            <section aria-labelledby="active-incidents">
              <h2 id="active-incidents">Active incidents</h2>
              {model.activeIncidents.map((incident) => (
                <Incident incident={incident} names={names} />
              ))}
            </section>
          )}
          {model.activeMaintenance.length > 0 && (
            <section aria-labelledby="maintenance-now">
              <h2 id="maintenance-now">Maintenance in progress</h2>
              {model.activeMaintenance.map((w) => (
                <Window window={w} names={names} />
              ))}
            </section>
          )}
          <section aria-labelledby="components">
            <h2 id="components">Components</h2>
            <ul class="components">
              {model.components.map((c) => (
                <li>
                  <div class="row">
                    <div>
                      <span class="name">{c.name}</span> <span class="desc">{c.description}</span>
                    </div>
                    <div>
                      {(data.responseTimes[c.id]?.length ?? 0) > 0 && <Sparkline name={c.name} points={data.responseTimes[c.id]!} />}{" "}
                      <span class={`state s-${c.state satisfies ComponentState}`}>{STATE_LABEL[c.state]}</span>
                    </div>
                  </div>
                  <UptimeBar component={c} days={data.uptime[c.id] ?? []} incidents={data.incidents} now={data.now} />
                </li>
              ))}
            </ul>
          </section>
          <section aria-labelledby="upcoming">
            <h2 id="upcoming">Scheduled maintenance</h2>
            {model.upcomingMaintenance.length ? (
              model.upcomingMaintenance.map((w) => <Window window={w} names={names} />)
            ) : (
              <p class="muted">No maintenance scheduled.</p>
            )}
          </section>
          {data.releases.length > 0 && (
            <section aria-labelledby="releases">
              <h2 id="releases">Recently released</h2>
              <ul class="releases">
                {data.releases.map((r) => (
                  <li>
                    {r.name}{" "}
                    <span class="muted">
                      · <Time at={r.releasedAt} />
                    </span>
                  </li>
                ))}
              </ul>
            </section>
          )}
          <section aria-labelledby="history">
            <h2 id="history">Past incidents (14 days)</h2>
            {model.recentIncidents.length ? (
              model.recentIncidents.map((incident) => <Incident incident={incident} names={names} />)
            ) : (
              <p class="muted">No incidents in the last 14 days.</p>
            )}
          </section>
          {subscribe && <SubscribeForm components={model.components} email={subscribe.email} />}
        </main>
        <footer>
          Generated <Time at={data.now} />. Also as <a href="/api/v2/summary.json">JSON</a>, <a href="/feed.atom">Atom</a>, <a href="/feed.rss">RSS</a>,{" "}
          <a href="/maintenance.ics">calendar</a> and <a href="/badge.svg">badge</a>.
        </footer>
      </body>
    </html>
  );
};

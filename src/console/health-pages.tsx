/** @jsxImportSource hono/jsx */
// The health page: probes now, each component's last 24 hours and 90 days as server-drawn
// SVG charts (each with a text alternative), the alert rules, and the cron's rounds.
import type { FC } from "hono/jsx";
import { describeRule } from "../alerts/conditions.ts";
import { probedComponents } from "../components/components.ts";
import type { ConsoleUser } from "./identity.ts";
import type { HealthOverview, HourFigures } from "./health-data.ts";
import { Shell, Time, type Notice } from "./layout.tsx";

const TONE = { healthy: "ok", degraded: "warn", unhealthy: "bad" } as const;
const W = 480;
const H = 120;
const PAD = 28;

const ResponseTimes: FC<{ name: string; hours: HourFigures[]; now: Date }> = ({ name, hours, now }) => {
  if (hours.length === 0) return <p class="muted">No probes in the last 24 hours.</p>;
  const start = now.getTime() - 24 * 3_600_000;
  const max = Math.max(1, ...hours.flatMap((h) => [h.p99 ?? 0, h.p95 ?? 0, h.p50 ?? 0]));
  const x = (at: Date) => PAD + ((at.getTime() - start) / (24 * 3_600_000)) * (W - PAD - 4);
  const y = (ms: number) => H - 16 - (ms / max) * (H - 24);
  const line = (pick: (h: HourFigures) => number | null) =>
    hours
      .filter((h) => pick(h) !== null)
      .map((h) => `${x(h.hour).toFixed(1)},${y(pick(h)!).toFixed(1)}`)
      .join(" ");
  const worst = Math.max(...hours.map((h) => h.p95 ?? 0));
  const label = `${name}: response times over the last 24 hours, hourly; p95 at most ${worst} ms, ${hours.reduce((n, h) => n + h.checks - h.healthy, 0)} probes not healthy`;
  return (
    <svg class="chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label}>
      <line class="axis" x1={PAD} y1={H - 16} x2={W} y2={H - 16} />
      <line class="axis" x1={PAD} y1={8} x2={PAD} y2={H - 16} />
      <text x={2} y={12}>{`${max} ms`}</text>
      <text x={2} y={H - 18}>
        0
      </text>
      <text x={PAD} y={H - 2}>
        24 h ago
      </text>
      <text x={W - 30} y={H - 2}>
        now
      </text>
      {(["p50", "p95", "p99"] as const).map((p) => (
        <polyline class={p} points={line((h) => h[p])} />
      ))}
    </svg>
  );
};

const Uptime: FC<{ name: string; days: HealthOverview["days"]; now: Date }> = ({ name, days, now }) => {
  const first = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) - 89 * 86_400_000;
  const byDay = new Map(days.map((d) => [d.day, d]));
  const counted = days.filter((d) => d.uptimePercent !== null);
  const average = counted.length ? counted.reduce((s, d) => s + d.uptimePercent! * d.checks, 0) / counted.reduce((s, d) => s + d.checks, 0) : null;
  const label = `${name}: ${average === null ? "no roll-ups yet" : `${average.toFixed(3)} % uptime`} over the last 90 days`;
  return (
    <>
      <svg class="chart" viewBox="0 0 540 40" role="img" aria-label={label}>
        {Array.from({ length: 90 }, (_, i) => {
          const day = new Date(first + i * 86_400_000).toISOString().slice(0, 10);
          const d = byDay.get(day);
          const tone = d?.uptimePercent == null ? "c-none" : d.uptimePercent >= 99.9 ? "c-ok" : d.uptimePercent >= 95 ? "c-warn" : "c-bad";
          return (
            <rect class={tone} x={i * 6} y={0} width={4.5} height={40} rx={1}>
              <title>{`${day}: ${d?.uptimePercent == null ? "no data" : `${d.uptimePercent} % uptime, p50 ${d.p50Ms ?? "—"} ms, p95 ${d.p95Ms ?? "—"} ms, p99 ${d.p99Ms ?? "—"} ms`}`}</title>
            </rect>
          );
        })}
      </svg>
      <p class="muted">{label}</p>
    </>
  );
};

export const HealthPage: FC<{ user: ConsoleUser; overview: HealthOverview; now: Date; notices: Notice[] }> = ({ user, overview, now, notices }) => {
  const latest = new Map(overview.latest.map((p) => [p.component, p]));
  return (
    <Shell title="Health" user={user} section="health" notices={notices}>
      <div class="scroll" tabindex={0}>
        <table>
          <caption class="muted" style="text-align:left">
            The latest probe of each component
          </caption>
          <thead>
            <tr>
              <th scope="col">Component</th>
              <th scope="col">Status</th>
              <th scope="col">Response time</th>
              <th scope="col">Checked</th>
              <th scope="col">Error</th>
            </tr>
          </thead>
          <tbody>
            {probedComponents().map((c) => {
              const p = latest.get(c.id);
              return (
                <tr>
                  <th scope="row">{c.name}</th>
                  <td>{p ? <span class={`badge ${TONE[p.status]}`}>{p.status}</span> : <span class="muted">no probe in 24 h</span>}</td>
                  <td>{p?.responseTimeMs == null ? "—" : `${p.responseTimeMs} ms`}</td>
                  <td>
                    <Time at={p?.checkedAt} />
                  </td>
                  <td>{p?.errorMessage ?? ""}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <p class="legend" aria-hidden="true">
        <span>
          <span class="k" style="background:var(--ok)" />
          p50
        </span>
        <span>
          <span class="k" style="background:var(--warn)" />
          p95
        </span>
        <span>
          <span class="k" style="background:var(--bad)" />
          p99
        </span>
      </p>
      <div class="grid">
        {probedComponents().map((c) => (
          <section class="card" aria-labelledby={`h-${c.id}`}>
            <h2 id={`h-${c.id}`}>{c.name}</h2>
            <h3>Last 24 hours</h3>
            <ResponseTimes name={c.name} hours={overview.hours.filter((h) => h.component === c.id)} now={now} />
            <h3>Last 90 days</h3>
            <Uptime name={c.name} days={overview.days.filter((d) => d.component === c.id)} now={now} />
          </section>
        ))}
      </div>
      <h2>Alert rules</h2>
      <div class="scroll" tabindex={0}>
        <table>
          <thead>
            <tr>
              <th scope="col">Rule</th>
              <th scope="col">When</th>
              <th scope="col">Severity</th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {overview.rules.map(({ rule, state }) => (
              <tr>
                <td>{rule.name}</td>
                <td>{describeRule(rule)}</td>
                <td>{rule.severity}</td>
                <td>
                  {state?.firing ? <span class="badge bad">firing</span> : <span class="badge ok">quiet</span>}{" "}
                  {state?.firing ? <Time at={state.firedAt} /> : state?.resolvedAt ? <Time at={state.resolvedAt} /> : ""}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2>Recent alert deliveries</h2>
      {overview.notifications.length === 0 ? (
        <p class="muted">None.</p>
      ) : (
        <div class="scroll" tabindex={0}>
          <table>
            <thead>
              <tr>
                <th scope="col">Created</th>
                <th scope="col">Event</th>
                <th scope="col">Channel</th>
                <th scope="col">Delivery</th>
              </tr>
            </thead>
            <tbody>
              {overview.notifications.map((n) => (
                <tr>
                  <td>
                    <Time at={n.createdAt} />
                  </td>
                  <td>{n.event}</td>
                  <td>{n.channel}</td>
                  <td>
                    {n.status} after {n.attempts} attempt{n.attempts === 1 ? "" : "s"}
                    {n.lastError ? ` — ${n.lastError}` : ""}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h2>Cron runs</h2>
      <p class="muted">The probe rounds the minute cron logged in the last hour; a gap means a run that did not write.</p>
      {overview.rounds.length === 0 ? (
        <p class="warn">No rounds in the last hour: is the cron trigger running?</p>
      ) : (
        <ul>
          {overview.rounds.map((r) => (
            <li>
              <Time at={r.checkedAt} /> — {r.components} components, {r.unhealthy === 0 ? "all healthy" : `${r.unhealthy} not healthy`}
            </li>
          ))}
        </ul>
      )}
    </Shell>
  );
};

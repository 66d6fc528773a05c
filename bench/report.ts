// The benchmark's figures as Markdown, from bench/results.json alone: what `npm run bench`
// prints and what docs/benchmarks.md shows between its markers (`npm run bench:docs`
// rewrites that part; CI checks it is current). Goals are stated here with their verdicts,
// so the page never carries a figure the results do not.

export interface HttpFigure {
  name: string;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  non2xx: number;
  throughputRatio: number;
  p50Ratio: number;
}

export interface FlagFigure {
  name: string;
  evaluationsPerSecond: number;
  enabledShare: number;
}

export interface BenchResults {
  date: string;
  quick: boolean;
  rounds: number;
  secondsPerRound: number;
  connections: number;
  node: string;
  bundle: { totalKiB: number; gzipKiB: number; startupActiveMs: number };
  flags: { flags: number; users: number; rounds: number; results: FlagFigure[]; perRequest: FlagFigure };
  http: HttpFigure[];
  probeRound: { latenciesMs: number[]; wallMs: number; ratio: number };
  limiterCost: { requestsPerSecondRatio: number; p50WithMs: number; p50WithoutMs: number };
  burst: { sent: number; allowed: number; admitted: number; refused: number; other: number };
  load: {
    seconds: number;
    requestsPerSecond: number;
    total: number;
    status200: number;
    status429: number;
    status5xx: number;
    errors: number;
    clients: number;
    admittedPerClient: number;
    allowancePerClient: number;
    rssBeforeMb: number;
    rssAfterMb: number;
  };
}

/** The goals, as ratios against baselines of the same run. */
export const GOALS = {
  /** Cached public answers: median latency within this many times the bare route's. */
  cachedP50Ratio: 1.5,
  /** A probe round: wall time within this many times its slowest probe (parallel probes). */
  probeRoundRatio: 1.25,
};

const n = (value: number) => value.toLocaleString("en-US");

/** A Markdown table with its columns aligned, as the formatter (Biome) writes them. */
function table(header: string[], align: ("left" | "right")[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(3, h.length, ...rows.map((r) => r[i]!.length)));
  const pad = (cell: string, i: number) => (align[i] === "right" ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!));
  const line = (cells: string[]) => `| ${cells.map(pad).join(" | ")} |`;
  const rule = `| ${widths.map((w, i) => (align[i] === "right" ? `${"-".repeat(w - 1)}:` : "-".repeat(w))).join(" | ")} |`;
  return [line(header), rule, ...rows.map(line)].join("\n");
}
const verdict = (met: boolean) => (met ? "met" : "**missed**");

export function renderReport(r: BenchResults): string {
  const cached = r.http.filter((h) => h.name.includes("edge cache"));
  const worstCached = Math.max(...cached.map((h) => h.p50Ratio));
  return [
    `Run of ${r.date.slice(0, 10)}${r.quick ? " (quick: short rounds, for reading only)" : ""}, Node ${r.node}.`,
    "",
    "### Goals",
    "",
    table(
      ["goal", "measured", "verdict"],
      ["left", "left", "left"],
      [
        [
          `cached public answers: p50 within ${GOALS.cachedP50Ratio}× the bare route's`,
          cached.map((h) => `${h.p50Ratio.toFixed(2)}×`).join(", "),
          verdict(worstCached <= GOALS.cachedP50Ratio),
        ],
        [
          `probe round: wall time within ${GOALS.probeRoundRatio}× its slowest probe`,
          `${r.probeRound.ratio.toFixed(2)}×`,
          verdict(r.probeRound.ratio <= GOALS.probeRoundRatio),
        ],
        [
          `limiter exact under a burst: ${r.burst.allowed} of ${r.burst.sent} admitted`,
          `${r.burst.admitted} admitted, ${r.burst.refused} refused, ${r.burst.other} other`,
          verdict(r.burst.admitted === r.burst.allowed && r.burst.other === 0),
        ],
        [
          "limiter exact under load: at most the allowance per client, no 5xx",
          `${r.load.admittedPerClient} of ${r.load.allowancePerClient}, ${r.load.status5xx} × 5xx`,
          verdict(r.load.admittedPerClient <= r.load.allowancePerClient && r.load.status5xx === 0),
        ],
      ],
    ),
    "",
    `### HTTP (wrangler dev / workerd, ${r.connections} connections, median of ${r.rounds} × ${r.secondsPerRound} s)`,
    "",
    table(
      ["route", "req/s", "vs bare", "p50 ms", "p99 ms", "p50 vs bare"],
      ["left", "right", "right", "right", "right", "right"],
      r.http.map((h) => [h.name, n(h.requestsPerSecond), `${h.throughputRatio.toFixed(2)}×`, String(h.p50), String(h.p99), `${h.p50Ratio.toFixed(2)}×`]),
    ),
    "",
    `Rate limiter in the path (cached /status): ${r.limiterCost.requestsPerSecondRatio.toFixed(2)}× the throughput without it (p50 ${r.limiterCost.p50WithMs} ms vs ${r.limiterCost.p50WithoutMs} ms).`,
    "",
    `Probe round with vendors at ${r.probeRound.latenciesMs.join("/")} ms: ${r.probeRound.wallMs} ms wall, ${r.probeRound.ratio.toFixed(2)}× the slowest probe (1.00 = perfectly parallel).`,
    "",
    `Load: ${r.load.seconds} s at ${n(r.load.requestsPerSecond)} req/s from ${r.load.clients} client addresses: ${n(r.load.total)} requests, ${n(r.load.status200)} × 200, ${n(r.load.status429)} × 429, ${r.load.status5xx} × 5xx, ${r.load.errors} errors; admitted ${r.load.admittedPerClient} per client against an allowance of ${r.load.allowancePerClient} (60 + 1/s); memory of the dev processes ${r.load.rssBeforeMb} MB → ${r.load.rssAfterMb} MB.`,
    "",
    "### Flag evaluation (in memory, Node)",
    "",
    renderFlagTable(r.flags),
    "",
    `### Bundle: ${r.bundle.totalKiB} KiB, ${r.bundle.gzipKiB} KiB gzip; cold start ${r.bundle.startupActiveMs} ms of CPU (wrangler check startup, local workerd)`,
  ].join("\n");
}

/** In-memory flag evaluation: ours against the other engines, and one request's worth. */
export function renderFlagTable(f: BenchResults["flags"]): string {
  const ours = f.results[0]!.evaluationsPerSecond;
  return [
    table(
      ["evaluator", "evaluations/s (median)", "relative to this project", "share enabled"],
      ["left", "right", "right", "right"],
      f.results.map((e) => [e.name, n(e.evaluationsPerSecond), `${(e.evaluationsPerSecond / ours).toFixed(2)}×`, `${(e.enabledShare * 100).toFixed(1)} %`]),
    ),
    "",
    `getEnabledFeatures for ${f.flags} flags: ${n(Math.round(f.perRequest.evaluationsPerSecond / f.flags))} requests/s, ${((f.flags / f.perRequest.evaluationsPerSecond) * 1e6).toFixed(1)} µs each; ${f.flags} flags × ${n(f.users)} users, median of ${f.rounds} rounds.`,
  ].join("\n");
}

const START = "<!-- bench:results:start (generated from bench/results.json by npm run bench:docs; do not edit) -->";
const END = "<!-- bench:results:end -->";

/** The page with its generated part replaced by this report. */
export function withReport(page: string, results: BenchResults): string {
  const start = page.indexOf(START);
  const end = page.indexOf(END);
  if (start < 0 || end < start) throw new Error(`docs/benchmarks.md has lost its markers (${START} … ${END})`);
  return `${page.slice(0, start + START.length)}\n\n${renderReport(results)}\n\n${page.slice(end)}`;
}

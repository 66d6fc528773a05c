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

export interface BuildFigure {
  totalKiB: number;
  gzipKiB: number;
  /** Median start-up CPU (wrangler check startup, local workerd), and every run. */
  startupMs: number;
  startupRunsMs: number[];
}

export interface BenchResults {
  date: string;
  quick: boolean;
  rounds: number;
  secondsPerRound: number;
  connections: number;
  node: string;
  /** The service, the stack it is built on used once (bench/stack-floor-worker), a bare Hono Worker. */
  build: { service: BuildFigure; stackFloor: BuildFigure; bare: BuildFigure };
  /** In the bare Worker under wrangler dev: a route's p50, the same route calling an empty Durable Object. */
  objectCall: { routeP50Ms: number; objectP50Ms: number; costMs: number };
  /** As the database endpoint (the local relay) counts them, connection set-up included. */
  roundTrips: { uncachedStatus: number };
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
  /** The Worker's bundle, gzipped (KiB). */
  bundleGzipKiB: 150,
  /** Start-up CPU within this many times a bare Hono Worker's. */
  startupRatio: 2,
  /** Flag evaluations a second, in memory, one core. */
  flagEvaluationsPerSecond: 5_000_000,
  /** Cached /status with the limiter: median latency within this many times the bare route's. */
  cachedP50Ratio: 1.3,
  /** Database round trips of an uncached /status, connection set-up included. */
  uncachedStatusRoundTrips: 1,
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
  const { service, stackFloor, bare } = r.build;
  const statusWithLimiter = r.http.find((h) => h.name.includes("status") && h.name.includes("cache, limiter"))!;
  const limiterMs = r.limiterCost.p50WithMs - r.limiterCost.p50WithoutMs;
  const ours = r.flags.results[0]!.evaluationsPerSecond;
  const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
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
          `bundle ≤ ${GOALS.bundleGzipKiB} KiB gzip`,
          `${service.gzipKiB} KiB (the stack alone: ${stackFloor.gzipKiB} KiB; a bare Hono Worker: ${bare.gzipKiB} KiB)`,
          verdict(service.gzipKiB <= GOALS.bundleGzipKiB),
        ],
        [
          `start-up ≤ ${GOALS.startupRatio}× a bare Hono Worker's`,
          `${ratio(service.startupMs, bare.startupMs)} (${service.startupMs} ms vs ${bare.startupMs} ms; the stack alone ${ratio(stackFloor.startupMs, bare.startupMs)})`,
          verdict(service.startupMs <= GOALS.startupRatio * bare.startupMs),
        ],
        [`flag evaluations ≥ ${n(GOALS.flagEvaluationsPerSecond)}/s`, `${n(ours)}/s`, verdict(ours >= GOALS.flagEvaluationsPerSecond)],
        [
          `cached /status with the limiter: p50 ≤ ${GOALS.cachedP50Ratio}× the bare route's`,
          `${statusWithLimiter.p50Ratio.toFixed(2)}×; the limiter adds ${limiterMs} ms, an empty Durable Object call ${r.objectCall.costMs} ms`,
          verdict(statusWithLimiter.p50Ratio <= GOALS.cachedP50Ratio),
        ],
        [
          `database round trips of an uncached /status = ${GOALS.uncachedStatusRoundTrips}`,
          String(r.roundTrips.uncachedStatus),
          verdict(r.roundTrips.uncachedStatus === GOALS.uncachedStatusRoundTrips),
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
    `### Build (minified; start-up: wrangler check startup in local workerd, median of ${service.startupRunsMs.length} interleaved runs)`,
    "",
    table(
      ["Worker", "bundle KiB", "gzip KiB", "start-up ms", "vs bare"],
      ["left", "right", "right", "right", "right"],
      [
        ["this service", service],
        ["its libraries used once (Hono, zod, Drizzle, Neon)", stackFloor],
        ["a bare Hono Worker", bare],
      ].map(([name, f]) => {
        const figure = f as BuildFigure;
        return [name as string, n(figure.totalKiB), n(figure.gzipKiB), String(figure.startupMs), ratio(figure.startupMs, bare.startupMs)];
      }),
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
    `Rate limiter in the path (cached /status): ${r.limiterCost.requestsPerSecondRatio.toFixed(2)}× the throughput without it (p50 ${r.limiterCost.p50WithMs} ms vs ${r.limiterCost.p50WithoutMs} ms). In the bare Worker under the same runtime, a route answers in ${r.objectCall.routeP50Ms} ms at p50 and the same route calling a Durable Object that does nothing in ${r.objectCall.objectP50Ms} ms.`,
    "",
    `Database round trips of an uncached /status, as the database endpoint counts them (connection set-up included): ${r.roundTrips.uncachedStatus}.`,
    "",
    `Probe round with vendors at ${r.probeRound.latenciesMs.join("/")} ms: ${r.probeRound.wallMs} ms wall, ${r.probeRound.ratio.toFixed(2)}× the slowest probe (1.00 = perfectly parallel).`,
    "",
    `Load: ${r.load.seconds} s at ${n(r.load.requestsPerSecond)} req/s from ${r.load.clients} client addresses: ${n(r.load.total)} requests, ${n(r.load.status200)} × 200, ${n(r.load.status429)} × 429, ${r.load.status5xx} × 5xx, ${r.load.errors} errors; admitted ${r.load.admittedPerClient} per client against an allowance of ${r.load.allowancePerClient} (60 + 1/s); memory of the dev processes ${r.load.rssBeforeMb} MB → ${r.load.rssAfterMb} MB.`,
    "",
    "### Flag evaluation (in memory, Node)",
    "",
    renderFlagTable(r.flags),
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

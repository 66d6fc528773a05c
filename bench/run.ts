// npm run bench — one run, side by side, ratios against baselines measured in the same run
// (this machine is noisy). Prints the report (bench/report.ts). A full run writes
// bench/results.json (committed) and the generated part of docs/benchmarks.md.
//   BENCH_QUICK=1 (or --quick): short rounds, for CI; written to bench/results/quick.json
//   only, the figures for reading, not gates.
// Every server it starts gets a free port and a process group of its own, and exactly
// those groups are stopped.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import autocannon from "autocannon";
import { freePort } from "../scripts/lib/free-port.ts";
import { renderReport, withReport, type BenchResults, type BuildFigure } from "./report.ts";

const quick = process.argv.includes("--quick") || process.env.BENCH_QUICK === "1";
if (quick) process.env.BENCH_QUICK = "1";
const ROUNDS = quick ? 1 : 3;
const SECONDS = quick ? 2 : 5;
const LOAD_SECONDS = quick ? 8 : 60;
const STARTUP_ROUNDS = quick ? 3 : 9;
const CONNECTIONS = 10;
const WRANGLER = resolve("node_modules/wrangler/bin/wrangler.js");
const QUIET_WRANGLER = { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" };
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const log = (message: string) => console.error(`[bench] ${message}`);

interface Server {
  base: string;
  output: () => string;
  process: ChildProcess;
  cleanup: () => void;
}

/** Starts a command in a process group of its own and waits until `ready` answers. */
async function startGroup(name: string, command: string[], env: NodeJS.ProcessEnv, ready: string, cleanup = () => {}): Promise<Server> {
  const child = spawn(process.execPath, command, { env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const deadline = Date.now() + 120_000;
  while (
    !(await fetch(ready).then(
      (r) => r.ok,
      () => false,
    ))
  ) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`${name} did not come up\n${output.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 300));
  }
  log(`${name}: up`);
  return { base: new URL(ready).origin, output: () => output, process: child, cleanup };
}

/** `npm run dev` (the service, on the embedded database) with these settings. */
async function startService(name: string, env: Record<string, string>): Promise<Server & { vendors: string; relay: string }> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), `phs-bench-${name}-`));
  const server = await startGroup(
    name,
    ["scripts/dev.ts"],
    { ...process.env, DATABASE_URL: "", PORT: String(port), PGLITE_DATA_DIR: dataDir, LOG_LEVEL: "warn", ...env },
    `http://127.0.0.1:${port}/api/ping`,
    () => rmSync(dataDir, { recursive: true, force: true }),
  );
  const vendors = /fake vendors \(Stripe, Twilio, Resend\): (http:\/\/[\d.:]+)/.exec(server.output())?.[1] ?? "";
  const relay = /neon relay \(WebSocket and HTTP\): ([\d.:]+)/.exec(server.output())?.[1] ?? "";
  return { ...server, vendors, relay };
}

/** `wrangler dev` of one of the baseline Workers. */
async function startBaseline(name: string, directory: string): Promise<Server> {
  const port = await freePort();
  return startGroup(
    name,
    [WRANGLER, "dev", "--cwd", directory, "--port", String(port), "--ip", "127.0.0.1", "--show-interactive-dev-session=false"],
    QUIET_WRANGLER,
    `http://127.0.0.1:${port}/ping`,
  );
}

async function stop(server: Server): Promise<void> {
  const group = -server.process.pid!;
  try {
    process.kill(group, "SIGINT");
  } catch {
    // gone
  }
  await new Promise((r) => setTimeout(r, 1500));
  try {
    process.kill(group, "SIGKILL");
  } catch {
    // gone
  }
  server.cleanup();
}

type HttpFigure = Omit<BenchResults["http"][number], "throughputRatio" | "p50Ratio">;

async function measure(name: string, url: string, headers: Record<string, string> = {}): Promise<HttpFigure> {
  const runs: autocannon.Result[] = [];
  await autocannon({ url, connections: CONNECTIONS, duration: 1, headers }); // warm-up
  for (let i = 0; i < ROUNDS; i++) runs.push(await autocannon({ url, connections: CONNECTIONS, duration: SECONDS, headers }));
  return {
    name,
    requestsPerSecond: Math.round(median(runs.map((r) => r.requests.average))),
    p50: median(runs.map((r) => r.latency.p50)),
    p99: median(runs.map((r) => r.latency.p99)),
    non2xx: runs.reduce((sum, r) => sum + r.non2xx, 0),
  };
}

function processGroupRssMb(pid: number): number {
  const out = execFileSync("ps", ["-o", "rss=", "-g", String(pid)], { encoding: "utf8" });
  return Math.round(
    out
      .split("\n")
      .filter(Boolean)
      .reduce((sum, kb) => sum + Number(kb), 0) / 1024,
  );
}

/** One `wrangler check startup` of the Worker in `directory`: bundle size and start-up CPU. */
function checkStartup(directory: string): { totalKiB: number; gzipKiB: number; startupMs: number } {
  const out = execFileSync(process.execPath, [WRANGLER, "check", "startup", "--outfile", join(tmpdir(), "phs-bench-startup.cpuprofile")], {
    cwd: directory,
    encoding: "utf8",
    env: QUIET_WRANGLER,
  });
  return {
    totalKiB: Number(/Bundle: ([\d.]+) KiB/.exec(out)?.[1]),
    gzipKiB: Number(/gzip: ([\d.]+) KiB/.exec(out)?.[1]),
    startupMs: Number(/Active: ([\d.]+) ms/.exec(out)?.[1]),
  };
}

const results: Partial<BenchResults> = {
  date: new Date().toISOString(),
  quick,
  rounds: ROUNDS,
  secondsPerRound: SECONDS,
  connections: CONNECTIONS,
  node: process.version,
};

// Build: bundle and start-up CPU of the service and the two baselines, interleaved round by
// round so drift on a noisy machine hits all three alike.
log(`bundle and start-up, ${STARTUP_ROUNDS} rounds`);
const workers = { service: ".", stackFloor: "bench/stack-floor-worker", bare: "bench/bare-worker" } as const;
const startups = Object.fromEntries(Object.keys(workers).map((k) => [k, [] as ReturnType<typeof checkStartup>[]])) as Record<
  keyof typeof workers,
  ReturnType<typeof checkStartup>[]
>;
for (let round = 0; round < STARTUP_ROUNDS; round++) {
  for (const [name, directory] of Object.entries(workers) as [keyof typeof workers, string][]) startups[name].push(checkStartup(directory));
}
const buildFigure = (runs: ReturnType<typeof checkStartup>[]): BuildFigure => ({
  totalKiB: runs[0]!.totalKiB,
  gzipKiB: runs[0]!.gzipKiB,
  startupMs: median(runs.map((r) => r.startupMs).filter((ms) => ms > 0)),
  startupRunsMs: runs.map((r) => r.startupMs),
});
results.build = { service: buildFigure(startups.service), stackFloor: buildFigure(startups.stackFloor), bare: buildFigure(startups.bare) };

// Flags, in memory.
log("flag evaluation");
const { flagsBench } = await import("./flags.ts");
results.flags = { results: flagsBench.results, perRequest: flagsBench.perRequest, users: flagsBench.users, flags: flagsBench.flags, rounds: flagsBench.rounds };

// The runtime's floor for a request and for a Durable Object call, in the bare Worker.
const bare = await startBaseline("bare Worker", workers.bare);
let objectCall: BenchResults["objectCall"];
try {
  const ping = await measure("bare Worker: a route", `${bare.base}/ping`);
  const object = await measure("bare Worker: a route calling an empty Durable Object", `${bare.base}/object`);
  objectCall = { routeP50Ms: ping.p50, objectP50Ms: object.p50, costMs: object.p50 - ping.p50 };
} finally {
  await stop(bare);
}
results.objectCall = objectCall;

// HTTP: limiter on (never refusing) with the edge cache; limiter off with cache; both off.
const figures: HttpFigure[] = [];
const limited = await startService("limited", { RATE_LIMIT_PER_MINUTE: "1000000000" });
try {
  figures.push(await measure("bare Hono route (/api/ping)", `${limited.base}/api/ping`));
  figures.push(await measure("/api/portal/status, edge cache, limiter", `${limited.base}/api/portal/status`));
  figures.push(await measure("/api/portal/health, edge cache, limiter", `${limited.base}/api/portal/health`));
} finally {
  await stop(limited);
}
const unlimited = await startService("unlimited", { RATE_LIMIT: "off" });
try {
  figures.push(await measure("/api/portal/status, edge cache, no limiter", `${unlimited.base}/api/portal/status`));
} finally {
  await stop(unlimited);
}
const uncached = await startService("uncached", { RATE_LIMIT: "off", EDGE_CACHE: "off" });
let probe: BenchResults["probeRound"] | undefined;
try {
  // Round trips of one uncached /status, as the relay (the database endpoint) counts them.
  const counts = async () =>
    Object.values((await (await fetch(`http://${uncached.relay}/round-trips`)).json()) as Record<string, number>).reduce((a, b) => a + b, 0);
  await fetch(`${uncached.base}/api/portal/status`); // the isolate warm, the database open
  const before = await counts();
  await (await fetch(`${uncached.base}/api/portal/status`)).text();
  await new Promise((r) => setTimeout(r, 500)); // work after the response (none expected) settles
  results.roundTrips = { uncachedStatus: (await counts()) - before };

  figures.push(await measure("/api/portal/status, no cache (1 database round trip)", `${uncached.base}/api/portal/status`));
  // A probe round with the three fake vendors at set latencies, against the slowest one.
  const latencies = { stripe: 120, twilio: 240, resend: 360 };
  await fetch(`${uncached.vendors}/__control/default`, {
    method: "POST",
    body: JSON.stringify(Object.fromEntries(Object.entries(latencies).map(([v, ms]) => [v, { latencyMs: ms }]))),
  });
  const walls: number[] = [];
  for (let i = 0; i < (quick ? 3 : 9); i++) {
    const started = performance.now();
    await (await fetch(`${uncached.base}/api/portal/health`)).text();
    walls.push(performance.now() - started);
  }
  const wallMs = Math.round(median(walls));
  probe = { latenciesMs: Object.values(latencies), wallMs, ratio: Number((wallMs / 360).toFixed(2)) };
} finally {
  await stop(uncached);
}
const baseline = figures[0]!;
results.http = figures.map((f) => ({
  ...f,
  throughputRatio: Number((f.requestsPerSecond / baseline.requestsPerSecond).toFixed(2)),
  p50Ratio: Number((f.p50 / Math.max(baseline.p50, 0.5)).toFixed(2)),
}));
results.probeRound = probe;
const cachedWith = figures.find((f) => f.name.includes("cache, limiter") && f.name.includes("status"))!;
const cachedWithout = figures.find((f) => f.name.includes("no limiter"))!;
results.limiterCost = {
  requestsPerSecondRatio: Number((cachedWith.requestsPerSecond / cachedWithout.requestsPerSecond).toFixed(2)),
  p50WithMs: cachedWith.p50,
  p50WithoutMs: cachedWithout.p50,
};

// Exactness and load, with the spec's limits (60 a minute per client).
const real = await startService("spec-limits", {});
let load: BenchResults["load"] | undefined;
try {
  const burst = await Promise.all(
    Array.from({ length: 200 }, () => fetch(`${real.base}/api/portal/status`, { headers: { "cf-connecting-ip": "198.51.100.200" } }).then((r) => r.status)),
  );
  results.burst = {
    sent: 200,
    allowed: 60,
    admitted: burst.filter((s) => s === 200).length,
    refused: burst.filter((s) => s === 429).length,
    other: burst.filter((s) => s !== 200 && s !== 429).length,
  };
  log(`load: ${LOAD_SECONDS} s from 20 client addresses`);
  const clients = Array.from({ length: 20 }, (_, i) => `203.0.113.${i + 1}`);
  let next = 0;
  const rssBefore = processGroupRssMb(real.process.pid!);
  const started = Date.now();
  const result = await autocannon({
    url: `${real.base}/api/portal/status`,
    connections: CONNECTIONS,
    duration: LOAD_SECONDS,
    requests: [
      {
        setupRequest: (request: Record<string, any>) => {
          request.headers = { ...(request.headers ?? {}), "cf-connecting-ip": clients[next++ % clients.length] };
          return request;
        },
      },
    ],
  });
  const elapsedSeconds = (Date.now() - started) / 1000;
  const rssAfter = processGroupRssMb(real.process.pid!);
  const codes = result.statusCodeStats as unknown as Record<string, { count: number }>;
  const ok = codes["200"]?.count ?? 0;
  const fiveXX = Object.entries(codes)
    .filter(([code]) => code.startsWith("5"))
    .reduce((sum, [, v]) => sum + v.count, 0);
  load = {
    seconds: LOAD_SECONDS,
    requestsPerSecond: Math.round(result.requests.average),
    total: result.requests.total,
    status200: ok,
    status429: codes["429"]?.count ?? 0,
    status5xx: fiveXX,
    errors: result.errors,
    clients: clients.length,
    admittedPerClient: Math.round(ok / clients.length),
    // GCRA allowance per client over the run: the burst of 60 plus one a second.
    allowancePerClient: 60 + Math.floor(elapsedSeconds),
    rssBeforeMb: rssBefore,
    rssAfterMb: rssAfter,
  };
  results.load = load;
} finally {
  await stop(real);
}

const complete = results as BenchResults;
const report = renderReport(complete);
if (quick) {
  mkdirSync("bench/results", { recursive: true });
  writeFileSync("bench/results/quick.json", JSON.stringify(complete, null, 2));
} else {
  writeFileSync("bench/results.json", `${JSON.stringify(complete, null, 2)}\n`);
  writeFileSync("docs/benchmarks.md", withReport(readFileSync("docs/benchmarks.md", "utf8"), complete));
  log("wrote bench/results.json and docs/benchmarks.md");
}
console.log(report);
process.exit(0);

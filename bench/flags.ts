// npm run bench:flags — in-memory flag evaluation: this project's evaluator against the
// local-evaluation engines of unleash-client and @growthbook/growthbook, on the same 50
// flags (allow-list + percentage rollout) and the same users, in one run. Figures are
// evaluations per second, median of several rounds, and ratios to this project's.
import { writeFileSync, mkdirSync } from "node:fs";
import { GrowthBookClient } from "@growthbook/growthbook";
import unleashClientModule from "unleash-client/lib/client.js";
import { defaultStrategies } from "unleash-client/lib/strategy/index.js";
import { EventEmitter } from "node:events";
import { compileFlag, compileFlags, isFlagOn, prepareContext } from "../src/flags/evaluate.ts";
import { renderFlagTable } from "./report.ts";

const quick = process.argv.includes("--quick") || process.env.BENCH_QUICK === "1";
const FLAGS = 50;
const USERS = quick ? 2_000 : 10_000;
const ROUNDS = quick ? 3 : 7;

// Deterministic inputs (mulberry32), so every run measures the same work.
let seed = 2026;
const random = () => {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const hex = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join("");
const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-8${hex(3)}-${hex(12)}`;
const users = Array.from({ length: USERS }, uuid);
const flags = Array.from({ length: FLAGS }, (_, i) => ({
  key: `portal_feature_${i}`,
  enabled: i % 10 !== 9,
  rolloutPercentage: [0, 5, 10, 25, 50, 75, 90, 100][i % 8]!,
  userIds: Array.from({ length: 20 }, () => users[Math.floor(random() * users.length)]!),
  customerIds: [] as string[],
  salt: hex(16),
}));

// This project.
const compiled = flags.map(compileFlag);
// The same, with every fifth flag requiring the flag before it (prerequisites evaluated on the way).
const withPrerequisites = [...compileFlags(flags.map((f, i) => ({ ...f, requires: i % 5 === 4 ? [flags[i - 1]!.key] : [] }))).values()];
function oursWithPrerequisites(): number {
  let on = 0;
  for (const userId of users) {
    const context = prepareContext({ userId });
    for (const flag of withPrerequisites) if (isFlagOn(flag, context)) on++;
  }
  return on;
}
function ours(): number {
  let on = 0;
  for (const userId of users) {
    const context = prepareContext({ userId });
    for (const flag of compiled) if (isFlagOn(flag, context)) on++;
  }
  return on;
}

// Unleash: its client-side evaluation engine with the same flags as toggles.
class StaticRepository extends EventEmitter {
  private readonly toggles: Map<string, any>;
  constructor(toggles: any[]) {
    super();
    this.toggles = new Map(toggles.map((t) => [t.name, t]));
  }
  getToggle(name: string) {
    return this.toggles.get(name);
  }
  getToggles() {
    return [...this.toggles.values()];
  }
  getTogglesWithSegmentData() {
    return this.getToggles();
  }
  getSegment() {
    return undefined;
  }
  stop() {}
  async start() {}
}
// CommonJS default export, seen from ESM.
const UnleashClient = (unleashClientModule as any).default ?? unleashClientModule;
const unleash = new UnleashClient(
  new StaticRepository(
    flags.map((f) => ({
      name: f.key,
      enabled: f.enabled,
      strategies: [
        { name: "userWithId", parameters: { userIds: f.userIds.join(",") }, constraints: [] },
        { name: "flexibleRollout", parameters: { rollout: String(f.rolloutPercentage), stickiness: "userId", groupId: f.key }, constraints: [] },
      ],
    })),
  ),
  defaultStrategies,
);
function unleashRun(): number {
  let on = 0;
  for (const userId of users) {
    const context = { userId };
    for (const flag of flags) if (unleash.isEnabled(flag.key, context, () => false)) on++;
  }
  return on;
}

// GrowthBook: the multi-user server client, evaluating locally.
const growthbook = new GrowthBookClient().initSync({
  payload: {
    features: Object.fromEntries(
      flags.map((f) => [
        f.key,
        {
          defaultValue: false,
          rules: f.enabled
            ? [
                { condition: { id: { $in: f.userIds } }, force: true },
                { force: true, coverage: f.rolloutPercentage / 100, hashAttribute: "id", seed: f.salt },
              ]
            : [],
        },
      ]),
    ),
  },
});
function growthbookRun(): number {
  let on = 0;
  for (const id of users) {
    const context = { attributes: { id } };
    for (const flag of flags) if (growthbook.isOn(flag.key, context)) on++;
  }
  return on;
}

type Contender = { name: string; run: () => number };

// Rounds interleave the contenders, so drift on a noisy machine hits all of them alike.
function measure(contenders: Contender[]) {
  for (const c of contenders) c.run(); // warm-up: JIT and caches
  const rates = new Map(contenders.map((c) => [c.name, [] as number[]]));
  const enabled = new Map<string, number>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const c of contenders) {
      const started = process.hrtime.bigint();
      enabled.set(c.name, c.run());
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      rates.get(c.name)!.push((USERS * FLAGS) / seconds);
    }
  }
  return contenders.map((c) => {
    const sorted = rates.get(c.name)!.sort((a, b) => a - b);
    return { name: c.name, evaluationsPerSecond: Math.round(sorted[Math.floor(sorted.length / 2)]!), enabledShare: enabled.get(c.name)! / (USERS * FLAGS) };
  });
}

const [perRequest, ...results] = measure([
  // getEnabledFeatures for one request: all 50 flags for one user, in memory.
  {
    name: "getEnabledFeatures (50 flags)",
    run: () =>
      users.reduce((on, userId) => {
        const context = prepareContext({ userId });
        return on + compiled.filter((flag) => isFlagOn(flag, context)).length;
      }, 0),
  },
  { name: "portal-health-status", run: ours },
  { name: "portal-health-status, a fifth of the flags with a prerequisite", run: oursWithPrerequisites },
  { name: "unleash-client", run: unleashRun },
  { name: "@growthbook/growthbook", run: growthbookRun },
]);
export const flagsBench = { flags: FLAGS, users: USERS, rounds: ROUNDS, results, perRequest: perRequest! };

// Run on its own (npm run bench:flags), print and keep the figures.
if (import.meta.main) {
  console.log(renderFlagTable(flagsBench));
  mkdirSync("bench/results", { recursive: true });
  writeFileSync("bench/results/flags.json", JSON.stringify({ date: new Date().toISOString(), ...flagsBench }, null, 2));
}

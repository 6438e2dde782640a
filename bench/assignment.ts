// bench/assignment: latency of one assignment decision (routing.chooseAgent) over 500 online agents, per
// strategy, against a plain copy-and-sort of the same 500 agents measured in the same run (the baseline).
// Target (issue 4): p99 ≤ 5 ms per decision.
// Usage: node --import tsx bench/assignment.ts [--agents=500] [--decisions=20000] [--seed=7]
import {
  type AssignmentStrategy,
  chooseAgent,
  type RoutableAgent,
  type RoutableCase,
} from "../apps/server/src/modules/routing/index.ts";

const arg = (name: string, fallback: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback;
const agentCount = Number(arg("agents", "500"));
const decisions = Number(arg("decisions", "20000"));
let seed = Number(arg("seed", "7"));

/** A small deterministic PRNG (mulberry32) so every run sees the same roster and cases. */
function random(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
  return ((x ^ (x >>> 14)) >>> 0) / 4_294_967_296;
}
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));

const TEAMS = ["support", "billing", "sales", "vip", "tech"];
const SKILLS = ["en", "fr", "de", "zh", "es", "ja", "billing", "refunds", "hardware", "vip"];
const CHANNELS = ["chat", "email", "wechat", "whatsapp"];
const now = new Date("2026-03-23T10:00:00Z");

const agents: RoutableAgent[] = Array.from({ length: agentCount }, (_, i) => {
  const skills: Record<string, number> = {};
  for (const skill of SKILLS) if (random() < 0.4) skills[skill] = int(1, 5);
  const capacity: Record<string, number> = {};
  const load: Record<string, number> = {};
  for (const channel of CHANNELS) {
    capacity[channel] = channel === "email" ? int(10, 30) : int(2, 8);
    load[channel] = int(0, (capacity[channel] ?? 0) - 1);
  }
  return {
    id: `agent-${String(i).padStart(4, "0")}`,
    name: `Agent ${i}`,
    presence: "online",
    teams: Array.from(new Set([pick(TEAMS), pick(TEAMS)])),
    skills,
    capacity,
    load,
    lastAssignedAt: new Date(now.getTime() - int(0, 3_600_000)),
    idleSince: random() < 0.5 ? new Date(now.getTime() - int(0, 1_800_000)) : null,
  };
});

const cases: RoutableCase[] = Array.from({ length: 256 }, () => ({
  priority: pick(["urgent", "high", "normal", "low"] as const),
  teamId: random() < 0.2 ? null : pick(TEAMS),
  requiredSkills: Array.from({ length: int(0, 2) }, () => ({ name: pick(SKILLS), minProficiency: int(1, 4) })),
  channelType: pick(CHANNELS),
  lastAgentId: random() < 0.5 ? (pick(agents).id ?? null) : null,
}));

/** Per-call latencies in ms of `fn`, called `count` times. */
function sample(count: number, fn: (i: number) => number): { times: Float64Array; checksum: number } {
  const times = new Float64Array(count);
  let checksum = 0;
  for (let i = 0; i < count; i++) {
    const start = process.hrtime.bigint();
    checksum += fn(i);
    times[i] = Number(process.hrtime.bigint() - start) / 1e6;
  }
  return { times, checksum };
}

function percentile(times: Float64Array, p: number): number {
  const sorted = Float64Array.from(times).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

const baseline = (i: number) => {
  const channel = CHANNELS[i % CHANNELS.length] ?? "chat";
  const sorted = agents
    .slice()
    .sort((a, b) => (a.load[channel] ?? 0) - (b.load[channel] ?? 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return sorted.length;
};
const decide = (strategy: AssignmentStrategy, sticky: boolean) => (i: number) => {
  const kase = cases[i % cases.length] as RoutableCase;
  return chooseAgent(kase, agents, { strategy, sticky, now }).explanation.length;
};

const variants: { label: string; fn: (i: number) => number }[] = [
  { label: "round_robin", fn: decide("round_robin", false) },
  { label: "least_loaded", fn: decide("least_loaded", false) },
  { label: "skills_all", fn: decide("skills_all", false) },
  { label: "skills_best", fn: decide("skills_best", false) },
  { label: "skills_best+sticky", fn: decide("skills_best", true) },
];

// Warm up the JIT on every path, then alternate baseline and decisions in rounds so drift hits both alike.
for (const v of [{ label: "baseline", fn: baseline }, ...variants]) sample(2_000, v.fn);
const rounds = 5;
const perRound = Math.ceil(decisions / rounds);
const collected = new Map<string, number[]>();
let checksum = 0;
for (let r = 0; r < rounds; r++) {
  for (const v of [{ label: "baseline", fn: baseline }, ...variants]) {
    const { times, checksum: c } = sample(perRound, v.fn);
    checksum += c;
    const list = collected.get(v.label) ?? [];
    for (const t of times) list.push(t);
    collected.set(v.label, list);
  }
}

const figures = (label: string) => {
  const times = Float64Array.from(collected.get(label) ?? []);
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
};
const base = figures("baseline");
const fmt = (ms: number) => `${(ms * 1000).toFixed(1).padStart(7)} µs`;
console.log(
  `${agentCount} online agents, ${cases.length} distinct cases, ${rounds * perRound} decisions per strategy (node ${process.version})`,
);
console.log(`${"baseline: copy + sort agents by load".padEnd(38)} p50 ${fmt(base.p50)}  p99 ${fmt(base.p99)}`);
let worstP99 = 0;
for (const v of variants) {
  const f = figures(v.label);
  worstP99 = Math.max(worstP99, f.p99);
  console.log(
    `${`chooseAgent ${v.label}`.padEnd(38)} p50 ${fmt(f.p50)}  p99 ${fmt(f.p99)}  ratio p50 ${(f.p50 / base.p50).toFixed(2)}  p99 ${(f.p99 / base.p99).toFixed(2)}`,
  );
}
console.log(
  `worst decision p99: ${(worstP99 * 1000).toFixed(1)} µs (target ≤ 5000 µs) ${worstP99 <= 5 ? "OK" : "ABOVE TARGET"}`,
);
if (checksum < 0) console.log(checksum);

// bench/automation-rules: time to evaluate 200 active rules (keywords, contains, regex, nested all/any) for one
// inbound message, p50/p99 over 20,000 messages, against a baseline of 200 plain String.includes checks of the
// same text in the same run. Target: p99 ≤ 1 ms per message.
// Usage: node --import tsx bench/automation-rules.ts
import { compileRule, type RuleInput } from "../apps/server/src/modules/automation/index.ts";

const words = ["refund", "order", "delivery", "invoice", "cancel", "退款", "投诉", "retour", "pedido", "vip"];
const rules = Array.from({ length: 200 }, (_, i): RuleInput => {
  const w = words[i % words.length] ?? "x";
  const kinds: RuleInput[] = [
    { name: `k${i}`, enabled: true, trigger: "keyword", keywords: [`${i}`, `${w}${i}`], actions: [{ type: "stop" }] },
    {
      name: `c${i}`,
      enabled: true,
      trigger: "message.received",
      conditions: { field: "message.text", op: "contains", value: [w, `${w}s`] },
      actions: [{ type: "stop" }],
    },
    {
      name: `r${i}`,
      enabled: true,
      trigger: "message.received",
      conditions: { field: "message.text", op: "matches", value: `\\b${w}\\w*\\s+\\d{3,}` },
      actions: [{ type: "stop" }],
    },
    {
      name: `n${i}`,
      enabled: true,
      trigger: "message.received",
      conditions: {
        all: [
          { field: "channel.type", op: "in", value: ["wechat", "webchat"] },
          {
            any: [
              { field: "case.tags", op: "includes", value: w },
              { field: "case.priority", op: "equals", value: "urgent" },
            ],
          },
          { not: { field: "message.text", op: "contains", value: "unsubscribe" } },
        ],
      },
      actions: [{ type: "stop" }],
    },
  ];
  return kinds[i % kinds.length] as RuleInput;
});
const compiled = rules.map((r) => compileRule(r));
const texts = Array.from(
  { length: 500 },
  (_, i) => `Hello, about my ${words[i % words.length]} number ${10000 + i}, it has not arrived yet — 请尽快处理 ${i}`,
);

function percentiles(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  return { p50: s[Math.floor(s.length * 0.5)] ?? 0, p99: s[Math.floor(s.length * 0.99)] ?? 0 };
}

function run(label: string, evaluate: (text: string) => number, n = 20_000) {
  for (let i = 0; i < 2000; i++) evaluate(texts[i % texts.length] ?? "");
  const samples: number[] = [];
  let sink = 0;
  for (let i = 0; i < n; i++) {
    const text = texts[i % texts.length] ?? "";
    const t = process.hrtime.bigint();
    sink += evaluate(text);
    samples.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  const p = percentiles(samples);
  console.log(
    `${label.padEnd(38)} p50 ${p.p50.toFixed(1).padStart(7)} µs  p99 ${p.p99.toFixed(1).padStart(7)} µs  (${sink})`,
  );
  return p;
}

const baseline = run("baseline: 200 × String.includes", (text) => {
  let hits = 0;
  for (let i = 0; i < 200; i++) if (text.includes(words[i % words.length] ?? "")) hits++;
  return hits;
});
const measured = run("200 compiled rules per message", (text) => {
  let hits = 0;
  const facts = {
    message: { text, type: "text" },
    channelType: "wechat",
    case: { priority: "normal", status: "open", tags: ["vip"], isNew: true },
  };
  for (const rule of compiled) if (rule.matches(facts)) hits++;
  return hits;
});
console.log(
  `ratio p99 rules/baseline: ${(measured.p99 / Math.max(baseline.p99, 0.001)).toFixed(1)}×; p99 ${(measured.p99 / 1000).toFixed(3)} ms (target ≤ 1 ms) ${measured.p99 <= 1000 ? "OK" : "ABOVE TARGET"}`,
);

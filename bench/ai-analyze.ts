// bench/ai-analyze: messages per second of the local triage (language + sentiment + category + intents) on one
// core, over the 432 messages of bench/ai-eval-set.ts, against two baselines measured in the same run:
// JSON.parse of the message's webhook-sized JSON, and franc (language only) alone. Target: ≥ 500 messages/s.
// Usage: node --import tsx bench/ai-analyze.ts
import { franc } from "franc-min";
import { analyzeText } from "../apps/server/src/modules/automation/index.ts";
import { EVAL_SET } from "./ai-eval-set.ts";

const texts = EVAL_SET.map((e) => e.text);
const payloads = texts.map((text, i) =>
  JSON.stringify({ externalMessageId: `m-${i}`, from: { externalId: `c-${i}`, name: "Customer" }, text, type: "text" }),
);

function rate(label: string, fn: (i: number) => unknown, seconds = 2) {
  for (let i = 0; i < 2000; i++) fn(i % texts.length);
  let n = 0;
  let sink = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(seconds * 1e9);
  while (process.hrtime.bigint() < end) {
    for (let k = 0; k < 100; k++) {
      const r = fn(n % texts.length);
      if (r) sink++;
      n++;
    }
  }
  const perSecond = n / (Number(process.hrtime.bigint() - start) / 1e9);
  console.log(`${label.padEnd(44)} ${Math.round(perSecond).toString().padStart(9)} messages/s  (${sink})`);
  return perSecond;
}

analyzeText("warm-up: trains the shared models once");
const json = rate("baseline: JSON.parse of the message", (i) => JSON.parse(payloads[i] ?? "{}"));
const lang = rate("baseline: franc alone (en/fr/es)", (i) => franc(texts[i], { only: ["eng", "fra", "spa"] }));
const full = rate("analyzeText (language+sentiment+category)", (i) => analyzeText(texts[i] ?? ""));
console.log(
  `\nanalyzeText: ${Math.round(full)} messages/s on one core (target ≥ 500: ${full >= 500 ? "ok" : "BELOW TARGET"}); ` +
    `${(json / full).toFixed(1)}× the cost of JSON.parse, ${(lang / full).toFixed(2)}× the cost of franc alone`,
);

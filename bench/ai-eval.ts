// bench/ai-eval: accuracy and macro-F1 of the local triage classifier (category and sentiment) on the held-out
// labelled set of bench/ai-eval-set.ts (432 messages, en/fr/es/zh), overall and per language, with the
// confusion matrix of categories and the language detector's accuracy. Target: category macro-F1 ≥ 0.75.
// Usage: node --import tsx bench/ai-eval.ts
import { analyzeText, CATEGORIES, SENTIMENTS } from "../apps/server/src/modules/automation/index.ts";
import { EVAL_SET, type EvalItem } from "./ai-eval-set.ts";

type Scores = { accuracy: number; macroF1: number; perClass: Record<string, { p: number; r: number; f1: number }> };

function score(labels: readonly string[], pairs: { gold: string; predicted: string }[]): Scores {
  const perClass: Scores["perClass"] = {};
  let f1Sum = 0;
  let present = 0;
  for (const label of labels) {
    const tp = pairs.filter((x) => x.gold === label && x.predicted === label).length;
    const fp = pairs.filter((x) => x.gold !== label && x.predicted === label).length;
    const fn = pairs.filter((x) => x.gold === label && x.predicted !== label).length;
    if (tp + fn === 0) continue;
    const p = tp + fp ? tp / (tp + fp) : 0;
    const r = tp / (tp + fn);
    const f1 = p + r ? (2 * p * r) / (p + r) : 0;
    perClass[label] = { p, r, f1 };
    f1Sum += f1;
    present++;
  }
  const accuracy = pairs.filter((x) => x.gold === x.predicted).length / pairs.length;
  return { accuracy, macroF1: f1Sum / present, perClass };
}

const fmt = (n: number) => n.toFixed(3);
const results = EVAL_SET.map((item) => ({ item, analysis: analyzeText(item.text) }));

function report(name: string, rows: typeof results) {
  const cat = score(
    CATEGORIES,
    rows.map((r) => ({ gold: r.item.category, predicted: r.analysis.category })),
  );
  const sen = score(
    SENTIMENTS,
    rows.map((r) => ({ gold: r.item.sentiment, predicted: r.analysis.sentiment.label })),
  );
  console.log(
    `${name.padEnd(6)} n=${String(rows.length).padStart(3)}  category acc ${fmt(cat.accuracy)} macro-F1 ${fmt(cat.macroF1)}` +
      `   sentiment acc ${fmt(sen.accuracy)} macro-F1 ${fmt(sen.macroF1)}`,
  );
  return cat;
}

const overall = report("all", results);
for (const lang of ["en", "fr", "es", "zh"])
  report(
    lang,
    results.filter((r) => r.item.lang === lang),
  );

console.log("\ncategory      precision recall    F1");
for (const [label, s] of Object.entries(overall.perClass)) {
  console.log(`${label.padEnd(12)}  ${fmt(s.p)}     ${fmt(s.r)}    ${fmt(s.f1)}`);
}
console.log(`\nconfusion (rows gold, columns predicted): ${CATEGORIES.map((c) => c.slice(0, 5)).join(" ")}`);
for (const gold of CATEGORIES) {
  const row = CATEGORIES.map((p) =>
    String(results.filter((r) => r.item.category === gold && r.analysis.category === p).length).padStart(5),
  );
  console.log(`${gold.padEnd(10)} ${row.join(" ")}`);
}
const iso = (l: EvalItem["lang"]) => l;
const langOk = results.filter((r) => r.analysis.language === iso(r.item.lang)).length;
const und = results.filter((r) => r.analysis.language === "und").length;
console.log(
  `\nlanguage: ${fmt(langOk / results.length)} correct (${und} too short to tell: "und"), ${results.length} messages`,
);
if (process.argv.includes("--errors")) {
  for (const r of results)
    if (r.item.category !== r.analysis.category)
      console.log(
        `  ${r.item.lang} ${r.item.category} → ${r.analysis.category} (${r.analysis.confidence}): ${r.item.text}`,
      );
}
console.log(
  `\ncategory macro-F1 ${fmt(overall.macroF1)} (target ≥ 0.75): ${overall.macroF1 >= 0.75 ? "ok" : "BELOW TARGET"}`,
);

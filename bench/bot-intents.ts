// bench/bot-intents: the intent bot (nlp.js, trained locally) at a realistic size — N intents with 8 example
// utterances in each of en/fr/es/zh plus M FAQ questions — how long training takes, the longest stretch it keeps
// the event loop busy (what a message arriving meanwhile would wait), on the main thread and in a worker thread, and recognition latency p50/p99 against
// the triage classifier (analyzeText) in the same run. Usage: node --import tsx bench/bot-intents.ts [N] [M]
import { recognize, trainBot, trainBotOffThread } from "../apps/server/src/modules/automation/bot/nlu.ts";
import { analyzeText } from "../apps/server/src/modules/automation/index.ts";
import { EVAL_SET } from "./ai-eval-set.ts";

const N = Number(process.argv[2] ?? 50);
const M = Number(process.argv[3] ?? 100);
const words = {
  en: ["order", "refund", "parcel", "invoice", "account", "password", "delivery", "store", "coupon", "points"],
  fr: [
    "commande",
    "remboursement",
    "colis",
    "facture",
    "compte",
    "mot de passe",
    "livraison",
    "magasin",
    "bon",
    "points",
  ],
  es: ["pedido", "reembolso", "paquete", "factura", "cuenta", "contraseña", "entrega", "tienda", "cupón", "puntos"],
  zh: ["订单", "退款", "包裹", "发票", "账户", "密码", "配送", "门店", "优惠券", "积分"],
};
const frames = {
  en: ["how do I {w} {n}", "question about {w} {n}", "I need help with {w} {n}", "what about my {w} {n}"],
  fr: ["comment faire pour {w} {n}", "question sur {w} {n}", "j'ai besoin d'aide pour {w} {n}", "et mon {w} {n}"],
  es: ["cómo hago con {w} {n}", "pregunta sobre {w} {n}", "necesito ayuda con {w} {n}", "qué pasa con mi {w} {n}"],
  zh: ["{w}{n}怎么办", "关于{w}{n}的问题", "我需要{w}{n}的帮助", "我的{w}{n}呢"],
};
type L = keyof typeof words;
const intents = Array.from({ length: N + M }, (_, i) => ({
  name: i < N ? `intent-${i}` : `faq:${i}`,
  utterances: Object.fromEntries(
    (Object.keys(words) as L[]).map((l) => [
      l,
      Array.from({ length: i < N ? 8 : 1 }, (_, k) =>
        (frames[l][k % 4] as string)
          .replace("{w}", words[l][(i + k) % 10] as string)
          .replace("{n}", `${l === "zh" ? "" : " "}${["alpha", "beta", "gamma", "delta", "omega"][i % 5]}${i}`),
      ),
    ]),
  ),
}));

/** Trains with `train` while a 1 ms timer watches the event loop; the longest gap is what ingest would wait. */
async function stall(label: string, train: typeof trainBot) {
  let longest = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last - 1);
    last = now;
  }, 1);
  const model = await train(intents);
  longest = Math.max(longest, performance.now() - last);
  clearInterval(timer);
  console.log(`${label.padEnd(28)} ${model.trainedMs} ms; longest event-loop stall ${Math.round(longest)} ms`);
  return model;
}
console.log(`${N} intents × 8 utterances × 4 languages + ${M} FAQ questions × 4 languages:`);
const model = await stall("training in a worker thread", trainBotOffThread);
await stall("training on the main thread", trainBot);

const texts = EVAL_SET.map((e) => e.text).slice(0, 400);
const latencies = async (fn: (t: string) => unknown) => {
  for (const t of texts.slice(0, 50)) await fn(t);
  const out: number[] = [];
  for (const t of texts) {
    const s = performance.now();
    await fn(t);
    out.push(performance.now() - s);
  }
  out.sort((a, b) => a - b);
  const q = (p: number) => (out[Math.min(out.length - 1, Math.floor(out.length * p))] ?? 0).toFixed(3);
  return { p50: q(0.5), p99: q(0.99) };
};
const base = await latencies((t) => analyzeText(t));
const bot = await latencies((t) => recognize(model, t));
console.log(`baseline analyzeText (triage):   p50 ${base.p50} ms, p99 ${base.p99} ms`);
console.log(`recognize (nlp.js intent bot):   p50 ${bot.p50} ms, p99 ${bot.p99} ms`);
console.log(
  `ratio p50: ${(Number(bot.p50) / Number(base.p50)).toFixed(1)}×; heap ${Math.round(process.memoryUsage().heapUsed / 1e6)} MB`,
);

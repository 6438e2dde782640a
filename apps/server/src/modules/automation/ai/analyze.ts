/**
 * Local triage of a customer message: language (franc, Chinese by script), sentiment and category (naive
 * Bayes trained at start-up from training-data.ts, plus a workspace's corrections) and keyword intents.
 * No network; about 20–50 µs a message.
 */
import { franc } from "franc-min";
import { fold } from "../../../platform/search-text.ts";
import { type Counts, classify, features, type Model, modelOf, train } from "./classifier.ts";
import { CATEGORIES, type Category, SENTIMENTS, type Sentiment, trainingExamples } from "./training-data.ts";

export type Analysis = {
  /** ISO 639-1 (`en`, `fr`, `es`, `zh`), or `und` when the text is too short to tell. */
  language: string;
  /** `score` is the polarity in [-1, 1]: P(positive) − P(negative). */
  sentiment: { label: Sentiment; score: number };
  category: Category;
  /** The probability of the category. */
  confidence: number;
  intents: string[];
};

/** The category and sentiment models of one workspace. */
export type Models = { category: Model; sentiment: Model };

const HAN = /\p{Script=Han}/u;
const FRANC_TO_ISO: Record<string, string> = { eng: "en", fra: "fr", spa: "es", cmn: "zh" };

/** The language of a text: `zh` when it has Chinese characters, else franc among English, French and Spanish. */
export function detectLanguage(text: string): string {
  if (HAN.test(text)) return "zh";
  const code = franc(text, { only: ["eng", "fra", "spa"], minLength: 8 });
  return FRANC_TO_ISO[code] ?? "und";
}

/** Intents recognised by keyword (prefixes of folded words; Chinese anywhere), in all four languages. */
const INTENT_KEYWORDS: Record<string, string[]> = {
  refund: ["refund", "money back", "rembours", "reembols", "devolver el dinero", "退款", "退钱"],
  cancel: ["cancel", "annul", "resili", "unsubscribe", "desuscrib", "取消", "退订"],
  delivery: [
    "deliver",
    "tracking",
    "parcel",
    "package",
    "shipping",
    "livr",
    "colis",
    "envio",
    "paquete",
    "entrega",
    "物流",
    "快递",
    "包裹",
    "发货",
  ],
  account: ["password", "login", "log in", "mot de passe", "connexion", "contrasena", "密码", "账号", "登录"],
  billing: [
    "invoice",
    "charged",
    "payment",
    "factur",
    "debit",
    "paiement",
    "cobr",
    "pago",
    "发票",
    "扣款",
    "扣了",
    "付款",
  ],
  pricing: [
    "price",
    "quote",
    "pricing",
    "how much",
    "prix",
    "devis",
    "tarif",
    "precio",
    "presupuesto",
    "价格",
    "报价",
    "多少钱",
  ],
  human: [
    "human",
    "real person",
    "talk to someone",
    "an agent",
    "humain",
    "conseiller",
    "persona real",
    "agente",
    "人工",
    "转人工",
  ],
  complaint: ["complain", "plainte", "reclamacion", "queja", "投诉"],
};

/**
 * A pattern matching any of the (folded) keywords in a folded text: Latin ones at a word start (and end, with
 * `wholeWord`), Chinese ones anywhere.
 */
export function keywordPattern(words: string[], wholeWord = false): RegExp {
  const latin = words.filter((w) => !HAN.test(w)).map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  const han = words.filter((w) => HAN.test(w));
  const end = wholeWord ? "(?![\\p{L}\\p{N}])" : "";
  const parts = [...(latin.length ? [`(?<![\\p{L}\\p{N}])(?:${latin.join("|")})${end}`] : []), ...han];
  return new RegExp(parts.join("|"), "u");
}

const INTENTS: { name: string; re: RegExp }[] = Object.entries(INTENT_KEYWORDS).map(([name, words]) => ({
  name,
  re: keywordPattern(words),
}));

/** The keyword intents of a text. */
export function detectIntents(text: string): string[] {
  const folded = fold(text);
  return INTENTS.filter((i) => i.re.test(folded)).map((i) => i.name);
}

let base: { category: Counts; sentiment: Counts; models: Models } | undefined;

/** The shared models, trained once per process from the examples shipped with the code. */
export function baseModels(): Models {
  if (!base) {
    const examples = trainingExamples();
    const category = train(
      CATEGORIES,
      examples.flatMap((e) => (e.category ? [{ text: e.text, label: e.category }] : [])),
    );
    const sentiment = train(
      SENTIMENTS,
      examples.map((e) => ({ text: e.text, label: e.sentiment })),
    );
    base = { category, sentiment, models: { category: modelOf(category), sentiment: modelOf(sentiment) } };
  }
  return base.models;
}

/** How many training examples one correction is worth. */
export const CORRECTION_WEIGHT = 3;

/** The models with a workspace's corrections counted on top of the shared examples. */
export function modelsWithCorrections(
  corrections: { text: string; category: string | null; sentiment: string | null }[],
): Models {
  const shared = baseModels();
  if (corrections.length === 0 || !base) return shared;
  const category = train(
    CATEGORIES,
    corrections.flatMap((c) => (c.category ? [{ text: c.text, label: c.category }] : [])),
    CORRECTION_WEIGHT,
  );
  const sentiment = train(
    SENTIMENTS,
    corrections.flatMap((c) => (c.sentiment ? [{ text: c.text, label: c.sentiment }] : [])),
    CORRECTION_WEIGHT,
  );
  return { category: modelOf(base.category, category), sentiment: modelOf(base.sentiment, sentiment) };
}

/** Analyses one message with these models (the shared ones by default). */
export function analyzeText(text: string, models: Models = baseModels()): Analysis {
  const feats = features(text);
  const category = classify(models.category, feats);
  const sentiment = classify(models.sentiment, feats);
  const p = (label: string) => sentiment.find((s) => s.label === label)?.p ?? 0;
  const top = category[0] ?? { label: "other", p: 0 };
  return {
    language: detectLanguage(text),
    sentiment: {
      label: (sentiment[0]?.label ?? "neutral") as Sentiment,
      score: Math.round((p("positive") - p("negative")) * 1000) / 1000,
    },
    category: top.label as Category,
    confidence: Math.round(top.p * 1000) / 1000,
    intents: detectIntents(text),
  };
}

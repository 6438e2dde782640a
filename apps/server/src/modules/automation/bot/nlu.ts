/**
 * The intent bot's language understanding: nlp.js neural intent classifiers (one per language) trained from the
 * workspace's intents, its FAQ articles and a few built-in intents. English, French and Spanish use nlp.js's
 * tokenizers and stemmers; Chinese is cut into characters and character pairs like the knowledge-base search
 * (nlp.js's own Chinese pack loads a 9 MB dictionary and some 200 MB of memory to turn words into pinyin).
 * Everything runs on this machine (training in a worker thread): no network, no model file on disk.
 */
import { Worker } from "node:worker_threads";
import core, { type Container } from "@nlpjs/core";
import langEn from "@nlpjs/lang-en-min";
import langEs from "@nlpjs/lang-es";
import langFr from "@nlpjs/lang-fr";
import nlpjs, { type Nlp } from "@nlpjs/nlp";
import { documentTokens } from "../../../platform/search-text.ts";
import { detectLanguage } from "../ai/analyze.ts";
import { BOT_LANGS, type BotLang } from "./schemas.ts";

/** Chinese for nlp.js: characters and pairs of characters (no dictionary, no pinyin). */
class TokenizerZh extends core.Tokenizer {
  constructor(container?: Container) {
    super(container, true);
    this.name = "tokenizer-zh";
  }
  override innerTokenize(text: string): string[] {
    return documentTokens(text);
  }
}

/** One intent's examples per language (and, for FAQ articles, the answer per language). */
export type TrainingIntent = {
  name: string;
  utterances: Partial<Record<BotLang, string[]>>;
  answer?: Partial<Record<BotLang, string>> | undefined;
};

/** A trained bot: its classifier, the languages it knows, and its vocabulary per language. */
export type BotModel = {
  nlp: Nlp;
  langs: BotLang[];
  vocabulary: Map<BotLang, Set<string>>;
  /** The answers carried by the training set itself (FAQ articles), by intent. */
  answers: Map<string, Partial<Record<BotLang, string>>>;
  intents: number;
  trainedMs: number;
  /** Where it was trained: a worker thread, or this one (the fallback). */
  thread: "worker" | "main";
};

/** What the bot understood: the intent (null: none), its confidence, the language it read the text in. */
export type Recognition = { intent: string | null; score: number; language: BotLang | null };

/** Utterances that belong to no intent: they teach each language's classifier what "none" looks like. */
const NONE: Record<BotLang, string[]> = {
  en: ["what's the weather like", "tell me a joke", "I like turtles", "ok", "the sky is blue", "random words here"],
  fr: ["quel temps fait-il", "raconte-moi une blague", "j'aime les tortues", "d'accord", "le ciel est bleu"],
  es: ["qué tiempo hace", "cuéntame un chiste", "me gustan las tortugas", "vale", "el cielo es azul"],
  zh: ["今天天气怎么样", "讲个笑话", "我喜欢乌龟", "好的", "天空是蓝色的"],
};

const NLU_DEFAULTS = {
  keepStopwords: true,
  nonefeatureValue: 1,
  nonedeltaMultiplier: 1.2,
  spellCheck: false,
  spellCheckDistance: 1,
  filterZeros: true,
};

/** An empty nlp.js pipeline for these languages (our Chinese tokenizer, no sentiment, nothing saved to disk). */
function buildNlp(langs: BotLang[]): Nlp {
  const container = core.containerBootstrap();
  container.use(langEn.LangEn);
  container.use(langFr.LangFr);
  container.use(langEs.LangEs);
  container.use(TokenizerZh);
  // nlp.js's defaults for every language, except that training does not print each epoch to the console.
  container.registerConfiguration("nlu-??", { ...NLU_DEFAULTS, log: false });
  return new nlpjs.Nlp(
    { languages: langs, autoSave: false, autoLoad: false, calculateSentiment: false, modelFileName: "" },
    container,
  );
}

const languagesOf = (intents: TrainingIntent[]) =>
  BOT_LANGS.filter((l) => intents.some((i) => (i.utterances[l]?.length ?? 0) > 0));

/** A model around a trained classifier: the vocabulary per language and the answers carried by the intents. */
function modelOf(nlp: Nlp, intents: TrainingIntent[], trainedMs: number, thread: BotModel["thread"]): BotModel {
  const langs = languagesOf(intents);
  const vocabulary = new Map<BotLang, Set<string>>(langs.map((l) => [l, new Set<string>()]));
  for (const intent of intents)
    for (const lang of langs)
      for (const utterance of intent.utterances[lang] ?? [])
        for (const token of documentTokens(utterance)) vocabulary.get(lang)?.add(token);
  const answers = new Map(intents.flatMap((i) => (i.answer ? [[i.name, i.answer] as const] : [])));
  return { nlp, langs, vocabulary, answers, intents: intents.length, trainedMs, thread };
}

/**
 * Trains a bot from intents on this thread (each language gets its own classifier; a language without any
 * example is left out). The event loop is busy meanwhile: see trainBotOffThread.
 */
export async function trainBot(intents: TrainingIntent[]): Promise<BotModel> {
  const started = performance.now();
  const nlp = buildNlp(languagesOf(intents));
  for (const intent of intents)
    for (const [lang, utterances] of Object.entries(intent.utterances))
      for (const utterance of utterances ?? []) nlp.addDocument(lang, utterance, intent.name);
  for (const lang of languagesOf(intents)) for (const utterance of NONE[lang]) nlp.addDocument(lang, utterance, "None");
  await nlp.train();
  return modelOf(nlp, intents, Math.round(performance.now() - started), "main");
}

/** The trained classifier as JSON (what a training thread sends back). */
export const exportModel = (model: BotModel) => model.nlp.export(true);

const WORKER = new URL("./train-worker.mjs", import.meta.url);

/**
 * Trains a bot in a worker thread, so a training (about a second for a hundred intents in four languages)
 * never holds up the event loop that ingests messages; only loading the result (about a tenth of that) runs
 * here. Falls back to training on this thread when no worker can be started.
 */
export async function trainBotOffThread(intents: TrainingIntent[]): Promise<BotModel> {
  const started = performance.now();
  let json: string;
  try {
    json = await new Promise<string>((resolve, reject) => {
      const worker = new Worker(WORKER, { workerData: intents });
      worker.once("message", (message: { json: string }) => resolve(message.json));
      worker.once("error", reject);
      worker.once("exit", (code) => reject(new Error(`bot training thread exited with code ${code}`)));
    });
  } catch {
    return trainBot(intents);
  }
  const nlp = buildNlp(languagesOf(intents));
  nlp.import(json);
  return modelOf(nlp, intents, Math.round(performance.now() - started), "worker");
}

/** The share of a text's tokens the bot has seen in training in one language. */
function coverage(model: BotModel, lang: BotLang, text: string): number {
  const tokens = documentTokens(text);
  if (tokens.length === 0) return 0;
  const known = model.vocabulary.get(lang);
  return tokens.filter((t) => known?.has(t)).length / tokens.length;
}

/**
 * Recognises a text's intent in its language (Chinese by script, else franc among English, French and Spanish;
 * else the language whose training words cover most of the text). The confidence
 * is nlp.js's score (an utterance unlike every example is classified as none, score 0).
 */
export async function recognize(model: BotModel, text: string, preferred?: string | null): Promise<Recognition> {
  if (model.langs.length === 0 || !text.trim()) return { intent: null, score: 0, language: null };
  // Chinese is told by its script. franc is unreliable on short texts, so among the other languages the bot
  // knows, the one whose training vocabulary covers most of the text's words is read (ties: the detected
  // language, then `preferred`).
  const detected = detectLanguage(text);
  const rank = (l: BotLang) => coverage(model, l, text) * 4 + (l === detected ? 2 : l === preferred ? 1 : 0) / 4;
  const lang =
    detected === "zh" && model.langs.includes("zh")
      ? "zh"
      : model.langs.filter((l) => l !== "zh" || detected === "und").sort((a, b) => rank(b) - rank(a))[0];
  if (!lang) return { intent: null, score: 0, language: null };
  const result = await model.nlp.process(lang, text);
  const best: Recognition =
    result.intent === "None"
      ? { intent: null, score: 0, language: lang }
      : { intent: result.intent, score: Math.round(result.score * 1000) / 1000, language: lang };
  if (best.score === 0) best.intent = null;
  return best;
}

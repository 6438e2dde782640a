/**
 * Moderation of non-engageable customer messages, locally: spam (the classifier's `spam` category, confident
 * enough) and abuse (insults and threats from a word list in English, French, Spanish and Chinese, matched as
 * whole folded words; Chinese anywhere). A flagged message keeps its reasons on its analysis and its case gets
 * the tag `moderation:flagged`.
 */
import { fold } from "../../../platform/search-text.ts";
import { type Analysis, keywordPattern } from "./analyze.ts";

export const MODERATION_TAG = "moderation:flagged";
export type ModerationReason = "spam" | "abuse";
export type Moderation = { flagged: boolean; reasons: ModerationReason[] };

/** The least confidence of a `spam` category that flags the message. */
const SPAM_CONFIDENCE = 0.5;

/** Insults and threats, folded (lower case, no accents). */
const ABUSE_WORDS = [
  // English
  "fuck",
  "fucking",
  "fucker",
  "motherfucker",
  "shit",
  "bullshit",
  "bitch",
  "asshole",
  "bastard",
  "cunt",
  "dickhead",
  "moron",
  "idiot",
  "idiots",
  "retard",
  "scumbag",
  "kill you",
  "go to hell",
  // French
  "connard",
  "connards",
  "connasse",
  "salope",
  "salaud",
  "putain",
  "merde",
  "encule",
  "encules",
  "enfoire",
  "enfoires",
  "abruti",
  "abrutis",
  "ta gueule",
  "nique ta",
  "va te faire foutre",
  // Spanish
  "pendejo",
  "pendejos",
  "cabron",
  "cabrones",
  "puta",
  "puto",
  "mierda",
  "gilipollas",
  "imbecil",
  "imbeciles",
  "idiota",
  "idiotas",
  "hijo de puta",
  "hijos de puta",
  "vete a la mierda",
  "te voy a matar",
  // Chinese
  "傻逼",
  "傻b",
  "煞笔",
  "他妈的",
  "操你",
  "草泥马",
  "去死",
  "混蛋",
  "王八蛋",
  "白痴",
  "滚蛋",
  "贱人",
];

const ABUSE = keywordPattern(ABUSE_WORDS, true);

/** Whether a text contains an insult or threat of the list. */
export function isAbusive(text: string): boolean {
  return ABUSE.test(fold(text));
}

/** The moderation verdict of a message from its text and analysis. */
export function moderate(text: string, analysis: Pick<Analysis, "category" | "confidence">): Moderation {
  const reasons: ModerationReason[] = [];
  if (analysis.category === "spam" && analysis.confidence >= SPAM_CONFIDENCE) reasons.push("spam");
  if (isAbusive(text)) reasons.push("abuse");
  return { flagged: reasons.length > 0, reasons };
}

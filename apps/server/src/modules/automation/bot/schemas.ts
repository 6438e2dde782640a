/** Bots as data: settings, intents with example utterances, and slot-filling flows (zod, shared by the API and the runtime). */
import { z } from "zod";

/** The languages a bot understands and answers in. */
export const BOT_LANGS = ["en", "fr", "es", "zh"] as const;
export type BotLang = (typeof BOT_LANGS)[number];

/** A text in one language for all, or per language (the customer's, else English, else the first). */
export const I18nText = z.union([
  z.string().trim().min(1).max(2000),
  z
    .strictObject({
      en: z.string().trim().min(1).max(2000).optional(),
      fr: z.string().trim().min(1).max(2000).optional(),
      es: z.string().trim().min(1).max(2000).optional(),
      zh: z.string().trim().min(1).max(2000).optional(),
    })
    .refine((t) => Object.keys(t).length > 0, "Give the text in at least one language."),
]);
export type I18nText = z.infer<typeof I18nText>;

const StepId = z
  .string()
  .trim()
  .regex(/^[a-z0-9_-]{1,40}$/i, "Step ids are 1–40 letters, digits, - or _.");
const SlotName = z
  .string()
  .trim()
  .regex(/^[a-z][a-z0-9_]{0,39}$/i, "Slot names start with a letter: letters, digits and _ (≤ 40).");

/** One step of a flow; `next` names the step that follows (none: the flow ends). */
export const StepSchema = z.discriminatedUnion("type", [
  /**
   * Asks the customer and waits; the answer must match `pattern` (retried `maxRetries` times, then `onFail`).
   * When `extract` finds the value in the message that started the flow ("where is order 10042?"), it is not asked.
   */
  z.strictObject({
    id: StepId,
    type: z.literal("ask"),
    slot: SlotName,
    prompt: I18nText,
    pattern: z.string().max(200).optional(),
    /** A regular expression looked for in the message that started the flow: a match fills the slot, no question. */
    extract: z.string().max(200).optional(),
    retryPrompt: I18nText.optional(),
    maxRetries: z.number().int().min(0).max(5).default(2),
    next: StepId.optional(),
    /** Where to go when the answer never matches; default: hand over to an agent. */
    onFail: StepId.optional(),
  }),
  /** Looks something up on the customer's profile: `order` by the number in slot `key`; fields land in `into.*`. */
  z.strictObject({
    id: StepId,
    type: z.literal("lookup"),
    source: z.literal("order"),
    key: SlotName,
    into: SlotName,
    found: StepId.optional(),
    notFound: StepId.optional(),
  }),
  /** Answers with a template: `{{slot}}` and `{{into.field}}` are replaced by what was collected. */
  z.strictObject({ id: StepId, type: z.literal("answer"), text: I18nText, next: StepId.optional() }),
  /** Goes to the first case whose condition holds: the last intent, or a slot equal to / matching a value. */
  z.strictObject({
    id: StepId,
    type: z.literal("branch"),
    cases: z
      .array(
        z.strictObject({
          intent: z.string().trim().min(1).max(100).optional(),
          slot: SlotName.optional(),
          equals: z.string().max(200).optional(),
          matches: z.string().max(200).optional(),
          next: StepId,
        }),
      )
      .min(1)
      .max(20),
    else: StepId.optional(),
  }),
  /** Hands the case over to an agent (optionally to a team). */
  z.strictObject({
    id: StepId,
    type: z.literal("handover"),
    reason: z.string().trim().min(1).max(100).optional(),
    teamId: z.uuid().optional(),
    text: I18nText.optional(),
  }),
  /** Ends the flow (optionally with a last message); the bot goes back to recognising intents. */
  z.strictObject({ id: StepId, type: z.literal("end"), text: I18nText.optional() }),
]);
export type Step = z.infer<typeof StepSchema>;

export const FlowBody = z.strictObject({
  name: z.string().trim().min(1).max(100),
  /** The id of the first step. */
  start: StepId,
  steps: z.array(StepSchema).min(1).max(100),
});
export type FlowInput = z.infer<typeof FlowBody>;

export const IntentBody = z
  .strictObject({
    name: z
      .string()
      .trim()
      .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/i, "Intent names are letters, digits, '.', '_' or '-' (≤ 64)."),
    /** Example utterances per language (at least two in all). */
    utterances: z.strictObject({
      en: z.array(z.string().trim().min(1).max(300)).max(200).optional(),
      fr: z.array(z.string().trim().min(1).max(300)).max(200).optional(),
      es: z.array(z.string().trim().min(1).max(300)).max(200).optional(),
      zh: z.array(z.string().trim().min(1).max(300)).max(200).optional(),
    }),
    /** What the bot does: answer, start a flow, or hand over. */
    answer: I18nText.optional(),
    flowId: z.uuid().optional(),
    handover: z.boolean().default(false),
  })
  .refine((i) => Object.values(i.utterances).reduce((n, list) => n + (list?.length ?? 0), 0) >= 2, {
    path: ["utterances"],
    message: "Give at least two example utterances.",
  })
  .refine((i) => [i.answer !== undefined, i.flowId !== undefined, i.handover].filter(Boolean).length === 1, {
    path: ["answer"],
    message: "An intent does exactly one thing: give an answer, a flowId, or handover: true.",
  });
export type IntentInput = z.infer<typeof IntentBody>;

export const SettingsBody = z.strictObject({
  /** New cases start under bot control. */
  enabled: z.boolean(),
  /** Below this confidence the bot gives its fallback answer. */
  threshold: z.number().min(0).max(1).default(0.7),
  fallbackText: I18nText.optional(),
  handoverText: I18nText.optional(),
  /** Fallbacks in a row before the bot hands over. */
  maxFallbacks: z.number().int().min(1).max(10).default(2),
  /** A flow waiting longer than this for the customer's answer is abandoned. */
  timeoutMinutes: z.number().int().min(1).max(10080).default(30),
  handoverTeamId: z.uuid().nullable().optional(),
});
export type SettingsInput = z.infer<typeof SettingsBody>;

/** Picks the text for a language: that language, else English, else the first given. */
export function textIn(text: I18nText, lang: string | null | undefined): string {
  if (typeof text === "string") return text;
  const t = text as Partial<Record<BotLang, string>>;
  return t[lang as BotLang] ?? t.en ?? Object.values(t).find(Boolean) ?? "";
}

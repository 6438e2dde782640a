// The bot admin API: settings, intents, flows (validated by the server), templates, training.
import { type Page, requestJson } from "../api.ts";

/** The languages a bot understands and answers in (the server's BOT_LANGS; Chinese is `zh`). */
export const botLangs = ["en", "fr", "es", "zh"] as const;
export type BotLang = (typeof botLangs)[number];
/** A text for every language, or one per language (the customer's, else English, else the first). */
export type I18nText = string | Partial<Record<BotLang, string>>;

export type BotSettings = {
  enabled: boolean;
  threshold: number;
  fallbackText: I18nText;
  handoverText: I18nText;
  maxFallbacks: number;
  timeoutMinutes: number;
  handoverTeamId: string | null;
};

export type Intent = {
  id: string;
  name: string;
  utterances: Partial<Record<BotLang, string[]>>;
  answer: I18nText | null;
  flowId: string | null;
  handover: boolean;
  updatedAt: string;
};
/** Exactly one of answer, flowId or handover: true. */
export type IntentInput = {
  name: string;
  utterances: Partial<Record<BotLang, string[]>>;
  answer?: I18nText;
  flowId?: string;
  handover: boolean;
};

export const stepTypes = ["ask", "lookup", "answer", "branch", "handover", "end"] as const;
export type StepType = (typeof stepTypes)[number];
export type BranchCase = { intent?: string; slot?: string; equals?: string; matches?: string; next: string };
export type Step =
  | {
      id: string;
      type: "ask";
      slot: string;
      prompt: I18nText;
      pattern?: string;
      extract?: string;
      retryPrompt?: I18nText;
      maxRetries?: number;
      next?: string;
      onFail?: string;
    }
  | { id: string; type: "lookup"; source: "order"; key: string; into: string; found?: string; notFound?: string }
  | { id: string; type: "answer"; text: I18nText; next?: string }
  | { id: string; type: "branch"; cases: BranchCase[]; else?: string }
  | { id: string; type: "handover"; reason?: string; teamId?: string; text?: I18nText }
  | { id: string; type: "end"; text?: I18nText };
export type FlowInput = { name: string; start: string; steps: Step[] };
export type Flow = FlowInput & { id: string; updatedAt: string };
/** A problem the server found in a flow, at a path such as `steps[2].cases[1].next`. */
export type FlowProblem = { path: string; message: string };

export type BotTemplate = { key: string; intent: { name: string }; flow: { name: string } };
export type TrainResult = { intents: number; languages: string[]; trainedMs: number; thread: string };
/** A training this console asked for, with when it finished. */
export type Training = TrainResult & { at: string };

export const botKeys = {
  settings: ["bot", "settings"] as const,
  intents: ["bot", "intents"] as const,
  flows: ["bot", "flows"] as const,
  templates: ["bot", "templates"] as const,
  training: ["bot", "training"] as const,
};

const id = encodeURIComponent;

export const fetchBotSettings = () => requestJson<BotSettings>("GET", "/api/v1/bot/settings");
/** The settings to save: texts left out fall back to the built-in ones. */
export type BotSettingsInput = Omit<BotSettings, "fallbackText" | "handoverText"> &
  Partial<Pick<BotSettings, "fallbackText" | "handoverText">>;
export const saveBotSettings = (input: BotSettingsInput) =>
  requestJson<BotSettings>("PUT", "/api/v1/bot/settings", input);

export const fetchIntents = () => requestJson<Page<Intent>>("GET", "/api/v1/bot/intents");
export const createIntent = (input: IntentInput) => requestJson<Intent>("POST", "/api/v1/bot/intents", input);
export const updateIntent = (intentId: string, input: IntentInput) =>
  requestJson<Intent>("PUT", `/api/v1/bot/intents/${id(intentId)}`, input);
export const deleteIntent = (intentId: string) => requestJson<void>("DELETE", `/api/v1/bot/intents/${id(intentId)}`);

export const fetchFlows = () => requestJson<Page<Flow>>("GET", "/api/v1/bot/flows");
export const createFlow = (input: FlowInput) => requestJson<Flow>("POST", "/api/v1/bot/flows", input);
export const updateFlow = (flowId: string, input: FlowInput) =>
  requestJson<Flow>("PUT", `/api/v1/bot/flows/${id(flowId)}`, input);
export const deleteFlow = (flowId: string) => requestJson<void>("DELETE", `/api/v1/bot/flows/${id(flowId)}`);
/** The server's problems with a flow, without saving it (empty: valid). */
export const validateFlow = (input: FlowInput) =>
  requestJson<{ problems: FlowProblem[] }>("POST", "/api/v1/bot/flows/validate", input);

export const fetchTemplates = () => requestJson<{ data: BotTemplate[] }>("GET", "/api/v1/bot/templates");
export const installTemplate = (key: string) =>
  requestJson<{ flow: Flow; intent: Intent }>("POST", `/api/v1/bot/templates/${id(key)}`);
export const trainBot = () => requestJson<TrainResult>("POST", "/api/v1/bot/train");

/** Local AI triage: language, sentiment, category and intents of a text (models trained from shipped examples). */
export { type Analysis, analyzeText, detectIntents, detectLanguage } from "./ai/analyze.ts";
/** The categories and sentiments of the triage classifier. */
export { CATEGORIES, type Category, SENTIMENTS, type Sentiment } from "./ai/training-data.ts";
/** The one handover protocol (rules, bot flows, future LLM agents): gives a case to agents or back to the bot. */
export { type HandOverInput, handOver } from "./bot/handover.ts";
/** The automation API routes (rules, dry-run, execution log). */
/** Erasure: a person's AI analyses, corrections and alert samples. */
export { eraseAutomationData } from "./erase-contact-data.ts";
export { registerAutomationRoutes } from "./routes.ts";
/** Rules as data: schemas, validation and the compiled predicate (pure). */
export { checkRule, compileRule, type RuleInput } from "./rules.ts";
/** Runs a workspace's rules for one domain event (the worker's handler). */
export { runRules } from "./runner.ts";
/** Defines the spike-check job; subscribes the rule runner and the AI triage to customer messages and new cases. */
export { defineAutomationJobs, subscribeAutomationHandlers } from "./wiring.ts";

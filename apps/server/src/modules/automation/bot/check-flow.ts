/**
 * Validation of a flow before it is saved: unique step ids, references to existing steps, no unreachable step,
 * no cycle the bot could run around without waiting for the customer (every cycle must pass an `ask`), valid
 * patterns, templates naming only collected slots. Each problem names its exact path (`steps[2].next`).
 */
import type { FlowInput, I18nText, Step } from "./schemas.ts";

/** A problem with its path in the flow body. */
export type FlowProblem = { path: string; message: string };

/** The steps a step may go to, with the field that names each. */
export function edgesOf(step: Step): { field: string; to: string }[] {
  const out: { field: string; to: string }[] = [];
  const add = (field: string, to: string | undefined) => to !== undefined && out.push({ field, to });
  switch (step.type) {
    case "ask":
      add("next", step.next);
      add("onFail", step.onFail);
      break;
    case "lookup":
      add("found", step.found);
      add("notFound", step.notFound);
      break;
    case "answer":
      add("next", step.next);
      break;
    case "branch":
      for (const [i, c] of step.cases.entries()) add(`cases[${i}].next`, c.next);
      add("else", step.else);
      break;
    case "handover":
    case "end":
      break;
  }
  return out;
}

const TEMPLATE = /\{\{\s*([a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)?)\s*\}\}/gi;
const LOOKUP_FIELDS: Record<string, string[]> = { order: ["number", "status", "currency", "total", "placedAt"] };

function textsOf(text: I18nText | undefined): { suffix: string; text: string }[] {
  if (text === undefined) return [];
  if (typeof text === "string") return [{ suffix: "", text }];
  return Object.entries(text).flatMap(([lang, t]) => (t ? [{ suffix: `.${lang}`, text: t }] : []));
}

function checkRegex(pattern: string | undefined, path: string, problems: FlowProblem[]) {
  if (pattern === undefined) return;
  try {
    new RegExp(pattern, "iu");
  } catch (err) {
    problems.push({ path, message: `invalid regular expression (${(err as Error).message})` });
  }
}

/** Checks a flow; returns its problems (empty when it can be saved). */
export function checkFlow(flow: FlowInput): FlowProblem[] {
  const problems: FlowProblem[] = [];
  const index = new Map<string, number>();
  for (const [i, step] of flow.steps.entries()) {
    if (index.has(step.id))
      problems.push({
        path: `steps[${i}].id`,
        message: `duplicate step id "${step.id}" (first at steps[${index.get(step.id)}])`,
      });
    else index.set(step.id, i);
  }
  if (!index.has(flow.start)) problems.push({ path: "start", message: `unknown step "${flow.start}"` });
  for (const [i, step] of flow.steps.entries()) {
    for (const edge of edgesOf(step)) {
      if (!index.has(edge.to))
        problems.push({ path: `steps[${i}].${edge.field}`, message: `unknown step "${edge.to}"` });
    }
    if (step.type === "ask") {
      checkRegex(step.pattern, `steps[${i}].pattern`, problems);
      checkRegex(step.extract, `steps[${i}].extract`, problems);
    }
    if (step.type === "branch")
      for (const [c, when] of step.cases.entries()) {
        checkRegex(when.matches, `steps[${i}].cases[${c}].matches`, problems);
        const kinds = [when.intent !== undefined, when.slot !== undefined].filter(Boolean).length;
        if (kinds !== 1)
          problems.push({ path: `steps[${i}].cases[${c}]`, message: "a case tests either an intent or a slot" });
        else if (when.slot !== undefined && when.equals === undefined && when.matches === undefined)
          problems.push({ path: `steps[${i}].cases[${c}]`, message: "a slot case needs equals or matches" });
      }
  }
  if (problems.length) return problems;

  // Unreachable steps: everything not visited from the start.
  const byId = new Map(flow.steps.map((s) => [s.id, s]));
  const seen = new Set<string>([flow.start]);
  const queue = [flow.start];
  while (queue.length) {
    const id = queue.shift() as string;
    for (const edge of edgesOf(byId.get(id) as Step))
      if (!seen.has(edge.to)) {
        seen.add(edge.to);
        queue.push(edge.to);
      }
  }
  for (const [i, step] of flow.steps.entries())
    if (!seen.has(step.id))
      problems.push({
        path: `steps[${i}]`,
        message: `step "${step.id}" is unreachable from the start step "${flow.start}"`,
      });

  // Cycles without an ask: a depth-first search over the steps that do not wait for the customer.
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (id: string): boolean => {
    state.set(id, "open");
    stack.push(id);
    const step = byId.get(id) as Step;
    for (const edge of edgesOf(step)) {
      const target = byId.get(edge.to) as Step;
      if (target.type === "ask") continue;
      const s = state.get(edge.to);
      if (s === "open") {
        const loop = [...stack.slice(stack.indexOf(edge.to)), edge.to];
        problems.push({
          path: `steps[${index.get(id)}].${edge.field}`,
          message: `cycle without an ask step: ${loop.join(" → ")}`,
        });
        return true;
      }
      if (s === undefined && visit(edge.to)) return true;
    }
    stack.pop();
    state.set(id, "done");
    return false;
  };
  for (const step of flow.steps) if (!state.has(step.id) && visit(step.id)) break;

  // Templates may only name slots some step collects.
  const known = new Set<string>();
  for (const step of flow.steps) {
    if (step.type === "ask") known.add(step.slot);
    if (step.type === "lookup") for (const f of LOOKUP_FIELDS[step.source] ?? []) known.add(`${step.into}.${f}`);
  }
  for (const [i, step] of flow.steps.entries()) {
    const fields: [string, I18nText | undefined][] =
      step.type === "ask"
        ? [
            ["prompt", step.prompt],
            ["retryPrompt", step.retryPrompt],
          ]
        : step.type === "answer"
          ? [["text", step.text]]
          : step.type === "handover" || step.type === "end"
            ? [["text", step.text]]
            : [];
    for (const [field, text] of fields)
      for (const { suffix, text: t } of textsOf(text))
        for (const m of t.matchAll(TEMPLATE))
          if (!known.has(m[1] as string))
            problems.push({ path: `steps[${i}].${field}${suffix}`, message: `unknown slot {{${m[1]}}}` });
    if (step.type === "lookup" && !flow.steps.some((s) => s.type === "ask" && s.slot === step.key))
      problems.push({ path: `steps[${i}].key`, message: `no ask step collects the slot "${step.key}"` });
  }
  return problems;
}

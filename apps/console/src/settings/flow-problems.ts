// Where a bot flow's problems go in the flow editor. The server names each problem by its path in the flow
// it was sent (`steps[2].cases[1].next`, `start`, `steps[3].text.fr`; schema errors as `/steps/0/slot`); the
// editor keys its fields the same way, dotted (`steps.2.cases.1.next`). The editor never drops or reorders
// steps or branch cases when it sends a flow, so an index in a path is the index on screen.
import { ApiError } from "../api.ts";
import type { FlowProblem } from "./bot-api.ts";
import { fieldErrors } from "./field-errors.ts";

/** A server path as the editor's field key: `steps[2].cases[1].next` and `/steps/2/cases/1/next` → `steps.2.cases.1.next`. */
export function problemKey(path: string): string {
  return path
    .replace(/\[(\d+)\]/g, ".$1")
    .replaceAll("/", ".")
    .replace(/^\.+/, "");
}

/** The problems by field key; two problems at one place are shown together. */
export function flowErrors(problems: readonly FlowProblem[]): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const { path, message } of problems) {
    const key = problemKey(path) || "_";
    errors[key] = errors[key] ? `${errors[key]} · ${message}` : message;
  }
  return errors;
}

/** The field errors of a failed save: a `flow_invalid` answer's problems, else the schema's issues by field. */
export function flowErrorsOf(error: unknown): Record<string, string> {
  if (error instanceof ApiError && error.body?.reason === "flow_invalid") {
    const problems = (error.body.details as { problems?: unknown } | undefined)?.problems;
    if (Array.isArray(problems))
      return flowErrors(
        problems.filter(
          (p): p is FlowProblem => typeof p?.path === "string" && typeof (p as FlowProblem).message === "string",
        ),
      );
  }
  const errors: Record<string, string> = {};
  for (const [key, message] of Object.entries(fieldErrors(error))) errors[problemKey(key)] = message;
  return errors;
}

/** The step a field key belongs to (`steps.2.next` → 2), or null for the flow's own fields. */
export function stepIndexOf(key: string): number | null {
  const match = /^steps\.(\d+)(?:\.|$)/.exec(key);
  return match ? Number(match[1]) : null;
}

/** Whether any problem is about the step at `index` or one of its fields. */
export function stepHasProblem(errors: Record<string, string>, index: number): boolean {
  return Object.keys(errors).some((key) => stepIndexOf(key) === index);
}

// The automation API's scenario catalogue: ready-made WeChat service scenarios, installed with a short form.
import { requestJson } from "../api.ts";
import type { Rule } from "./rules-api.ts";

export type ScenarioFieldKind =
  | "text"
  | "textarea"
  | "key"
  | "keywords"
  | "number"
  | "boolean"
  | "agent"
  | "team"
  | "entry"
  | "json";
export type ScenarioField = { name: string; kind: ScenarioFieldKind; required: boolean };
export type ScenarioInstall = {
  id: string;
  scenario: string;
  installKey: string;
  params: Record<string, unknown>;
  ruleIds: string[];
  menuId: string | null;
  createdAt: string;
};
export type Scenario = {
  id: string;
  trigger: string;
  fields: ScenarioField[];
  example: Record<string, unknown>;
  installs: ScenarioInstall[];
};

export const scenarioKeys = { all: ["automation-scenarios"] as const };

export const fetchScenarios = () => requestJson<{ data: Scenario[] }>("GET", "/api/v1/automation/scenarios");

export const installScenario = (id: string, params: Record<string, unknown>) =>
  requestJson<{ install: ScenarioInstall; rules: Rule[] }>(
    "POST",
    `/api/v1/automation/scenarios/${encodeURIComponent(id)}/install`,
    params,
  );

export const uninstallScenario = (installId: string) =>
  requestJson<void>("DELETE", `/api/v1/automation/scenarios/installs/${encodeURIComponent(installId)}`);

/** The server's problems (`path: what`) by the form field they belong to (the path's first segment). */
export function problemsByField(details: unknown): Record<string, string[]> {
  const problems = (details as { problems?: unknown } | null | undefined)?.problems;
  const out: Record<string, string[]> = {};
  if (!Array.isArray(problems)) return out;
  for (const p of problems) {
    if (typeof p !== "string") continue;
    const field = /^([A-Za-z]+)/.exec(p)?.[1] ?? "_";
    out[field] = [...(out[field] ?? []), p];
  }
  return out;
}

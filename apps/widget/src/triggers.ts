/** Proactive triggers: the widget opens with a channel's message when all of a trigger's conditions hold. */

export type ContextValue = string | number | boolean | null;
export type Trigger = {
  id: string;
  message: string;
  when: {
    timeOnPageSeconds?: number;
    inactivitySeconds?: number;
    urlPattern?: string;
    context?: { key: string; op: "gt" | "gte" | "lt" | "lte" | "eq"; value: string | number | boolean };
  };
};
export type PageState = {
  /** Seconds since the page (the widget) loaded, and since the visitor last moved, typed or scrolled. */
  onPage: number;
  idle: number;
  href: string;
  /** Path and query, for globs starting with `/`. */
  path: string;
  context: Record<string, unknown>;
};

/** `re:<regex>` (case-insensitive, full URL), else a glob (`*`, `?`) on the path when it starts with `/`, else the URL. */
export function urlMatches(pattern: string, href: string, path: string): boolean {
  try {
    if (pattern.startsWith("re:")) return new RegExp(pattern.slice(3), "i").test(href);
    const source = pattern
      .split("")
      .map((ch) => (ch === "*" ? ".*" : ch === "?" ? "." : ch.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
      .join("");
    return new RegExp(`^${source}$`, "i").test(pattern.startsWith("/") ? path : href);
  } catch {
    return false;
  }
}

function compare(actual: unknown, op: string, expected: string | number | boolean): boolean {
  if (op === "eq") return actual === expected || (typeof expected === "number" && Number(actual) === expected);
  const a = typeof actual === "string" && actual.trim() !== "" ? Number(actual) : actual;
  if (typeof a !== "number" || typeof expected !== "number" || !Number.isFinite(a)) return false;
  return op === "gt" ? a > expected : op === "gte" ? a >= expected : op === "lt" ? a < expected : a <= expected;
}

/** Whether every condition of the trigger holds now. */
export function isDue(trigger: Trigger, page: PageState): boolean {
  const w = trigger.when;
  if (w.timeOnPageSeconds !== undefined && page.onPage < w.timeOnPageSeconds) return false;
  if (w.inactivitySeconds !== undefined && page.idle < w.inactivitySeconds) return false;
  if (w.urlPattern !== undefined && !urlMatches(w.urlPattern, page.href, page.path)) return false;
  if (w.context && !compare(page.context[w.context.key], w.context.op, w.context.value)) return false;
  return true;
}

import type { CaseFilters } from "../api.ts";

export const inboxViews = ["mine", "unassigned", "mentions", "open", "solved"] as const;
export type InboxView = (typeof inboxViews)[number];

const unsolved = "open,pending,on-hold";

/** The base filters of each inbox view; the user's filters narrow or replace them. */
export const viewFilters: Record<InboxView, CaseFilters> = {
  mine: { assigneeId: "me", status: unsolved },
  unassigned: { assigneeId: "none", status: unsolved },
  /** Cases whose internal notes @mention me, whatever their status. */
  mentions: { mentioned: "me" },
  open: { status: unsolved },
  solved: { status: "solved,closed" },
};

function isInboxView(value: string | undefined): value is InboxView {
  return (inboxViews as readonly string[]).includes(value ?? "");
}

/** `/inbox/<view>` or `/inbox/<view>/<caseId>`. */
export function inboxPath(view: InboxView, caseId?: string): string {
  return caseId ? `/inbox/${view}/${caseId}` : `/inbox/${view}`;
}

/** Reads the view and the open case from a path; anything else falls back to "mine" with `known: false`. */
export function parseInboxPath(pathname: string): { view: InboxView; caseId: string | undefined; known: boolean } {
  const [, section, view, caseId] = pathname.split("/");
  if (section !== "inbox" || !isInboxView(view)) return { view: "mine", caseId: undefined, known: false };
  return { view, caseId: caseId || undefined, known: true };
}

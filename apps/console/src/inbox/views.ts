import type { CaseFilters, CaseSort } from "../api.ts";

/** The unsolved statuses: what "open" means in the views. */
export const unsolved = "open,pending,on-hold";

/** An inbox view: a key (its path segment), a label, the filters of the list and its default order. */
export type InboxViewDef = {
  key: string;
  /** An i18n key (built-in views), or the view's own name (channels, saved views). */
  label: string;
  /** Whether `label` is a name to show as is. */
  named?: boolean;
  filters: CaseFilters;
  sort?: CaseSort;
  /** Built-in, one per channel, or saved by the member. */
  kind: "builtin" | "channel" | "saved";
  /** The saved view's id (kind "saved"). */
  id?: string;
};

/**
 * The built-in views, in the navigation's order. Another view (e.g. "mentions") goes in this list with its
 * filters; its count comes with the others (the server counts whatever filters it is given).
 */
export const builtinViews: InboxViewDef[] = [
  { key: "mine", label: "views.mine", kind: "builtin", filters: { assigneeId: "me", status: unsolved } },
  { key: "unassigned", label: "views.unassigned", kind: "builtin", filters: { assigneeId: "none", status: unsolved } },
  // Cases whose internal notes @mention me, whatever their status.
  { key: "mentions", label: "views.mentions", kind: "builtin", filters: { mentioned: "me" } },
  { key: "teams", label: "inboxViews.view.teams", kind: "builtin", filters: { teamId: "mine", status: unsolved } },
  { key: "open", label: "views.open", kind: "builtin", filters: { status: unsolved } },
  {
    key: "sla",
    label: "inboxViews.view.sla",
    kind: "builtin",
    filters: { slaState: "warning,breached", status: unsolved },
    sort: "slaDue",
  },
  {
    key: "closing",
    label: "inboxViews.view.closing",
    kind: "builtin",
    // Four hours: when the row's reply-window badge turns orange.
    filters: { windowClosingWithin: 240, status: unsolved },
    sort: "replyWindow",
  },
  { key: "solved", label: "views.solved", kind: "builtin", filters: { status: "solved,closed" } },
];

/** Kept for callers that list the original views. */
export const inboxViews = builtinViews.map((view) => view.key);
export type InboxView = string;

export const channelViewKey = (channelId: string) => `channel-${channelId}`;
export const savedViewKey = (viewId: string) => `view-${viewId}`;

const uuid = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const viewKey = new RegExp(`^(?:[a-z]+|channel-${uuid}|view-${uuid})$`);

/** `/inbox/<view>` or `/inbox/<view>/<caseId>`. */
export function inboxPath(view: InboxView, caseId?: string): string {
  return caseId ? `/inbox/${view}/${caseId}` : `/inbox/${view}`;
}

/**
 * Reads the view key and the open case from a path; anything that cannot be a view falls back to "mine" with
 * `known: false` (whether a channel or saved view still exists is for the page to find out).
 */
export function parseInboxPath(pathname: string): { view: InboxView; caseId: string | undefined; known: boolean } {
  const [, section, view, caseId] = pathname.split("/");
  if (section !== "inbox" || !view || !viewKey.test(view)) return { view: "mine", caseId: undefined, known: false };
  return { view, caseId: caseId || undefined, known: true };
}

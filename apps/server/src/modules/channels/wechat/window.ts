/**
 * WeChat customer-service windows (CHANNELS.md §2.9), tracked per customer: each user action opens its own
 * window with its own quota, and a reply spends one message of an open window. Checked in the transaction
 * that queues the reply, so a refused reply never reaches WeChat.
 */
import { sql } from "kysely";
import type { Executor } from "../../../platform/db.ts";
import { AppError } from "../../../platform/errors.ts";
import { insertRows } from "../../../platform/writes.ts";
import { wq } from "./repository.ts";

export type WindowKind = "message" | "interaction" | "payment";

/** What each user action allows: replies (null: unlimited) within how long. */
export const WINDOW_RULES: Record<WindowKind, { seconds: number; maxMessages: number | null; action: string }> = {
  message: { seconds: 48 * 3600, maxMessages: 5, action: "the customer writes (5 replies within 48 h)" },
  interaction: {
    seconds: 60,
    maxMessages: 3,
    action: "the customer clicks a menu, follows the account or scans a QR code (3 replies within 1 minute)",
  },
  payment: { seconds: 48 * 3600, maxMessages: null, action: "the customer pays (unlimited replies within 48 h)" },
};

const REOPENS_WHEN = Object.values(WINDOW_RULES).map((r) => r.action);
const REOPENS_TEXT = `It reopens when ${REOPENS_WHEN.join("; or when ")}. Outside the window, use a template message.`;

type Scope = { workspaceId: string; channelId: string; openId: string };

/** Opens (or renews) the window a user action grants; an older action arriving late changes nothing. */
export async function openWindow(tx: Executor, scope: Scope, kind: WindowKind, at: Date): Promise<void> {
  await openWindows(tx, [{ ...scope, kind, at }]);
}

/** `openWindow` for many actions in one statement (a customer's several actions: the latest one counts). */
export async function openWindows(
  tx: Executor,
  actions: readonly (Scope & { kind: WindowKind; at: Date })[],
): Promise<void> {
  if (actions.length > 0) await windowsUpsert(actions).execute(tx);
}

/** The statement `openWindows` runs, for a combined write: fixed (platform/writes.ts), even with no action. */
export function windowsUpsert(actions: readonly (Scope & { kind: WindowKind; at: Date })[]) {
  // One row per window: an upsert may not touch a row twice in one statement.
  const latest = new Map<string, Scope & { kind: WindowKind; at: Date }>();
  for (const a of actions) {
    const key = `${a.workspaceId}\n${a.channelId}\n${a.openId}\n${a.kind}`;
    const seen = latest.get(key);
    if (!seen || seen.at < a.at) latest.set(key, a);
  }
  return insertRows(
    "wechat_reply_windows",
    {
      workspace_id: "uuid",
      channel_id: "uuid",
      open_id: "text",
      kind: "text",
      opened_at: "timestamptz",
      expires_at: "timestamptz",
      max_messages: "int4",
      used: "int4",
    },
    [...latest.values()].map((a) => ({
      workspace_id: a.workspaceId,
      channel_id: a.channelId,
      open_id: a.openId,
      kind: a.kind,
      opened_at: a.at,
      expires_at: new Date(a.at.getTime() + WINDOW_RULES[a.kind].seconds * 1000),
      max_messages: WINDOW_RULES[a.kind].maxMessages,
      used: 0,
    })),
    // WeChat times have whole seconds: a second message in the same second renews the window too.
    sql`on conflict (workspace_id, channel_id, open_id, kind) do update
      set opened_at = excluded.opened_at, expires_at = excluded.expires_at, max_messages = excluded.max_messages, used = 0
      where wechat_reply_windows.opened_at <= excluded.opened_at`,
  );
}

/**
 * Spends one reply of an open window (the one closing first that has quota left; unlimited ones last), or
 * throws `reply_window_closed` / `reply_quota_exhausted` with what reopens the window.
 */
export async function spendReply(tx: Executor, scope: Scope, now = new Date()): Promise<void> {
  const windows = await wq(tx)
    .selectFrom("wechat_reply_windows")
    .selectAll()
    .where("workspace_id", "=", scope.workspaceId)
    .where("channel_id", "=", scope.channelId)
    .where("open_id", "=", scope.openId)
    .forUpdate()
    .execute();
  const open = windows
    .filter((w) => w.expires_at.getTime() > now.getTime())
    .sort((a, b) =>
      a.max_messages === null || b.max_messages === null
        ? Number(a.max_messages === null) - Number(b.max_messages === null)
        : a.expires_at.getTime() - b.expires_at.getTime(),
    );
  const usable = open.find((w) => w.max_messages === null || w.used < w.max_messages);
  if (usable) {
    await wq(tx)
      .updateTable("wechat_reply_windows")
      .set({ used: sql<number>`used + 1` })
      .where("workspace_id", "=", scope.workspaceId)
      .where("channel_id", "=", scope.channelId)
      .where("open_id", "=", scope.openId)
      .where("kind", "=", usable.kind)
      .execute();
    return;
  }
  if (open.length) {
    const limit = open.reduce((n, w) => n + (w.max_messages ?? 0), 0);
    const closesAt = new Date(Math.max(...open.map((w) => w.expires_at.getTime())));
    throw new AppError(
      "conflict",
      "reply_quota_exhausted",
      `WeChat allows ${limit} customer-service ${limit === 1 ? "message" : "messages"} for what this customer did last, and they are sent. ${REOPENS_TEXT}`,
      { limit, windowClosesAt: closesAt.toISOString(), reopensWhen: REOPENS_WHEN },
    );
  }
  const last = windows.length ? new Date(Math.max(...windows.map((w) => w.expires_at.getTime()))) : null;
  throw new AppError(
    "conflict",
    "reply_window_closed",
    `WeChat customer-service messages are allowed only for a while after the customer acts; ${last ? `this customer's window closed at ${last.toISOString()}` : "this customer has not opened a window"}. ${REOPENS_TEXT}`,
    { closedAt: last?.toISOString() ?? null, reopensWhen: REOPENS_WHEN },
  );
}

/** Records what WeChat said at send time: 45015 closes the customer's windows, 45047 spends their quotas. */
export async function applyWindowRefusal(db: Executor, scope: Scope, code: 45015 | 45047): Promise<void> {
  const base = wq(db)
    .updateTable("wechat_reply_windows")
    .where("workspace_id", "=", scope.workspaceId)
    .where("channel_id", "=", scope.channelId)
    .where("open_id", "=", scope.openId);
  if (code === 45015) {
    await base.set({ expires_at: sql<Date>`least(expires_at, now())` }).execute();
  } else {
    await base.set({ used: sql<number>`coalesce(max_messages, used)` }).where("max_messages", "is not", null).execute();
  }
}

/** The refusal reason and text for a send WeChat refused with 45015 or 45047. */
export function refusalText(code: 45015 | 45047): string {
  return code === 45015
    ? `reply_window_closed: WeChat refused the message (45015, the customer-service window has closed). ${REOPENS_TEXT}`
    : `reply_quota_exhausted: WeChat refused the message (45047, the window's message quota is used up). ${REOPENS_TEXT}`;
}

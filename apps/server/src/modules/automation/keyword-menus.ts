/**
 * Keyword menus: a text IVR per workspace ("reply 1 for deliveries" → "1.2 returns" → …). A rule's `open_menu`
 * action shows the top level and remembers where the contact stands; each of their next messages picks an
 * option by its key (or label), "0" goes back a level, and after `timeoutMinutes` without an answer the place
 * resets to the top. A leaf replies with any content kind (and stays on its level) or hands the case over to
 * agents; `freeText` turns any other message into a handover (the "How can I help?" prompt: the customer's next
 * message opens a case for an agent). Trees are validated on save with the path of each problem.
 */
import { uuidv7 } from "uuidv7";
import { z } from "zod";
import type { AppContext } from "../../platform/context.ts";
import type { Executor } from "../../platform/db.ts";
import { AppError } from "../../platform/errors.ts";
import type { OutboxEvent } from "../../platform/outbox.ts";
import { runTransaction } from "../../platform/outbox.ts";
import { TtlCache } from "../../platform/ttl-cache.ts";
import { automationFacts, type CaseActor, caseControl } from "../conversations/index.ts";
import { handOver } from "./bot/handover.ts";
import { type ReplyTarget, replyToCustomer } from "./customer-reply.ts";
import { foldKeyword, type ReplyContent, ReplyContentSchema } from "./rules.ts";

/** How deep a menu may go (1 → 1.2 → 1.2.3 → …). */
export const MAX_MENU_DEPTH = 5;
const MAX_OPTIONS = 9;
const MAX_NODES = 200;

const HandoverSchema = z.strictObject({
  /** Sent to the customer before the case goes to agents. */
  text: z.string().trim().min(1).max(1000).optional(),
  teamId: z.uuid().optional(),
  reason: z.string().trim().min(1).max(100).optional(),
});
export type MenuHandover = z.infer<typeof HandoverSchema>;

export type MenuOption = {
  key: string;
  label: string;
  /** A submenu: its prompt and options. */
  text?: string | undefined;
  options?: MenuOption[] | undefined;
  /** A leaf answering with any content kind. */
  reply?: z.infer<typeof ReplyContentSchema> | undefined;
  /** A leaf handing the case over to agents. */
  handover?: MenuHandover | undefined;
};

const OptionSchema: z.ZodType<MenuOption> = z.lazy(() =>
  z.strictObject({
    key: z.string().trim().min(1).max(20),
    label: z.string().trim().min(1).max(200),
    text: z.string().trim().min(1).max(1000).optional(),
    options: z.array(OptionSchema).max(MAX_OPTIONS).optional(),
    reply: ReplyContentSchema.optional(),
    handover: HandoverSchema.optional(),
  }),
);

export const MenuTreeSchema = z.strictObject({
  /** The top level's prompt. */
  text: z.string().trim().min(1).max(1000),
  options: z.array(OptionSchema).max(MAX_OPTIONS).default([]),
  /** Any message that is not a key of the top level hands the case over (a prompt rather than a menu). */
  freeText: HandoverSchema.optional(),
  /** Said before the level's options again when a message matches none of them. */
  invalidText: z.string().trim().min(1).max(500).optional(),
  /** The label of "0". */
  backLabel: z.string().trim().min(1).max(100).optional(),
});
export type MenuTree = z.infer<typeof MenuTreeSchema>;

export const MenuBody = z.strictObject({
  name: z.string().trim().min(1).max(100),
  tree: MenuTreeSchema,
  timeoutMinutes: z
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(10),
});
export type MenuInput = z.infer<typeof MenuBody>;

export type MenuProblem = { path: string; message: string };

/**
 * The problems of a tree, each with its path: duplicate keys (after folding: `１` is `1`, `A` is `a`) and the
 * reserved `0` (options that could never be reached), options that are not exactly one of submenu / reply /
 * handover, empty submenus (dead ends), submenus without a prompt, depth over MAX_MENU_DEPTH, too many options.
 */
export function checkMenuTree(tree: MenuTree): MenuProblem[] {
  const problems: MenuProblem[] = [];
  let nodes = 0;
  const level = (options: readonly MenuOption[], path: string, depth: number) => {
    const seen = new Map<string, string>();
    for (const [i, o] of options.entries()) {
      nodes += 1;
      const at = `${path}options[${i}]`;
      const key = foldKeyword(o.key);
      if (/\s/.test(key)) problems.push({ path: `${at}.key`, message: `"${o.key}" has a space: a key is one word` });
      if (key === "0")
        problems.push({
          path: `${at}.key`,
          message: `"0" is reserved for going back, so this option could never be reached`,
        });
      const first = seen.get(key);
      if (first !== undefined)
        problems.push({
          path: `${at}.key`,
          message: `duplicate key "${o.key}" (${first}.key has it), so this option could never be reached`,
        });
      else seen.set(key, at);
      const kinds = [o.options !== undefined, o.reply !== undefined, o.handover !== undefined].filter(Boolean).length;
      if (kinds !== 1)
        problems.push({ path: at, message: "an option is exactly one of: a submenu (options), a reply, a handover" });
      if (o.options !== undefined) {
        if (o.options.length === 0)
          problems.push({ path: `${at}.options`, message: "an empty submenu is a dead end: give it options" });
        if (!o.text) problems.push({ path: `${at}.text`, message: "a submenu needs a prompt (text)" });
        if (depth + 1 > MAX_MENU_DEPTH)
          problems.push({ path: `${at}.options`, message: `a menu is at most ${MAX_MENU_DEPTH} levels deep` });
        else level(o.options, `${at}.`, depth + 1);
      } else if (o.text !== undefined) {
        problems.push({ path: `${at}.text`, message: "only a submenu has a prompt; a leaf says its reply" });
      }
    }
  };
  if (tree.options.length === 0 && !tree.freeText)
    problems.push({
      path: "options",
      message: "a menu needs at least one option, or freeText to hand over any answer",
    });
  level(tree.options, "", 1);
  if (nodes > MAX_NODES) problems.push({ path: "options", message: `a menu has at most ${MAX_NODES} options in all` });
  return problems;
}

/** The teams a tree hands over to, with their paths (checked against the workspace on save). */
export function menuTeams(tree: MenuTree): { path: string; id: string }[] {
  const out: { path: string; id: string }[] = [];
  if (tree.freeText?.teamId) out.push({ path: "freeText.teamId", id: tree.freeText.teamId });
  const walk = (options: readonly MenuOption[], path: string) => {
    for (const [i, o] of options.entries()) {
      if (o.handover?.teamId) out.push({ path: `${path}options[${i}].handover.teamId`, id: o.handover.teamId });
      if (o.options) walk(o.options, `${path}options[${i}].`);
    }
  };
  walk(tree.options, "");
  return out;
}

/** The level at a path of keys (undefined when the tree changed and the path is gone). */
function levelAt(tree: MenuTree, path: readonly string[]): { text: string; options: MenuOption[] } | undefined {
  let level: { text: string; options: MenuOption[] } = { text: tree.text, options: tree.options };
  for (const key of path) {
    const next = level.options.find((o) => foldKeyword(o.key) === key);
    if (!next?.options) return undefined;
    level = { text: next.text ?? next.label, options: next.options };
  }
  return level;
}

/** What a level says: its prompt, one line per option (`1. Track my delivery`), and `0. Back` below the top. */
export function renderLevel(tree: MenuTree, path: readonly string[]): string {
  const level = levelAt(tree, path) ?? { text: tree.text, options: tree.options };
  const lines = [level.text, ...level.options.map((o) => `${o.key}. ${o.label}`)];
  if (path.length > 0) lines.push(`0. ${tree.backLabel ?? "Back"}`);
  return lines.join("\n");
}

function pick(options: readonly MenuOption[], text: string): MenuOption | undefined {
  const folded = foldKeyword(text);
  return options.find((o) => foldKeyword(o.key) === folded) ?? options.find((o) => foldKeyword(o.label) === folded);
}

// ——— storage

type MenuTables = {
  automation_keyword_menus: {
    workspace_id: string;
    id: string;
    name: string;
    tree: unknown;
    timeout_minutes: number;
    created_at: Date;
    updated_at: Date;
  };
  automation_menu_sessions: {
    workspace_id: string;
    contact_id: string;
    menu_id: string;
    path: string[];
    last_message_id: string | null;
    expires_at: Date;
    ended_at: Date | null;
    updated_at: Date;
  };
};
const mq = (db: Executor) => db.withTables<MenuTables>();

export type MenuRow = { id: string; name: string; tree: MenuTree; timeoutMinutes: number; updatedAt: Date };

const toMenu = (r: {
  id: string;
  name: string;
  tree: unknown;
  timeout_minutes: number;
  updated_at: Date;
}): MenuRow => ({
  id: r.id,
  name: r.name,
  tree: r.tree as MenuTree,
  timeoutMinutes: r.timeout_minutes,
  updatedAt: r.updated_at,
});

export async function findMenu(db: Executor, ws: string, id: string): Promise<MenuRow | undefined> {
  const r = await mq(db)
    .selectFrom("automation_keyword_menus")
    .selectAll()
    .where("workspace_id", "=", ws)
    .where("id", "=", id)
    .executeTakeFirst();
  return r ? toMenu(r) : undefined;
}

export async function listMenus(db: Executor, ws: string): Promise<MenuRow[]> {
  const rows = await mq(db)
    .selectFrom("automation_keyword_menus")
    .selectAll()
    .where("workspace_id", "=", ws)
    .orderBy("created_at")
    .execute();
  return rows.map(toMenu);
}

/** Stores a checked menu (new when `id` is absent). */
export async function saveMenu(db: Executor, ws: string, input: MenuInput, id?: string): Promise<MenuRow> {
  const now = new Date();
  const values = {
    name: input.name,
    tree: JSON.stringify(input.tree),
    timeout_minutes: input.timeoutMinutes,
    updated_at: now,
  };
  const row = id
    ? await mq(db)
        .updateTable("automation_keyword_menus")
        .set(values)
        .where("workspace_id", "=", ws)
        .where("id", "=", id)
        .returningAll()
        .executeTakeFirst()
    : await mq(db)
        .insertInto("automation_keyword_menus")
        .values({ workspace_id: ws, id: uuidv7(), created_at: now, ...values })
        .returningAll()
        .executeTakeFirstOrThrow();
  forgetMenus(ws);
  if (!row) throw new AppError("not_found", "menu_not_found", "No such keyword menu in your workspace.");
  return toMenu(row);
}

/** Deletes a menu and everyone's place in it. */
export async function deleteMenu(db: Executor, ws: string, id: string): Promise<boolean> {
  await mq(db)
    .deleteFrom("automation_menu_sessions")
    .where("workspace_id", "=", ws)
    .where("menu_id", "=", id)
    .execute();
  const r = await mq(db)
    .deleteFrom("automation_keyword_menus")
    .where("workspace_id", "=", ws)
    .where("id", "=", id)
    .executeTakeFirst();
  forgetMenus(ws);
  return Number(r.numDeletedRows) > 0;
}

async function saveSession(
  db: Executor,
  ws: string,
  contactId: string,
  s: { menuId: string; path: string[]; messageId: string | null; timeoutMinutes: number; ended: boolean },
) {
  const now = new Date();
  const values = {
    menu_id: s.menuId,
    path: s.path,
    last_message_id: s.messageId,
    expires_at: new Date(now.getTime() + s.timeoutMinutes * 60_000),
    ended_at: s.ended ? now : null,
    updated_at: now,
  };
  await mq(db)
    .insertInto("automation_menu_sessions")
    .values({ workspace_id: ws, contact_id: contactId, ...values })
    .onConflict((oc) => oc.columns(["workspace_id", "contact_id"]).doUpdateSet(values))
    .execute();
}

/** Where a contact stands in a keyword menu (for tests and the API). */
export async function menuSessionOf(db: Executor, ws: string, contactId: string) {
  return mq(db)
    .selectFrom("automation_menu_sessions")
    .selectAll()
    .where("workspace_id", "=", ws)
    .where("contact_id", "=", contactId)
    .executeTakeFirst();
}

// ——— runtime

const actorOf = (ws: string, menuId: string, depth = 0): CaseActor => ({
  type: "bot",
  id: menuId,
  workspaceId: ws,
  depth,
});

/**
 * Shows a menu's top level to the customer (in their case, or to their channel identity without one) and puts
 * the contact at its top (the rule action `open_menu`). `messageId`: the customer message that opened it (that
 * message is then not read as an answer, and the bot leaves it alone).
 */
export async function openMenu(
  ctx: AppContext,
  tx: Executor,
  actor: CaseActor,
  menuId: string,
  target: ReplyTarget & { contactId: string },
  opts: { dedupeKey: string; messageId?: string | undefined },
) {
  const menu = await findMenu(tx, actor.workspaceId, menuId);
  if (!menu)
    throw new AppError("conflict", "menu_not_found", "No such keyword menu in this workspace (was it deleted?).");
  await saveSession(tx, actor.workspaceId, target.contactId, {
    menuId,
    path: [],
    messageId: opts.messageId ?? null,
    timeoutMinutes: menu.timeoutMinutes,
    ended: false,
  });
  return replyToCustomer(ctx, tx, actor, target, { text: renderLevel(menu.tree, []) }, opts.dedupeKey);
}

/** Whether the workspace has any keyword menu (one indexed read; most workspaces skip the rest). */
async function hasMenus(db: Executor, ws: string): Promise<boolean> {
  const r = await mq(db)
    .selectFrom("automation_keyword_menus")
    .select("id")
    .where("workspace_id", "=", ws)
    .limit(1)
    .executeTakeFirst();
  return r !== undefined;
}

const menusCache = new TtlCache<string, boolean>(5_000, 1000);

/** Whether the workspace has any keyword menu, for the event handlers (cached 5 s; dropped at once on this node when a menu is saved or deleted). */
export async function cachedHasMenus(db: Executor, ws: string): Promise<boolean> {
  return menusCache.load(ws, () => hasMenus(db, ws));
}

/** Forgets whether a workspace has menus: after a menu is saved or deleted, and again after the commit of a transaction that did. */
export const forgetMenus = (ws: string) => menusCache.delete(ws);

/**
 * The keyword menu's handler of a customer message, run before the rules: answers it when the contact stands in
 * a menu and returns true (keyword rules and the bot then leave the message alone). Idempotent per message.
 * The caller runs it only for a workspace that has menus (cachedHasMenus).
 */
export async function runKeywordMenu(ctx: AppContext, event: OutboxEvent): Promise<boolean> {
  const p = event.payload as { caseId?: string; messageId?: string; direction?: string };
  if (p.direction !== "inbound" || !p.caseId || !p.messageId) return false;
  const ws = event.workspaceId;
  const { db } = ctx.database;
  const control = await caseControl(db, ws, p.caseId);
  if (!control) return false;
  const session = await menuSessionOf(db, ws, control.contactId);
  if (!session) return false;
  if (session.last_message_id === p.messageId) return true;
  if (session.ended_at) return false;
  const menu = await findMenu(db, ws, session.menu_id);
  const facts = menu ? await automationFacts(db, ws, p.caseId, p.messageId) : undefined;
  if (!menu || !facts) return false;
  const caseId = p.caseId;
  const messageId = p.messageId;
  const text = facts.message?.type === "text" ? facts.message.text : "";
  const expired = session.expires_at.getTime() <= Date.now();
  // After the timeout the place resets to the top: a top-level key still works, anything else ends the menu.
  const path = expired ? [] : [...session.path];
  const actor = actorOf(ws, menu.id);
  const target = { caseId, contactId: control.contactId, channelType: facts.channelType };
  const key = (suffix: string) => `menu:${menu.id}:${messageId}:${suffix}`;
  const save = (tx: Executor, next: string[], ended = false) =>
    saveSession(tx, ws, control.contactId, {
      menuId: menu.id,
      path: next,
      messageId,
      timeoutMinutes: menu.timeoutMinutes,
      ended,
    });
  // A refused reply (a closed window, a kind the channel cannot carry) is logged; the menu and the rules go on.
  const say = async (tx: Executor, reply: { text: string } | { content: ReplyContent }, suffix: string) => {
    try {
      const out = await replyToCustomer(ctx, tx, actor, target, reply, key(suffix));
      if ("skipped" in out) ctx.logger.info({ menuId: menu.id, reason: out.skipped }, "keyword menu reply skipped");
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      ctx.logger.warn({ menuId: menu.id, reason: err.reason, message: err.message }, "keyword menu reply refused");
    }
  };
  const handover = async (tx: Executor, h: MenuHandover) => {
    if (h.text) await say(tx, { text: h.text }, "handover");
    await handOver(tx, actor, caseId, { to: "agent", reason: h.reason ?? "keyword_menu", teamId: h.teamId });
    await save(tx, path, true);
  };

  const level = levelAt(menu.tree, path);
  const chosen = level && text ? pick(level.options, text) : undefined;
  if (expired && !chosen) {
    await runTransaction(ctx.database, (tx) => save(tx, [], true));
    return false;
  }
  await runTransaction(ctx.database, async (tx) => {
    if (!level) {
      // The tree changed under the contact: back to the top.
      await save(tx, []);
      await say(tx, { text: renderLevel(menu.tree, []) }, "top");
      return;
    }
    if (!chosen && path.length > 0 && foldKeyword(text) === "0") {
      const up = path.slice(0, -1);
      await save(tx, up);
      await say(tx, { text: renderLevel(menu.tree, up) }, "back");
      return;
    }
    if (!chosen) {
      if (path.length === 0 && menu.tree.freeText) return handover(tx, menu.tree.freeText);
      await save(tx, path);
      const again = `${menu.tree.invalidText ?? "Sorry, that is not one of the options."}\n${renderLevel(menu.tree, path)}`;
      await say(tx, { text: again }, "invalid");
      return;
    }
    if (chosen.options) {
      const down = [...path, foldKeyword(chosen.key)];
      await save(tx, down);
      await say(tx, { text: renderLevel(menu.tree, down) }, "down");
      return;
    }
    if (chosen.handover) return handover(tx, chosen.handover);
    if (chosen.reply) {
      await save(tx, path);
      await say(tx, { content: chosen.reply }, "reply");
    }
  });
  return true;
}

/** Whether a menu was opened by this very message (a keyword rule's `open_menu`): the bot leaves it alone. Like runKeywordMenu, for a workspace with menus. */
export async function menuOpenedBy(db: Executor, ws: string, caseId: string, messageId: string): Promise<boolean> {
  const control = await caseControl(db, ws, caseId);
  if (!control) return false;
  const session = await menuSessionOf(db, ws, control.contactId);
  return session?.last_message_id === messageId;
}

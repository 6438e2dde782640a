/**
 * The WeChat service scenarios as ready-made templates (issue #8): each takes a short parameter form and installs
 * real rules (and a keyword menu, or the bot's settings, where the scenario needs them) in one transaction. An
 * install is recorded per scenario and key (its menu key, keywords, scene…): installing the same again answers
 * 409 `scenario_installed` with what the first install created; uninstalling deletes its rules and menu.
 */
import { uuidv7 } from "uuidv7";
import { z } from "zod";
import type { AppContext } from "../../platform/context.ts";
import type { Executor } from "../../platform/db.ts";
import { AppError } from "../../platform/errors.ts";
import { type Actor, findMembership, findTeam, recordAudit } from "../tenancy/index.ts";
import { invalidateBot } from "./bot/models.ts";
import { findIntentByName } from "./bot/repository.ts";
import { forgetBotSettings, saveBotSettings } from "./bot/runtime.ts";
import { insertBotTemplate, ORDER_STATUS_TEMPLATE } from "./bot/templates.ts";
import {
  checkMenuTree,
  deleteMenu,
  forgetMenus,
  type MenuInput,
  MenuTreeSchema,
  menuTeams,
  saveMenu,
} from "./keyword-menus.ts";
import { forgetRules, insertRule, listRules, q, type RuleRow } from "./repository.ts";
import { checkRule, foldKeyword, ReplyContentSchema, type RuleInput } from "./rules.ts";
import { scheduleCron } from "./scheduled.ts";

const Key = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9_-]+$/, "letters, digits, _ and - (the menu button's key)");
const Keyword = z.string().trim().min(1).max(100);
const Text = z.string().trim().min(1).max(2000);

/** How the customer gets in: a menu button's key and/or keywords they type. */
const Entry = z
  .strictObject({ menuKey: Key.optional(), keywords: z.array(Keyword).min(1).max(20).optional() })
  .refine((e) => e.menuKey || e.keywords?.length, { message: "give a menuKey, keywords, or both" });
type EntryInput = z.infer<typeof Entry>;

/** A numbered keyword ("1") with its label in the list and the reply it triggers (any content kind). */
const KeywordReply = z.strictObject({
  keyword: Keyword,
  label: z.string().trim().min(1).max(200),
  reply: ReplyContentSchema,
});
type KeywordReplyInput = z.infer<typeof KeywordReply>;

const PARAMS = {
  "menu-keywords": z.strictObject({
    menuKey: Key,
    intro: Text.default("How can we help? Reply with a number:"),
    options: z.array(KeywordReply).min(1).max(9),
  }),
  "menu-ask-agent": z.strictObject({
    menuKey: Key,
    prompt: Text.default("How can I help?"),
    handoverText: Text.optional(),
    teamId: z.uuid().optional(),
    timeoutMinutes: z.number().int().min(1).max(1440).default(30),
  }),
  welcome: z.strictObject({
    text: Text,
    options: z.array(KeywordReply).max(9).default([]),
    /** A follow from a parametric QR code (`qrscene_<scene>`) gets this welcome instead. */
    scenes: z
      .array(z.strictObject({ scene: z.string().trim().min(1).max(64), text: Text }))
      .max(20)
      .default([]),
  }),
  "qr-to-service": z
    .strictObject({
      entry: Entry,
      /** The QR code's scene (created under Settings → WeChat → QR codes). */
      scene: z.string().trim().min(1).max(64),
      /** The QR image uploaded as WeChat media (POST …/wechat/media?type=image), or its image URL for a card. */
      mediaId: z.string().trim().min(1).max(200).optional(),
      imageUrl: z
        .url({ protocol: /^https?$/ })
        .max(2000)
        .optional(),
      caption: z.string().trim().min(1).max(200).default("Scan to reach customer service"),
      prompt: Text.default("Welcome to customer service. How can we help?"),
      teamId: z.uuid().optional(),
    })
    .refine((p) => p.mediaId || p.imageUrl, { message: "give the QR code's mediaId or imageUrl", path: ["mediaId"] }),
  "mini-program": z.strictObject({
    entry: Entry,
    title: z.string().trim().min(1).max(200),
    appId: z
      .string()
      .trim()
      .regex(/^wx[0-9a-zA-Z]{16}$/, "a mini program AppID: wx + 16 letters or digits"),
    pagePath: z.string().trim().min(1).max(500),
    thumbMediaId: z.string().trim().min(1).max(200),
    text: Text.optional(),
  }),
  "agent-card": z.strictObject({ entry: Entry, agentId: z.uuid(), note: z.string().trim().max(500).optional() }),
  "bot-first": z.strictObject({
    threshold: z.number().min(0).max(1).default(0.7),
    maxFallbacks: z.number().int().min(1).max(10).default(2),
    teamId: z.uuid().optional(),
    menuKey: Key.optional(),
    intro: Text.default('Ask me anything. Type "human" at any time to talk to an agent.'),
    /** Also installs the shipped "order status" flow (ask the number → look it up → answer), unless present. */
    orderStatusFlow: z.boolean().default(true),
  }),
  "payment-follow-up": z.strictObject({
    statuses: z.array(z.string().trim().min(1).max(50)).min(1).max(10).default(["paid"]),
    text: Text.default("Thank you for your order! Any question about it? Just reply here and an agent will help you."),
    handoverText: Text.optional(),
    teamId: z.uuid().optional(),
    timeoutMinutes: z.number().int().min(1).max(2880).default(1440),
  }),
  greeting: z.strictObject({ text: Text, onlyNewCases: z.boolean().default(true) }),
  away: z.strictObject({ text: Text, onlyNewCases: z.boolean().default(true) }),
  "keyword-menu": z.strictObject({
    entry: Entry,
    name: z.string().trim().min(1).max(100).default("Keyword menu"),
    tree: MenuTreeSchema,
    timeoutMinutes: z.number().int().min(1).max(1440).default(10),
  }),
} as const;

export type ScenarioId = keyof typeof PARAMS;
export const SCENARIO_IDS = Object.keys(PARAMS) as ScenarioId[];

/** One input of a scenario's form (the console renders it; `json` ones are edited as JSON). */
export type ScenarioField = {
  name: string;
  kind: "text" | "textarea" | "key" | "keywords" | "number" | "boolean" | "agent" | "team" | "entry" | "json";
  required: boolean;
};

/** The catalogue: each scenario's trigger, form and an example of its parameters. */
export const SCENARIOS: Record<ScenarioId, { trigger: string; fields: ScenarioField[]; example: object }> = {
  "menu-keywords": {
    trigger: "menu.clicked → keyword",
    fields: [f("menuKey", "key", true), f("intro", "textarea"), f("options", "json", true)],
    example: {
      menuKey: "CUSTOMER_SERVICE",
      intro: "How can we help? Reply with a number:",
      options: [
        {
          keyword: "1",
          label: "Track your delivery",
          reply: { kind: "article", title: "Track your parcel", url: "https://example.com/track" },
        },
        {
          keyword: "2",
          label: "Opening hours",
          reply: { kind: "text", text: "We answer 9:00–18:00, Monday to Friday." },
        },
      ],
    },
  },
  "menu-ask-agent": {
    trigger: "menu.clicked → next message",
    fields: [
      f("menuKey", "key", true),
      f("prompt", "textarea"),
      f("handoverText", "textarea"),
      f("teamId", "team"),
      f("timeoutMinutes", "number"),
    ],
    example: { menuKey: "ASK_AGENT", prompt: "How can I help?" },
  },
  welcome: {
    trigger: "subscribed → keyword",
    fields: [f("text", "textarea", true), f("options", "json"), f("scenes", "json")],
    example: {
      text: "Welcome! Reply 1 to track your delivery.",
      options: [
        { keyword: "1", label: "Track your delivery", reply: { kind: "url", url: "https://example.com/track" } },
      ],
      scenes: [{ scene: "store_paris", text: "Welcome, and thanks for visiting our Paris store!" }],
    },
  },
  "qr-to-service": {
    trigger: "menu.clicked / keyword → qr.scanned",
    fields: [
      f("entry", "entry", true),
      f("scene", "text", true),
      f("mediaId", "text"),
      f("imageUrl", "text"),
      f("caption", "text"),
      f("prompt", "textarea"),
      f("teamId", "team"),
    ],
    example: { entry: { keywords: ["qr"] }, scene: "service", imageUrl: "https://example.com/qr.png" },
  },
  "mini-program": {
    trigger: "menu.clicked / keyword",
    fields: [
      f("entry", "entry", true),
      f("title", "text", true),
      f("appId", "text", true),
      f("pagePath", "text", true),
      f("thumbMediaId", "text", true),
      f("text", "textarea"),
    ],
    example: {
      entry: { menuKey: "SERVICE_APP" },
      title: "Open the service app",
      appId: "wx0123456789abcdef",
      pagePath: "pages/service/index",
      thumbMediaId: "THUMB_MEDIA_ID",
    },
  },
  "agent-card": {
    trigger: "menu.clicked / keyword",
    fields: [f("entry", "entry", true), f("agentId", "agent", true), f("note", "textarea")],
    example: { entry: { keywords: ["agent"] }, note: "Your personal advisor" },
  },
  "bot-first": {
    trigger: "message.received (bot) → handover",
    fields: [
      f("threshold", "number"),
      f("maxFallbacks", "number"),
      f("teamId", "team"),
      f("menuKey", "key"),
      f("intro", "textarea"),
      f("orderStatusFlow", "boolean"),
    ],
    example: { threshold: 0.7, maxFallbacks: 2 },
  },
  "payment-follow-up": {
    trigger: "order.event → next message",
    fields: [
      f("statuses", "keywords"),
      f("text", "textarea"),
      f("handoverText", "textarea"),
      f("teamId", "team"),
      f("timeoutMinutes", "number"),
    ],
    example: { statuses: ["paid"] },
  },
  greeting: {
    trigger: "message.received (business hours)",
    fields: [f("text", "textarea", true), f("onlyNewCases", "boolean")],
    example: { text: "Hello! An agent will be with you in a moment." },
  },
  away: {
    trigger: "message.received (outside business hours)",
    fields: [f("text", "textarea", true), f("onlyNewCases", "boolean")],
    example: { text: "We are closed right now; we will answer as soon as we open (9:00–18:00)." },
  },
  "keyword-menu": {
    trigger: "menu.clicked / keyword → keyword menu",
    fields: [f("entry", "entry", true), f("name", "text"), f("tree", "json", true), f("timeoutMinutes", "number")],
    example: {
      entry: { menuKey: "MENU", keywords: ["menu"] },
      name: "Service menu",
      tree: {
        text: "Reply with a number:",
        options: [
          {
            key: "1",
            label: "Orders",
            text: "Orders:",
            options: [
              { key: "1", label: "Track an order", reply: { kind: "url", url: "https://example.com/track" } },
              { key: "2", label: "Talk to an agent", handover: { text: "An agent will answer you here." } },
            ],
          },
          { key: "2", label: "Opening hours", reply: { kind: "text", text: "9:00–18:00, Monday to Friday." } },
        ],
      },
    },
  },
};

function f(name: string, kind: ScenarioField["kind"], required = false): ScenarioField {
  return { name, kind, required };
}

/** What an install creates. */
type Plan = {
  installKey: string;
  rules: RuleInput[];
  menu?: MenuInput | undefined;
  /** Rules that open the menu get its id once it exists. */
  menuRules?: Omit<RuleInput, "actions">[] | undefined;
  bot?: { threshold: number; maxFallbacks: number; teamId?: string | undefined; orderStatusFlow: boolean } | undefined;
  /** Records the install must find in the workspace, with their paths. */
  refs: { kind: "team" | "agent"; id: string; path: string }[];
  /** Keywords and menu keys the install claims, with their paths (another rule using them would also fire). */
  claims: { kind: "keyword" | "menuKey"; value: string; path: string }[];
};

const numbered = (intro: string, options: readonly KeywordReplyInput[]) =>
  [intro, ...options.map((o) => `${o.keyword}. ${o.label}`)].join("\n");

function keywordRules(label: string, options: readonly KeywordReplyInput[], path: string) {
  return {
    rules: options.map(
      (o): RuleInput => ({
        name: `${label}: ${o.keyword} → ${o.label}`.slice(0, 100),
        enabled: true,
        trigger: "keyword",
        keywords: [o.keyword],
        actions: [{ type: "reply", content: o.reply }],
      }),
    ),
    claims: options.map((o, i) => ({ kind: "keyword" as const, value: o.keyword, path: `${path}[${i}].keyword` })),
  };
}

function entryRules(
  label: string,
  entry: EntryInput,
): { rules: Omit<RuleInput, "actions">[]; claims: Plan["claims"]; key: string } {
  const rules: Omit<RuleInput, "actions">[] = [];
  const claims: Plan["claims"] = [];
  if (entry.menuKey) {
    rules.push({
      name: `${label} (menu ${entry.menuKey})`.slice(0, 100),
      enabled: true,
      trigger: "menu.clicked",
      keys: [entry.menuKey],
    });
    claims.push({ kind: "menuKey", value: entry.menuKey, path: "entry.menuKey" });
  }
  if (entry.keywords?.length) {
    rules.push({
      name: `${label} (keywords)`.slice(0, 100),
      enabled: true,
      trigger: "keyword",
      keywords: entry.keywords,
    });
    claims.push(
      ...entry.keywords.map((k, i) => ({ kind: "keyword" as const, value: k, path: `entry.keywords[${i}]` })),
    );
  }
  const key = [
    entry.menuKey ? `menu:${entry.menuKey}` : "",
    ...(entry.keywords ?? []).map((k) => `kw:${foldKeyword(k)}`),
  ]
    .filter(Boolean)
    .join("|");
  return { rules, claims, key };
}

const promptMenu = (
  name: string,
  text: string,
  handover: { text?: string | undefined; teamId?: string | undefined; reason: string },
  timeoutMinutes: number,
): MenuInput => ({
  name,
  timeoutMinutes,
  tree: {
    text,
    options: [],
    freeText: {
      reason: handover.reason,
      ...(handover.text ? { text: handover.text } : {}),
      ...(handover.teamId ? { teamId: handover.teamId } : {}),
    },
  },
});

const team = (id: string | undefined, path = "teamId") => (id ? [{ kind: "team" as const, id, path }] : []);

function planOf(id: ScenarioId, raw: unknown): Plan {
  switch (id) {
    case "menu-keywords": {
      const p = PARAMS[id].parse(raw);
      const k = keywordRules("Customer service", p.options, "options");
      return {
        installKey: `menu:${p.menuKey}`,
        rules: [
          {
            name: `Menu ${p.menuKey}: numbered keywords`.slice(0, 100),
            enabled: true,
            trigger: "menu.clicked",
            keys: [p.menuKey],
            actions: [{ type: "reply", text: numbered(p.intro, p.options) }],
          },
          ...k.rules,
        ],
        refs: [],
        claims: [{ kind: "menuKey", value: p.menuKey, path: "menuKey" }, ...k.claims],
      };
    }
    case "menu-ask-agent": {
      const p = PARAMS[id].parse(raw);
      return {
        installKey: `menu:${p.menuKey}`,
        rules: [],
        menu: promptMenu(
          `Ask an agent (${p.menuKey})`,
          p.prompt,
          { text: p.handoverText, teamId: p.teamId, reason: "menu_request" },
          p.timeoutMinutes,
        ),
        menuRules: [
          {
            name: `Menu ${p.menuKey}: how can I help?`.slice(0, 100),
            enabled: true,
            trigger: "menu.clicked",
            keys: [p.menuKey],
          },
        ],
        refs: team(p.teamId),
        claims: [{ kind: "menuKey", value: p.menuKey, path: "menuKey" }],
      };
    }
    case "welcome": {
      const p = PARAMS[id].parse(raw);
      const k = keywordRules("Welcome", p.options, "options");
      const sceneRules = p.scenes.map(
        (s): RuleInput => ({
          name: `Welcome from QR ${s.scene}`.slice(0, 100),
          enabled: true,
          trigger: "subscribed",
          conditions: { field: "event.key", op: "equals", value: s.scene },
          actions: [{ type: "reply", text: numbered(s.text, p.options) }],
        }),
      );
      return {
        installKey: "subscribe",
        rules: [
          {
            name: "Welcome a new follower",
            enabled: true,
            trigger: "subscribed",
            // A follow from a QR code with its own welcome gets that one only.
            ...(p.scenes.length
              ? { conditions: { not: { field: "event.key", op: "in", value: p.scenes.map((s) => s.scene) } } }
              : {}),
            actions: [{ type: "reply", text: numbered(p.text, p.options) }],
          },
          ...sceneRules,
          ...k.rules,
        ],
        refs: [],
        claims: k.claims,
      };
    }
    case "qr-to-service": {
      const p = PARAMS[id].parse(raw);
      const e = entryRules("Send the service QR code", p.entry);
      const content = p.mediaId
        ? { kind: "qr_code" as const, mediaId: p.mediaId, caption: p.caption }
        : { kind: "article" as const, title: p.caption, picUrl: p.imageUrl, url: p.imageUrl };
      return {
        installKey: `scene:${p.scene}`,
        rules: e.rules.map((r) => ({ ...r, actions: [{ type: "reply", content }] })),
        menu: promptMenu(`Customer service (QR ${p.scene})`, p.prompt, { teamId: p.teamId, reason: "qr_service" }, 30),
        menuRules: [
          {
            name: `QR ${p.scene}: customer service`.slice(0, 100),
            enabled: true,
            trigger: "qr.scanned",
            keys: [p.scene],
          },
        ],
        refs: team(p.teamId),
        claims: e.claims,
      };
    }
    case "mini-program": {
      const p = PARAMS[id].parse(raw);
      const e = entryRules("Service mini program", p.entry);
      const card = {
        kind: "miniprogram" as const,
        title: p.title,
        appId: p.appId,
        pagePath: p.pagePath,
        thumbMediaId: p.thumbMediaId,
      };
      return {
        installKey: e.key,
        rules: e.rules.map((r) => ({
          ...r,
          actions: [...(p.text ? [{ type: "reply" as const, text: p.text }] : []), { type: "reply", content: card }],
        })),
        refs: [],
        claims: e.claims,
      };
    }
    case "agent-card": {
      const p = PARAMS[id].parse(raw);
      const e = entryRules("Agent's card", p.entry);
      return {
        installKey: e.key,
        rules: e.rules.map((r) => ({
          ...r,
          actions: [
            { type: "reply", content: { kind: "agent_card", agentId: p.agentId, ...(p.note ? { note: p.note } : {}) } },
          ],
        })),
        refs: [{ kind: "agent", id: p.agentId, path: "agentId" }],
        claims: e.claims,
      };
    }
    case "bot-first": {
      const p = PARAMS[id].parse(raw);
      return {
        installKey: "bot",
        rules: p.menuKey
          ? [
              {
                name: `Menu ${p.menuKey}: the bot introduces itself`,
                enabled: true,
                trigger: "menu.clicked",
                keys: [p.menuKey],
                actions: [{ type: "reply", text: p.intro }],
              },
            ]
          : [],
        bot: {
          threshold: p.threshold,
          maxFallbacks: p.maxFallbacks,
          teamId: p.teamId,
          orderStatusFlow: p.orderStatusFlow,
        },
        refs: team(p.teamId),
        claims: p.menuKey ? [{ kind: "menuKey", value: p.menuKey, path: "menuKey" }] : [],
      };
    }
    case "payment-follow-up": {
      const p = PARAMS[id].parse(raw);
      return {
        installKey: `order:${[...p.statuses].sort().join(",")}`,
        rules: [],
        menu: promptMenu(
          "Questions about an order",
          p.text,
          { text: p.handoverText, teamId: p.teamId, reason: "order_question" },
          p.timeoutMinutes,
        ),
        menuRules: [
          {
            name: `Order ${p.statuses.join("/")}: follow-up`.slice(0, 100),
            enabled: true,
            trigger: "order.event",
            keys: p.statuses,
          },
        ],
        refs: team(p.teamId),
        claims: [],
      };
    }
    case "greeting":
    case "away": {
      const p = PARAMS[id].parse(raw);
      const hours = { field: "time.businessHours" as const, op: "equals" as const, value: id === "greeting" };
      return {
        installKey: id,
        rules: [
          {
            name: id === "greeting" ? "Greeting (business hours)" : "Away message (outside business hours)",
            enabled: true,
            trigger: "message.received",
            conditions: p.onlyNewCases ? { all: [hours, { field: "case.isNew", op: "equals", value: true }] } : hours,
            actions: [{ type: "reply", text: p.text }],
          },
        ],
        refs: [],
        claims: [],
      };
    }
    case "keyword-menu": {
      const p = PARAMS[id].parse(raw);
      const e = entryRules(p.name, p.entry);
      return {
        installKey: e.key,
        rules: [],
        menu: { name: p.name, tree: p.tree, timeoutMinutes: p.timeoutMinutes },
        menuRules: e.rules,
        refs: menuTeams(p.tree).map((t) => ({ kind: "team" as const, id: t.id, path: `tree.${t.path}` })),
        claims: e.claims,
      };
    }
  }
}

export function isScenarioId(id: string): id is ScenarioId {
  return id in PARAMS;
}

function invalid(problems: string[]): AppError {
  return new AppError("invalid", "scenario_invalid", `The scenario's parameters are invalid: ${problems.join("; ")}.`, {
    field: problems[0]?.split(":")[0],
    problems,
  });
}

const pathOf = (path: readonly PropertyKey[]) =>
  path.reduce<string>(
    (out, k) => (typeof k === "number" ? `${out}[${k}]` : out ? `${out}.${String(k)}` : String(k)),
    "",
  );

/** Checks a scenario's parameters (form, menu tree) and returns its plan, or throws 400 with every problem's path. */
export function planScenario(id: ScenarioId, raw: unknown): Plan {
  const parsed = PARAMS[id].safeParse(raw);
  if (!parsed.success) throw invalid(parsed.error.issues.map((i) => `${pathOf(i.path) || "(params)"}: ${i.message}`));
  const plan = planOf(id, parsed.data);
  if (plan.menu) {
    const problems = checkMenuTree(plan.menu.tree);
    const prefix = id === "keyword-menu" ? "tree." : "";
    if (problems.length) throw invalid(problems.map((p) => `${prefix}${p.path}: ${p.message}`));
  }
  return plan;
}

type InstallRow = {
  workspace_id: string;
  id: string;
  scenario: string;
  install_key: string;
  params: unknown;
  rule_ids: string[];
  menu_id: string | null;
  created_by: string | null;
  created_at: Date;
};
const sq = (db: Executor) => db.withTables<{ automation_scenario_installs: InstallRow }>();

/** An install as the API shows it. */
export const presentInstall = (r: InstallRow) => ({
  id: r.id,
  scenario: r.scenario,
  installKey: r.install_key,
  params: r.params,
  ruleIds: r.rule_ids,
  menuId: r.menu_id,
  createdAt: r.created_at.toISOString(),
});

export function listInstalls(db: Executor, ws: string) {
  return sq(db)
    .selectFrom("automation_scenario_installs")
    .selectAll()
    .where("workspace_id", "=", ws)
    .orderBy("created_at")
    .execute();
}

/**
 * Installs a scenario in one transaction: its keyword menu (if any), its rules (checked like any rule), the bot's
 * settings for "bot first". 400 `scenario_invalid` names each problem's path (a missing team or agent, a keyword or
 * menu key another rule already answers); 409 `scenario_installed` when the same scenario and key is installed.
 */
export async function installScenario(ctx: AppContext, actor: Actor, id: ScenarioId, raw: unknown) {
  const ws = actor.workspaceId;
  const plan = planScenario(id, raw);
  const { db } = ctx.database;
  const existing = await sq(db)
    .selectFrom("automation_scenario_installs")
    .selectAll()
    .where("workspace_id", "=", ws)
    .where("scenario", "=", id)
    .where("install_key", "=", plan.installKey)
    .executeTakeFirst();
  if (existing) throw installed(existing);
  const problems: string[] = [];
  for (const ref of plan.refs) {
    const found = ref.kind === "team" ? await findTeam(db, ws, ref.id) : await findMembership(db, ws, ref.id);
    if (!found) problems.push(`${ref.path}: ${ref.kind} ${ref.id} does not exist in this workspace`);
  }
  problems.push(...claimConflicts(await listRules(db, ws), plan.claims));
  if (problems.length) throw invalid(problems);

  const result = await db.transaction().execute(async (tx) => {
    const menu = plan.menu ? await saveMenu(tx, ws, plan.menu) : undefined;
    const rules: RuleInput[] = [
      ...(menu
        ? (plan.menuRules ?? []).map((r): RuleInput => ({ ...r, actions: [{ type: "open_menu", menuId: menu.id }] }))
        : []),
      ...plan.rules,
    ];
    const created: RuleRow[] = [];
    for (const rule of rules) {
      const ruleProblems = checkRule(rule);
      if (ruleProblems.length) throw invalid(ruleProblems);
      created.push(
        await insertRule(tx, ws, rule, {
          ...(rule.keys?.length ? { keys: rule.keys } : {}),
        }),
      );
    }
    if (plan.bot) {
      await saveBotSettings(tx, ws, {
        enabled: true,
        threshold: plan.bot.threshold,
        maxFallbacks: plan.bot.maxFallbacks,
        timeoutMinutes: 30,
        handoverTeamId: plan.bot.teamId ?? null,
      });
      if (plan.bot.orderStatusFlow && !(await findIntentByName(tx, ws, ORDER_STATUS_TEMPLATE.intent.name)))
        await insertBotTemplate(tx, ws, ORDER_STATUS_TEMPLATE);
    }
    const row = await sq(tx)
      .insertInto("automation_scenario_installs")
      .values({
        workspace_id: ws,
        id: uuidv7(),
        scenario: id,
        install_key: plan.installKey,
        params: JSON.stringify(raw ?? {}),
        rule_ids: created.map((r) => r.id),
        menu_id: menu?.id ?? null,
        created_by: actor.id,
        created_at: new Date(),
      })
      .onConflict((oc) => oc.columns(["workspace_id", "scenario", "install_key"]).doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!row)
      throw new AppError("conflict", "scenario_installed", "This scenario was just installed with the same key.");
    await recordAudit(tx, actor, { action: "automation.scenario.installed", objectType: "scenario", objectId: row.id });
    return { install: row, rules: created };
  });
  // Dropped once more now that the transaction committed (see forgetRules).
  forgetRules(ws);
  forgetMenus(ws);
  forgetBotSettings(ws);
  for (const rule of result.rules) await scheduleCron(ctx, rule);
  if (plan.bot?.orderStatusFlow) invalidateBot(db, ws);
  return result;
}

function installed(row: InstallRow): AppError {
  return new AppError(
    "conflict",
    "scenario_installed",
    `The "${row.scenario}" scenario is already installed for ${row.install_key}; uninstall it first (DELETE /api/v1/automation/scenarios/installs/${row.id}) or edit its rules.`,
    { installId: row.id, ruleIds: row.rule_ids, menuId: row.menu_id },
  );
}

/** Keywords and menu keys another enabled rule already answers (both rules would fire). */
function claimConflicts(rules: readonly RuleRow[], claims: Plan["claims"]): string[] {
  const out: string[] = [];
  for (const c of claims) {
    const value = foldKeyword(c.value);
    const taken = rules.find((r) =>
      c.kind === "keyword"
        ? r.trigger === "keyword" && r.keywords.some((k) => foldKeyword(k) === value)
        : r.trigger === "menu.clicked" && (r.trigger_config?.keys ?? []).some((k) => foldKeyword(k) === value),
    );
    if (taken)
      out.push(
        `${c.path}: the ${c.kind === "keyword" ? "keyword" : "menu key"} "${c.value}" is already answered by the rule "${taken.name}"`,
      );
  }
  return out;
}

/** Uninstalls: deletes the install's rules and keyword menu (bot settings stay as they are). */
export async function uninstallScenario(ctx: AppContext, actor: Actor, installId: string): Promise<boolean> {
  const ws = actor.workspaceId;
  const uninstalled = await ctx.database.db.transaction().execute(async (tx) => {
    const row = await sq(tx)
      .deleteFrom("automation_scenario_installs")
      .where("workspace_id", "=", ws)
      .where("id", "=", installId)
      .returningAll()
      .executeTakeFirst();
    if (!row) return false;
    if (row.rule_ids.length)
      await q(tx)
        .deleteFrom("automation_rules")
        .where("workspace_id", "=", ws)
        .where("id", "in", row.rule_ids)
        .execute();
    if (row.menu_id) await deleteMenu(tx, ws, row.menu_id);
    await recordAudit(tx, actor, {
      action: "automation.scenario.uninstalled",
      objectType: "scenario",
      objectId: row.id,
    });
    return true;
  });
  // Dropped once more now that the transaction committed (see forgetRules).
  forgetRules(ws);
  forgetMenus(ws);
  return uninstalled;
}

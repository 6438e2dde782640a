import { uuidv7 } from "uuidv7";
import type { AppContext } from "../../platform/context.ts";
import type { Executor } from "../../platform/db.ts";
import { AppError } from "../../platform/errors.ts";
import { byWorkspace, emitEvent, type OutboxEvent, runTransaction } from "../../platform/outbox.ts";
import { isTemplateKnown } from "../channels/index.ts";
import {
  automationFacts,
  type CaseActor,
  createFollowUpCase,
  latestCaseOfContact,
  sendReply,
  updateCase,
} from "../conversations/index.ts";
import { contactFactsOf } from "../profiles/index.ts";
import { chooseAgent, getBusinessHours, isOpen, routableAgents } from "../routing/index.ts";
import { findMembership, findTeam } from "../tenancy/index.ts";
import { caseAggregate, ensureMessageAnalysis } from "./ai/store.ts";
import { higherPriority, triage } from "./ai/triage.ts";
import { handOverFromRule, startFlow } from "./bot/runtime.ts";
import { replyToCustomer } from "./customer-reply.ts";
import { findMenu, openMenu } from "./keyword-menus.ts";
import { cachedRules, disableRule, q, type RuleRow, runsSince } from "./repository.ts";
import {
  type Action,
  type CompiledRule,
  compileRule,
  type Facts,
  factsNeeded,
  referencesOf,
  type Trigger,
} from "./rules.ts";
import { TEMPLATE_JOB, WEBHOOK_JOB } from "./webhooks.ts";

/** Rule-caused events deeper than this stop the chain (logged on the case). */
export const MAX_DEPTH = 3;
/**
 * A rule runs at most this many times per case per hour on events no customer message caused: a backstop for
 * chains that pass through the system (routing re-assigning, SLA re-evaluation) and so lose their depth.
 */
export const MAX_RUNS_PER_CASE_HOUR = 10;

/** Compiled rules by id and version: compiling (regexes) happens once per rule change, not per message. */
const compiled = new Map<string, { version: number; rule: CompiledRule }>();

function compiledOf(row: RuleRow): CompiledRule {
  const version = row.updated_at.getTime();
  const hit = compiled.get(row.id);
  if (hit?.version === version) return hit.rule;
  const rule = compileRule({
    trigger: row.trigger,
    keywords: row.keywords,
    ...(row.trigger_config?.keys ? { keys: row.trigger_config.keys } : {}),
    ...(row.conditions ? { conditions: row.conditions } : {}),
  });
  if (compiled.size > 20_000) compiled.clear();
  compiled.set(row.id, { version, rule });
  return rule;
}

/** The rules of a workspace that match these facts, in order, up to the first whose actions include `stop`. */
export function matchingRules(rules: readonly RuleRow[], facts: Facts): RuleRow[] {
  const out: RuleRow[] = [];
  for (const rule of rules) {
    if (!compiledOf(rule).matches(facts)) continue;
    out.push(rule);
    if (rule.actions.some((a) => a.type === "stop")) break;
  }
  return out;
}

type Cause = { type: string; id: string | null; depth?: number } | undefined;

/** What an event means for rules: the triggers it fires, whose case or contact, its key, who caused it. */
export type Dispatch = {
  triggers: Trigger[];
  caseId?: string | undefined;
  contactId?: string | undefined;
  messageId?: string | undefined;
  eventKey?: string | undefined;
  eventKeys?: string[] | undefined;
  channel?: string | undefined;
  cause?: Cause;
};

const str = (v: unknown) => (typeof v === "string" && v ? v : undefined);

/** Maps an outbox event to the triggers it fires (pure); undefined when no rule listens to it. */
export function dispatchOf(event: Pick<OutboxEvent, "type" | "payload">): Dispatch | undefined {
  const p = (event.payload ?? {}) as Record<string, unknown>;
  const caseId = str(p.caseId);
  const cause = p.actor && typeof p.actor === "object" ? (p.actor as Cause) : undefined;
  switch (event.type) {
    case "message.created":
      return p.direction === "inbound" && caseId
        ? { triggers: ["message.received", "keyword"], caseId, messageId: str(p.messageId) }
        : undefined;
    case "case.created":
      return caseId ? { triggers: ["case.created"], caseId, cause } : undefined;
    case "case.updated": {
      // Only changes someone made (a member, a token, routing, a rule) name their actor; bookkeeping
      // (SLA state, a new message, merges) does not fire case rules.
      if (!cause) return undefined;
      const changed = Array.isArray(p.changed) ? p.changed.map(String) : [];
      const triggers: Trigger[] = changed.includes("status")
        ? ["case.updated", "case.status-changed"]
        : ["case.updated"];
      return caseId ? { triggers, caseId, eventKeys: changed, cause } : undefined;
    }
    case "sla.at-risk":
      return caseId ? { triggers: ["sla.warning"], caseId } : undefined;
    case "sla.breached":
      return caseId ? { triggers: ["sla.breached"], caseId } : undefined;
    case "contact.updated": {
      const keys = Array.isArray(p.attributes) ? p.attributes.map(String) : [];
      return keys.length
        ? { triggers: ["contact.attribute-changed"], contactId: str(p.contactId), eventKeys: keys }
        : undefined;
    }
    case "contact.event-recorded": {
      const type = str(p.type) ?? "";
      const props = (p.properties ?? {}) as Record<string, unknown>;
      const base = { contactId: str(p.contactId), channel: str(p.channel) };
      const scene = str(props.scene);
      if (type === "wechat.menu-clicked") return { ...base, triggers: ["menu.clicked"], eventKey: str(props.eventKey) };
      if (type === "wechat.followed")
        return { ...base, triggers: scene ? ["subscribed", "qr.scanned"] : ["subscribed"], eventKey: scene };
      if (type === "wechat.unfollowed") return { ...base, triggers: ["unsubscribed"] };
      if (type === "wechat.qr-scanned") return { ...base, triggers: ["qr.scanned"], eventKey: scene };
      const order = /^(order|payment)\.(.+)$/.exec(type);
      if (order) return { ...base, triggers: ["order.event"], eventKey: order[2] };
      return undefined;
    }
  }
  return undefined;
}

/**
 * Gathers what the rules' conditions read, in few queries: the case (one query, plus the message), the
 * contact (one, only if a rule reads it), the calendar (one, only if a rule reads business hours), the AI
 * triage of a customer message. Evaluation afterwards is pure.
 */
export async function gatherFacts(
  ctx: AppContext,
  ws: string,
  rules: readonly RuleRow[],
  d: Pick<Dispatch, "caseId" | "contactId" | "messageId" | "eventKey" | "eventKeys" | "channel">,
): Promise<
  | {
      facts: Facts;
      contactId?: string | undefined;
      externalThreadId?: string | undefined;
      createdByRule?: boolean | undefined;
    }
  | undefined
> {
  const { db } = ctx.database;
  const need = { contact: false, businessHours: false };
  for (const r of rules) {
    const n = factsNeeded(r.conditions);
    need.contact ||= n.contact;
    need.businessHours ||= n.businessHours;
  }
  let facts: Facts;
  let contactId = d.contactId;
  let externalThreadId: string | undefined;
  let createdByRule: boolean | undefined;
  if (d.caseId) {
    const found = await automationFacts(db, ws, d.caseId, d.messageId);
    if (!found) return undefined;
    const { contactId: cid, externalThreadId: thread, createdByRule: byRule, ...rest } = found;
    facts = rest;
    contactId = cid;
    externalThreadId = thread;
    createdByRule = byRule;
  } else {
    facts = { channelType: d.channel ?? "none", case: { priority: "normal", status: "none", tags: [], isNew: false } };
  }
  facts.eventKey = d.eventKey;
  facts.eventKeys = d.eventKeys;
  // The workspace's business hours, whether or not an SLA policy exists (the policy reads the same calendar).
  const [contacts, calendar] = await Promise.all([
    need.contact && contactId ? contactFactsOf(db, ws, [contactId]) : undefined,
    need.businessHours ? getBusinessHours(db, ws) : undefined,
  ]);
  if (contacts && contactId) facts.contact = contacts.get(contactId);
  if (calendar) facts.businessHours = isOpen(calendar, new Date());
  if (d.caseId && d.messageId) {
    // The triage is stored once per message, whichever handler gets there first.
    const analysis = await ensureMessageAnalysis(db, ws, d.messageId);
    if (analysis) {
      const aggregate = await caseAggregate(db, ws, d.caseId);
      const { language, sentiment, sentiment_score: sentimentScore, category, intents } = analysis;
      facts.analysis = { language, sentiment, sentimentScore, category, intents };
      facts.caseSentiment = aggregate?.worst_sentiment ?? sentiment;
      facts.case.category = aggregate?.last_category ?? category;
    }
  }
  return { facts, contactId, externalThreadId, createdByRule };
}

/**
 * Runs a workspace's rules for one domain event. Each matching rule's actions run in one transaction with
 * its log row; the log's (rule, event) key makes a redelivered event a no-op. Loops are impossible: a rule
 * never reacts to an event its own actions caused, and a chain of rule-caused events stops (logged) past
 * MAX_DEPTH.
 */
export async function runRules(
  ctx: AppContext,
  event: OutboxEvent,
  options: { skipTriggers?: readonly Trigger[]; rules?: readonly RuleRow[] } = {},
): Promise<void> {
  const dispatched = dispatchOf(event);
  if (!dispatched) return;
  const skip = options.skipTriggers ?? [];
  const d = { ...dispatched, triggers: dispatched.triggers.filter((t) => !skip.includes(t)) };
  if (d.triggers.length === 0) return;
  const ws = event.workspaceId;
  // The enabled rules of these triggers, of the workspace's rules the caller read already (a batch) or cached.
  const rules = (options.rules ?? (await cachedRules(ctx.database.db, ws))).filter(
    (r) => r.enabled && (d.triggers as readonly string[]).includes(r.trigger),
  );
  if (rules.length === 0) return;
  const caseId = d.caseId ?? (d.contactId ? await latestCaseOfContact(ctx.database.db, ws, d.contactId) : undefined);
  const gathered = await gatherFacts(ctx, ws, rules, { ...d, caseId });
  if (!gathered) return;
  const { facts } = gathered;
  if (d.triggers.includes("case.status-changed")) facts.eventKey = facts.case.status;
  // Each trigger's rules see only their own trigger (a case.updated rule does not fire on status-changed keys).
  const eligible = rules.filter((r) => r.trigger !== "case.status-changed" || d.eventKeys?.includes("status"));
  await executeRules(ctx, ws, matchingRules(eligible, facts), facts, {
    eventId: event.id,
    caseId,
    contactId: gathered.contactId,
    externalThreadId: gathered.externalThreadId,
    createdByRule: gathered.createdByRule,
    cause: d.cause,
    byCustomer: event.type === "message.created",
    messageId: d.messageId,
  });
}

/**
 * runRules for the events of an outbox batch, in order, with each workspace's rules read once (cached 5 s, see
 * cachedRules; `perEvent`, when given, runs them itself with those rules, e.g. keyword menus first and the bot
 * after). Redelivered events stay no-ops (the log's key), so a batch that fails part-way is safely retried event
 * by event.
 */
export async function runRulesBatch(
  ctx: AppContext,
  events: OutboxEvent[],
  perEvent: (event: OutboxEvent, rules: readonly RuleRow[]) => Promise<void> = (event, rules) =>
    runRules(ctx, event, { rules }),
): Promise<void> {
  for (const [ws, list] of byWorkspace(events, (event) => event)) {
    const rules = await cachedRules(ctx.database.db, ws);
    for (const event of list) await perEvent(event, rules);
  }
}

export type Execution = {
  eventId: string;
  caseId?: string | undefined;
  contactId?: string | undefined;
  externalThreadId?: string | undefined;
  /** The case was opened by a rule: no rule-made follow-up of it (bounds chains of follow-up cases). */
  createdByRule?: boolean | undefined;
  cause?: Cause;
  /** A customer message caused the event (the per-case repeat guard does not apply). */
  byCustomer?: boolean | undefined;
  /** That customer message. */
  messageId?: string | undefined;
};

/** Runs the actions of matched rules, each in its own transaction with its log row (loop guard first). */
export async function executeRules(
  ctx: AppContext,
  ws: string,
  matched: readonly RuleRow[],
  facts: Facts,
  run: Execution,
): Promise<void> {
  const { db } = ctx.database;
  const causedByRule = run.cause?.type === "bot" && run.cause.id ? run.cause.id : undefined;
  const depth = causedByRule ? (run.cause?.depth ?? 0) + 1 : 0;
  for (const rule of matched) {
    // A rule's own actions never trigger it again.
    if (rule.id === causedByRule) continue;
    const missing = await missingReferences(db, ws, rule);
    if (missing.length) {
      const reason = `${missing.join("; ")} — fix the rule and enable it again`;
      await disableRule(db, ws, rule.id, reason);
      ctx.logger.warn({ ruleId: rule.id, reason }, "automation rule disabled: it names records that are gone");
      await writeLog(db, ws, rule, run, depth, [{ action: "rule_disabled", ok: false, error: reason }]);
      continue;
    }
    let stop: string | undefined;
    if (depth > MAX_DEPTH) stop = `stopped: depth limit ${MAX_DEPTH} reached (a chain of rule-caused events)`;
    else if (
      !run.byCustomer &&
      run.caseId &&
      (await runsSince(db, ws, rule.id, run.caseId, new Date(Date.now() - 3_600_000))) >= MAX_RUNS_PER_CASE_HOUR
    )
      stop = `stopped: the rule already ran ${MAX_RUNS_PER_CASE_HOUR} times on this case in the last hour`;
    if (stop) {
      ctx.logger.warn({ ruleId: rule.id, caseId: run.caseId, depth, reason: stop }, "automation loop guard");
      await writeLog(db, ws, rule, run, depth, [{ action: "loop_guard", ok: false, error: stop }]);
      continue;
    }
    await runTransaction(ctx.database, async (tx) => {
      const claimed = await writeLog(tx, ws, rule, run, depth, []);
      if (!claimed) return;
      const results = await applyActions(ctx, tx, rule, facts, run, depth);
      await q(tx)
        .updateTable("automation_log")
        .set({ results: JSON.stringify(results) })
        .where("workspace_id", "=", ws)
        .where("id", "=", claimed.id)
        .execute();
    });
  }
}

function writeLog(db: Executor, ws: string, rule: RuleRow, run: Execution, depth: number, results: ActionResult[]) {
  return q(db)
    .insertInto("automation_log")
    .values({
      workspace_id: ws,
      id: uuidv7(),
      rule_id: rule.id,
      event_id: run.eventId,
      case_id: run.caseId ?? null,
      contact_id: run.contactId ?? null,
      depth,
      results: JSON.stringify(results),
    })
    .onConflict((oc) => oc.columns(["workspace_id", "rule_id", "event_id"]).doNothing())
    .returning("id")
    .executeTakeFirst();
}

/** The records a rule names that no longer exist, each with its path (`actions[1].teamId: team … no longer exists`). */
export async function missingReferences(db: Executor, ws: string, rule: Pick<RuleRow, "actions">): Promise<string[]> {
  const problems: string[] = [];
  for (const ref of referencesOf(rule)) {
    const found = ref.kind === "team" ? await findTeam(db, ws, ref.id) : await findMembership(db, ws, ref.id);
    if (!found) problems.push(`${ref.path}: ${ref.kind} ${ref.id} does not exist in this workspace`);
  }
  for (const [i, a] of rule.actions.entries()) {
    if (a.type === "send_template" && !(await isTemplateKnown(db, ws, a.templateId)))
      problems.push(`actions[${i}].templateId: no WeChat channel of this workspace has template ${a.templateId}`);
    if (a.type === "open_menu" && !(await findMenu(db, ws, a.menuId)))
      problems.push(`actions[${i}].menuId: keyword menu ${a.menuId} does not exist in this workspace`);
  }
  return problems;
}

export type ActionResult = { action: string; ok: boolean; skipped?: boolean; error?: string; detail?: string };

class Skip extends Error {}

async function applyActions(
  ctx: AppContext,
  tx: Executor,
  rule: RuleRow,
  facts: Facts,
  run: Execution,
  depth: number,
): Promise<ActionResult[]> {
  const ws = rule.workspace_id;
  // The events its actions cause name the rule and the depth: the loop guard reads them back.
  const actor: CaseActor = { type: "bot", id: rule.id, workspaceId: ws, depth };
  const results: ActionResult[] = [];
  const why = [`rule "${rule.name}"`];
  let tags = facts.case.tags;
  for (const [i, action] of rule.actions.entries()) {
    let detail: string | undefined;
    try {
      await applyAction(ctx, tx, actor, action, {
        dedupeKey: `rule:${rule.id}:${run.eventId}:${i}`,
        detail: (text) => (detail = text),
        rule,
        facts,
        run,
        why,
        tags,
        setTags: (t) => (tags = t),
      });
      results.push({ action: action.type, ok: true, ...(detail ? { detail } : {}) });
    } catch (err) {
      if (err instanceof Skip) {
        ctx.logger.info({ ruleId: rule.id, action: action.type, reason: err.message }, "automation action skipped");
        results.push({ action: action.type, ok: false, skipped: true, error: err.message });
        continue;
      }
      // Refusals (closed reply window, a deleted team) are recorded and the rule goes on; other errors roll back.
      if (!(err instanceof AppError)) throw err;
      results.push({ action: action.type, ok: false, error: `${err.reason}: ${err.message}` });
    }
  }
  return results;
}

type ActionScope = {
  /** Sends of this action are made once per rule, event and action (a contact message's dedupe key). */
  dedupeKey: string;
  /** Adds a detail to the action's log entry. */
  detail(text: string): void;
  rule: RuleRow;
  facts: Facts;
  run: Execution;
  why: string[];
  tags: string[];
  setTags(tags: string[]): void;
};

async function applyAction(ctx: AppContext, tx: Executor, actor: CaseActor, action: Action, s: ActionScope) {
  const ws = actor.workspaceId;
  const { facts, run, why } = s;
  const needCase = () => {
    if (!run.caseId) throw new Skip("no_case: the customer has no case yet, so there is nothing to act on");
    return run.caseId;
  };
  switch (action.type) {
    case "reply": {
      // Without a case (a new follower's welcome), the reply goes to the contact's channel identity.
      const target = { caseId: run.caseId, contactId: run.contactId, channelType: facts.channelType };
      if (!target.caseId && !target.contactId) needCase();
      const reply =
        action.text !== undefined || !action.content ? { text: action.text ?? "" } : { content: action.content };
      const out = await replyToCustomer(ctx, tx, actor, target, reply, s.dedupeKey);
      if ("skipped" in out) throw new Skip(out.skipped);
      if (out.sent === "contact")
        s.detail(`sent without a case to the contact's ${facts.channelType} identity (message ${out.messageId})`);
      return;
    }
    case "open_menu": {
      if (!run.contactId) needCase();
      const target = { caseId: run.caseId, contactId: run.contactId ?? "", channelType: facts.channelType };
      const out = await openMenu(ctx, tx, actor, action.menuId, target, {
        dedupeKey: s.dedupeKey,
        messageId: run.messageId,
      });
      if ("skipped" in out) throw new Skip(out.skipped);
      if (out.sent === "contact")
        s.detail(`menu sent without a case to the contact's ${facts.channelType} identity (message ${out.messageId})`);
      return;
    }
    case "note":
      await sendReply(tx, actor, needCase(), { text: action.text, private: true });
      return;
    case "set_priority":
      await updateCase(tx, actor, needCase(), { priority: action.priority }, why);
      return;
    case "set_status":
      await updateCase(tx, actor, needCase(), { status: action.status }, why);
      return;
    case "add_tags": {
      const next = [...new Set([...s.tags, ...action.tags])];
      await updateCase(tx, actor, needCase(), { tags: next }, why);
      s.setTags(next);
      return;
    }
    case "remove_tags": {
      const drop = new Set(action.tags.map((t) => t.toLowerCase()));
      const next = s.tags.filter((t) => !drop.has(t.toLowerCase()));
      await updateCase(tx, actor, needCase(), { tags: next }, why);
      s.setTags(next);
      return;
    }
    case "set_fields":
      await updateCase(tx, actor, needCase(), { customFields: action.fields }, why);
      return;
    case "assign": {
      const caseId = needCase();
      let agentId = action.agentId;
      if (action.skill) {
        const decision = chooseAgent(
          {
            id: caseId,
            priority: facts.case.priority as "normal",
            teamId: action.teamId ?? facts.case.teamId ?? null,
            requiredSkills: [{ name: action.skill, minProficiency: 1 }],
            channelType: facts.channelType,
          },
          await routableAgents(tx, ws),
          { strategy: "skills_best", now: new Date() },
        );
        if (!decision.agentId) throw new Skip(`no_agent: nobody available has the skill "${action.skill}"`);
        agentId = decision.agentId;
      }
      await updateCase(
        tx,
        actor,
        caseId,
        { ...(agentId ? { assigneeId: agentId } : {}), ...(action.teamId ? { teamId: action.teamId } : {}) },
        why,
      );
      return;
    }
    case "send_template": {
      const caseId = needCase();
      if (facts.channelType !== "wechat" || !facts.channelId || !run.externalThreadId)
        throw new Skip(
          `template_not_supported: template messages need a WeChat case (this one is ${facts.channelType})`,
        );
      await ctx.jobs.send(
        TEMPLATE_JOB,
        {
          workspaceId: ws,
          ruleId: s.rule.id,
          channelId: facts.channelId,
          openId: run.externalThreadId,
          templateId: action.templateId,
          data: action.data,
          ...(action.url ? { url: action.url } : {}),
          // One send per rule and event, however often the job runs.
          clientMsgId: `r${run.eventId.replaceAll("-", "").slice(0, 24)}${s.rule.id.replaceAll("-", "").slice(-12)}`,
          caseId,
        },
        { tx },
      );
      return;
    }
    case "follow_up_case":
      if (run.createdByRule)
        throw new Skip("loop_guard: this case was itself opened by a rule, so rules open no follow-up of it");
      await createFollowUpCase(tx, actor, needCase(), {
        subject: action.subject,
        note: action.note,
        priority: action.priority,
        teamId: action.teamId,
      });
      return;
    case "webhook": {
      const callId = uuidv7();
      await q(tx)
        .insertInto("automation_webhook_calls")
        .values({
          workspace_id: ws,
          id: callId,
          rule_id: s.rule.id,
          case_id: run.caseId ?? null,
          url: action.url,
          status: "pending",
          response_status: null,
          last_error: null,
        })
        .execute();
      // Sent by a job after this transaction commits: a slow or failing endpoint never blocks the other actions.
      await ctx.jobs.send(
        WEBHOOK_JOB,
        {
          workspaceId: ws,
          callId,
          ruleId: s.rule.id,
          eventId: run.eventId,
          caseId: run.caseId ?? null,
          contactId: run.contactId ?? null,
          trigger: s.rule.trigger,
        },
        { tx, id: callId },
      );
      return;
    }
    case "notify": {
      const userIds = new Set(action.userIds ?? []);
      if (action.assignee && facts.case.assigneeId) userIds.add(facts.case.assigneeId);
      if (userIds.size === 0) throw new Skip("no_recipient: the case has no assignee and the rule names nobody");
      await emitEvent(tx, {
        workspaceId: ws,
        type: "automation.notification",
        payload: { userIds: [...userIds], text: action.text, caseId: run.caseId ?? null, ruleId: s.rule.id },
      });
      return;
    }
    case "auto_triage": {
      const caseId = needCase();
      if (!facts.analysis) throw new AppError("invalid", "no_analysis", "auto_triage needs a customer message.");
      const t = triage({ ...facts.analysis, isVip: s.tags.includes("vip") });
      const priority = action.priority ? higherPriority(facts.case.priority, t.priority) : undefined;
      const added = action.tags ? t.tags.filter((tag) => !s.tags.includes(tag)) : [];
      if (priority || added.length)
        await updateCase(
          tx,
          actor,
          caseId,
          { ...(priority ? { priority } : {}), ...(added.length ? { tags: [...s.tags, ...added] } : {}) },
          [...why, `triage: ${facts.analysis.category}, ${facts.analysis.sentiment}, ${t.points} points`],
        );
      if (added.length) s.setTags([...s.tags, ...added]);
      return;
    }
    case "stop":
      return;
    case "start_flow":
      await startFlow(tx, actor, needCase(), action.flowId, { text: facts.message?.text });
      return;
    case "handover":
      await handOverFromRule(tx, actor, needCase(), action);
      return;
  }
}

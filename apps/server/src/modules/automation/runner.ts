import { uuidv7 } from "uuidv7";
import type { AppContext } from "../../platform/context.ts";
import type { Executor } from "../../platform/db.ts";
import { AppError } from "../../platform/errors.ts";
import type { OutboxEvent } from "../../platform/outbox.ts";
import { runTransaction } from "../../platform/outbox.ts";
import { automationFacts, type CaseActor, sendReply, updateCase } from "../conversations/index.ts";
import { caseAggregate, ensureMessageAnalysis } from "./ai/store.ts";
import { higherPriority, triage } from "./ai/triage.ts";
import { handOverFromRule, startFlow } from "./bot/runtime.ts";
import { listRules, q, type RuleRow } from "./repository.ts";
import { type Action, type CompiledRule, compileRule, type Facts, type Trigger } from "./rules.ts";

/** Compiled rules by id and version: compiling (regexes) happens once per rule change, not per message. */
const compiled = new Map<string, { version: number; rule: CompiledRule }>();

function compiledOf(row: RuleRow): CompiledRule {
  const version = row.updated_at.getTime();
  const hit = compiled.get(row.id);
  if (hit?.version === version) return hit.rule;
  const rule = compileRule({
    trigger: row.trigger,
    keywords: row.keywords,
    ...(row.conditions ? { conditions: row.conditions } : {}),
  });
  if (compiled.size > 20_000) compiled.clear();
  compiled.set(row.id, { version, rule });
  return rule;
}

/** The rules of a workspace that match these facts, in order, up to the first whose actions include `stop`. */
export function matchingRules(rules: RuleRow[], facts: Facts): RuleRow[] {
  const out: RuleRow[] = [];
  for (const rule of rules) {
    if (!compiledOf(rule).matches(facts)) continue;
    out.push(rule);
    if (rule.actions.some((a) => a.type === "stop")) break;
  }
  return out;
}

/**
 * Runs a workspace's rules for one domain event. Each matching rule's actions run in one transaction with
 * its log row; the log's (rule, event) key makes a redelivered event a no-op. Rules only react to customer
 * messages and new cases, which their own actions never produce, so a rule cannot trigger itself.
 */
export async function runRules(ctx: AppContext, event: OutboxEvent): Promise<void> {
  const payload = event.payload as { caseId?: string; messageId?: string; direction?: string };
  if (!payload.caseId) return;
  let triggers: Trigger[];
  if (event.type === "message.created" && payload.direction === "inbound") triggers = ["message.received", "keyword"];
  else if (event.type === "case.created") triggers = ["case.created"];
  else return;
  const ws = event.workspaceId;
  const rules = await listRules(ctx.database.db, ws, triggers);
  if (rules.length === 0) return;
  const facts: Facts | undefined = await automationFacts(
    ctx.database.db,
    ws,
    payload.caseId,
    event.type === "message.created" ? payload.messageId : undefined,
  );
  if (!facts) return;
  const caseId = payload.caseId;
  if (event.type === "message.created" && payload.messageId) {
    // The triage is stored once per message, whichever handler gets there first.
    const analysis = await ensureMessageAnalysis(ctx.database.db, ws, payload.messageId);
    if (analysis) {
      const aggregate = await caseAggregate(ctx.database.db, ws, caseId);
      const { language, sentiment, sentiment_score: sentimentScore, category, intents } = analysis;
      facts.analysis = { language, sentiment, sentimentScore, category, intents };
      facts.caseSentiment = aggregate?.worst_sentiment ?? sentiment;
    }
  }
  for (const rule of matchingRules(rules, facts)) {
    await runTransaction(ctx.database, async (tx) => {
      const claimed = await q(tx)
        .insertInto("automation_log")
        .values({
          workspace_id: ws,
          id: uuidv7(),
          rule_id: rule.id,
          event_id: event.id,
          case_id: caseId,
          results: "[]",
        })
        .onConflict((oc) => oc.columns(["workspace_id", "rule_id", "event_id"]).doNothing())
        .returning("id")
        .executeTakeFirst();
      if (!claimed) return;
      const results = await applyActions(tx, { type: "bot", id: rule.id, workspaceId: ws }, caseId, rule, facts);
      await q(tx)
        .updateTable("automation_log")
        .set({ results: JSON.stringify(results) })
        .where("workspace_id", "=", ws)
        .where("id", "=", claimed.id)
        .execute();
    });
  }
}

type ActionResult = { action: Action["type"]; ok: boolean; error?: string };

async function applyActions(
  tx: Executor,
  actor: CaseActor,
  caseId: string,
  rule: RuleRow,
  facts: Facts,
): Promise<ActionResult[]> {
  const results: ActionResult[] = [];
  const why = [`rule "${rule.name}"`];
  for (const action of rule.actions) {
    try {
      switch (action.type) {
        case "reply":
          await sendReply(tx, actor, caseId, { text: action.text });
          break;
        case "note":
          await sendReply(tx, actor, caseId, { text: action.text, private: true });
          break;
        case "set_priority":
          await updateCase(tx, actor, caseId, { priority: action.priority }, why);
          break;
        case "set_status":
          await updateCase(tx, actor, caseId, { status: action.status }, why);
          break;
        case "add_tags":
          await updateCase(tx, actor, caseId, { tags: [...facts.case.tags, ...action.tags] }, why);
          break;
        case "assign":
          await updateCase(
            tx,
            actor,
            caseId,
            {
              ...(action.agentId ? { assigneeId: action.agentId } : {}),
              ...(action.teamId ? { teamId: action.teamId } : {}),
            },
            why,
          );
          break;
        case "auto_triage": {
          if (!facts.analysis) throw new AppError("invalid", "no_analysis", "auto_triage needs a customer message.");
          const t = triage({ ...facts.analysis, isVip: facts.case.tags.includes("vip") });
          const priority = action.priority ? higherPriority(facts.case.priority, t.priority) : undefined;
          const tags = action.tags ? t.tags.filter((tag) => !facts.case.tags.includes(tag)) : [];
          if (priority || tags.length)
            await updateCase(
              tx,
              actor,
              caseId,
              { ...(priority ? { priority } : {}), ...(tags.length ? { tags: [...facts.case.tags, ...tags] } : {}) },
              [...why, `triage: ${facts.analysis.category}, ${facts.analysis.sentiment}, ${t.points} points`],
            );
          break;
        }
        case "stop":
          break;
        case "start_flow":
          await startFlow(tx, actor, caseId, action.flowId, { text: facts.message?.text });
          break;
        case "handover":
          await handOverFromRule(tx, actor, caseId, action);
          break;
      }
      results.push({ action: action.type, ok: true });
    } catch (err) {
      // Refusals (closed reply window, a deleted team) are recorded and the rule goes on; other errors roll back.
      if (!(err instanceof AppError)) throw err;
      results.push({ action: action.type, ok: false, error: `${err.reason}: ${err.message}` });
    }
  }
  return results;
}

import type { AppContext } from "../../../platform/context.ts";
import type { Executor } from "../../../platform/db.ts";
import type { Actor } from "../../tenancy/index.ts";
import { findWechatAccount } from "./config.ts";
import { wq } from "./repository.ts";
import { sendTemplateMessage } from "./templates.ts";

/** Whether a template id is synced on any WeChat channel of the workspace (rules naming it are checked on save). */
export async function isTemplateKnown(db: Executor, ws: string, templateId: string): Promise<boolean> {
  const row = await wq(db)
    .selectFrom("wechat_templates")
    .select("template_id")
    .where("workspace_id", "=", ws)
    .where("template_id", "=", templateId)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** Sends a template message for an automation rule (its job): once per clientMsgId. */
export async function sendTemplateForRule(
  ctx: AppContext,
  rule: { workspaceId: string; ruleId: string },
  input: {
    channelId: string;
    openId: string;
    templateId: string;
    data: Record<string, string>;
    url?: string | undefined;
    clientMsgId: string;
  },
) {
  // The audit trail names the rule as the sender (recorded like an API token, with the rule's id).
  const actor: Actor = { type: "token", id: rule.ruleId, workspaceId: rule.workspaceId, role: "supervisor" };
  const account = await findWechatAccount(ctx, rule.workspaceId, input.channelId);
  return sendTemplateMessage(ctx, actor, account, {
    openId: input.openId,
    templateId: input.templateId,
    data: input.data,
    clientMsgId: input.clientMsgId,
    ...(input.url ? { url: input.url } : {}),
  });
}

import { uuidv7 } from "uuidv7";
import { z } from "zod";
import type { Executor } from "../../../platform/db.ts";
import { AppError } from "../../../platform/errors.ts";
import { type Actor, findMembership, findTeam, recordAudit } from "../../tenancy/index.ts";
import {
  CASE_STATUSES,
  type CaseRow,
  findInWorkspace,
  findWorkableCase,
  type MacroRow,
  type MessageRow,
  PRIORITIES,
  pageOfWorkspace,
  q,
  recordCaseEvent,
} from "../repository.ts";
import { unknownVariables } from "../template.ts";
import { renderForCase } from "./quick-replies.ts";
import { sendReply } from "./send-message.ts";
import { type CasePatch, updateCase } from "./update-case.ts";

const Tag = z.string().trim().min(1).max(50);
/** One action of a macro. */
export const MacroActionSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("reply"), text: z.string().min(1).max(20_000) }),
  z.strictObject({ type: z.literal("quick_reply"), quickReplyId: z.uuid() }),
  z.strictObject({ type: z.literal("note"), text: z.string().min(1).max(20_000) }),
  z.strictObject({ type: z.literal("add_tags"), tags: z.array(Tag).min(1).max(50) }),
  z.strictObject({ type: z.literal("remove_tags"), tags: z.array(Tag).min(1).max(50) }),
  z.strictObject({ type: z.literal("set_status"), status: z.enum(CASE_STATUSES) }),
  z.strictObject({ type: z.literal("set_priority"), priority: z.enum(PRIORITIES) }),
  z.strictObject({ type: z.literal("assign_agent"), userId: z.uuid().nullable() }),
  z.strictObject({ type: z.literal("assign_team"), teamId: z.uuid().nullable() }),
]);
export type MacroAction = z.infer<typeof MacroActionSchema>;
export type MacroInput = { name: string; description?: string | null | undefined; actions: MacroAction[] };

const notFound = () => new AppError("not_found", "macro_not_found", "No such macro in your workspace.");
const invalidAt = (index: number, key: string, reason: string, message: string) =>
  new AppError("invalid", reason, message, { field: `actions[${index}].${key}` });

/**
 * Checks what a macro refers to, at save time: members (not analysts), teams and shared quick replies of the
 * workspace, and variables its texts use; the error names the field (`actions[2].userId`).
 */
async function validateActions(db: Executor, ws: string, actions: MacroAction[]): Promise<void> {
  for (const [i, action] of actions.entries()) {
    if (action.type === "assign_agent" && action.userId) {
      const member = await findMembership(db, ws, action.userId);
      if (!member)
        throw invalidAt(i, "userId", "assignee_not_member", "The assignee is not a member of this workspace.");
      if (member.role === "analyst") {
        throw invalidAt(i, "userId", "assignee_cannot_work_cases", "Analysts cannot be assigned cases.");
      }
    } else if (action.type === "assign_team" && action.teamId && !(await findTeam(db, ws, action.teamId))) {
      throw invalidAt(i, "teamId", "team_not_found", "No such team in this workspace.");
    } else if (action.type === "quick_reply") {
      const reply = await q(db)
        .selectFrom("quick_replies")
        .select(["scope"])
        .where("workspace_id", "=", ws)
        .where("id", "=", action.quickReplyId)
        .executeTakeFirst();
      if (!reply) throw invalidAt(i, "quickReplyId", "quick_reply_not_found", "No such quick reply in this workspace.");
      if (reply.scope === "personal") {
        throw invalidAt(
          i,
          "quickReplyId",
          "quick_reply_personal",
          "A macro cannot use a personal quick reply; share it first.",
        );
      }
    } else if (action.type === "reply" || action.type === "note") {
      const unknown = unknownVariables(action.text);
      if (unknown.length) {
        throw new AppError("invalid", "template_unknown_variables", `Unknown variables: ${unknown.join(", ")}.`, {
          field: `actions[${i}].text`,
          unknownVariables: unknown,
        });
      }
    }
  }
}

/** A macro of the workspace, or 404. */
export const findMacro = (db: Executor, ws: string, id: string): Promise<MacroRow> =>
  findInWorkspace(db, "macros", ws, id, notFound);

async function assertNameFree(db: Executor, ws: string, name: string, exceptId?: string) {
  const same = await q(db)
    .selectFrom("macros")
    .select("id")
    .where("workspace_id", "=", ws)
    .where((eb) => eb(eb.fn("lower", ["name"]), "=", name.toLowerCase()))
    .executeTakeFirst();
  if (same && same.id !== exceptId) {
    throw new AppError("conflict", "macro_name_taken", `A macro named "${name}" already exists.`, { field: "name" });
  }
}

/** Creates a macro after checking what it refers to. */
export async function createMacro(tx: Executor, actor: Actor, input: MacroInput): Promise<MacroRow> {
  const ws = actor.workspaceId;
  await validateActions(tx, ws, input.actions);
  await assertNameFree(tx, ws, input.name);
  const created = await q(tx)
    .insertInto("macros")
    .values({
      workspace_id: ws,
      id: uuidv7(),
      name: input.name,
      description: input.description ?? null,
      actions: JSON.stringify(input.actions),
      created_by: actor.id,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await auditMacro(tx, actor, "macro.created", created);
  return created;
}

function auditMacro(tx: Executor, actor: Actor, action: string, row: MacroRow) {
  return recordAudit(tx, actor, {
    action,
    objectType: "macro",
    objectId: row.id,
    details: { name: row.name, actions: (row.actions as MacroAction[]).map((a) => a.type) },
  });
}

/** Changes a macro's name, description or actions (checked again). */
export async function updateMacro(
  tx: Executor,
  actor: Actor,
  id: string,
  patch: Partial<MacroInput>,
): Promise<MacroRow> {
  const ws = actor.workspaceId;
  await findMacro(tx, ws, id);
  if (patch.actions) await validateActions(tx, ws, patch.actions);
  if (patch.name) await assertNameFree(tx, ws, patch.name, id);
  const updated = await q(tx)
    .updateTable("macros")
    .set({
      ...(patch.name ? { name: patch.name } : {}),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      ...(patch.actions ? { actions: JSON.stringify(patch.actions) } : {}),
      updated_at: new Date(),
    })
    .where("workspace_id", "=", ws)
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await auditMacro(tx, actor, "macro.updated", updated);
  return updated;
}

/** Deletes a macro. */
export async function deleteMacro(tx: Executor, actor: Actor, id: string): Promise<void> {
  const current = await findMacro(tx, actor.workspaceId, id);
  await q(tx).deleteFrom("macros").where("workspace_id", "=", actor.workspaceId).where("id", "=", id).execute();
  await auditMacro(tx, actor, "macro.deleted", current);
}

/** A page of the workspace's macros, oldest first. */
export const listMacros = (db: Executor, ws: string, after: string | undefined, limit: number) =>
  pageOfWorkspace(db, "macros", ws, after, limit);

/**
 * Applies a macro to a case in the caller's transaction: replies and notes in order (through sendReply, so
 * channel rules and approvals hold), then every case change in one updateCase (one history entry saying which
 * macro). Any refusal rolls everything back. A reply whose variables cannot all be filled is refused (422).
 */
export async function applyMacro(
  tx: Executor,
  actor: Actor,
  caseId: string,
  macroId: string,
): Promise<{ case: CaseRow; messages: MessageRow[] }> {
  const ws = actor.workspaceId;
  const macro = await findMacro(tx, ws, macroId);
  let current = await findWorkableCase(tx, ws, caseId, "apply macros to the surviving case.");
  const actions = macro.actions as MacroAction[];
  const messages: MessageRow[] = [];
  const patch: CasePatch = {};
  let tags = new Set(current.tags);
  for (const [i, action] of actions.entries()) {
    switch (action.type) {
      case "reply":
      case "note":
      case "quick_reply": {
        let body: string;
        let content: Record<string, unknown> | null = null;
        if (action.type === "quick_reply") {
          const reply = await q(tx)
            .selectFrom("quick_replies")
            .select(["body", "content"])
            .where("workspace_id", "=", ws)
            .where("id", "=", action.quickReplyId)
            .executeTakeFirst();
          if (!reply) {
            throw new AppError(
              "conflict",
              "quick_reply_not_found",
              "The macro's quick reply was deleted; edit the macro.",
              {
                field: `actions[${i}].quickReplyId`,
              },
            );
          }
          body = reply.body;
          content = reply.content as Record<string, unknown> | null;
        } else body = action.text;
        const rendered = await renderForCase(tx, actor, current, body, content);
        if (rendered.unknownVariables.length) {
          throw new AppError(
            "unprocessable",
            "template_unknown_variables",
            `The macro's reply uses unknown variables: ${rendered.unknownVariables.join(", ")}; edit the quick reply.`,
            { field: `actions[${i}]`, unknownVariables: rendered.unknownVariables },
          );
        }
        const typed = rendered.content as { type: string; [key: string]: unknown } | null;
        messages.push(
          await sendReply(tx, actor, caseId, {
            text: rendered.text,
            ...(typed ? { content: typed } : {}),
            private: action.type === "note",
          }),
        );
        break;
      }
      case "add_tags":
        for (const t of action.tags) tags.add(t.trim().toLowerCase());
        patch.tags = [...tags];
        break;
      case "remove_tags": {
        const drop = new Set(action.tags.map((t) => t.trim().toLowerCase()));
        tags = new Set([...tags].filter((t) => !drop.has(t)));
        patch.tags = [...tags];
        break;
      }
      case "set_status":
        patch.status = action.status;
        break;
      case "set_priority":
        patch.priority = action.priority;
        break;
      case "assign_agent":
        patch.assigneeId = action.userId;
        break;
      case "assign_team":
        patch.teamId = action.teamId;
        break;
    }
  }
  if (Object.keys(patch).length) current = await updateCase(tx, actor, caseId, patch, [`macro "${macro.name}"`]);
  await recordCaseEvent(tx, actor, caseId, "macro.applied", {
    macroId: macro.id,
    name: macro.name,
    actions: actions.map((a) => a.type),
    messageIds: messages.map((m) => m.id),
  });
  return { case: current, messages };
}

/**
 * The widget's **pre-chat form** (per channel: name, email, phone and custom questions, each
 * optional or required) is answered before the first message; the answers wait on the visitor row and, with
 * that message, go onto the contact (email identity, name, phone, the custom answers into the contact attributes
 * of the same key, and a `prechat_form` timeline event of them all) and the case (a private note).
 */
import { z } from "zod";
import type { AppContext } from "../../../platform/context.ts";
import { AppError } from "../../../platform/errors.ts";
import { runTransaction } from "../../../platform/outbox.ts";
import { sendReply } from "../../conversations/index.ts";
import { ingestEvents, storeAnswersAsAttributes } from "../../profiles/index.ts";
import type { WebchatChannel } from "./channel.ts";
import type { PreChatField } from "./config.ts";
import { type VisitorRow, wc } from "./repository.ts";

/** The answers of a pre-chat form, by field id (`name`, `email`, `phone` or a custom field's key). */
export const PreChatBody = z.strictObject({
  values: z
    .record(z.string().max(40), z.string().max(500))
    .refine((v) => Object.keys(v).length <= 10, "at most 10 answers"),
});

/** The pre-chat answers kept on the visitor row beyond name and email. */
const StoredPreChat = z.object({
  phone: z.string().optional(),
  custom: z.record(z.string(), z.string()).default({}),
  labels: z.record(z.string(), z.string()).default({}),
  submittedAt: z.string(),
});
type StoredPreChat = z.infer<typeof StoredPreChat>;

const PHONE = /^\+?[0-9][0-9 ().-]{4,29}$/;
const fieldId = (f: PreChatField) => (f.kind === "custom" ? (f.key ?? "") : f.kind);
const BUILT_IN_LABELS = { name: "Name", email: "Email", phone: "Phone" } as const;
const labelOf = (f: PreChatField) =>
  f.label.en ?? Object.values(f.label)[0] ?? (f.kind === "custom" ? (f.key ?? "") : BUILT_IN_LABELS[f.kind]);

/** Checks answers against the channel's form; every problem at once, each naming its field (`values.email`). */
function validatePreChat(fields: PreChatField[], values: Record<string, string>): Record<string, string> {
  const problems: { field: string; message: string }[] = [];
  const known = new Set(fields.map(fieldId));
  for (const key of Object.keys(values)) {
    if (!known.has(key)) problems.push({ field: `values.${key}`, message: "is not a field of this form" });
  }
  const clean: Record<string, string> = {};
  for (const f of fields) {
    const id = fieldId(f);
    const value = (values[id] ?? "").trim();
    if (!value) {
      if (f.required) problems.push({ field: `values.${id}`, message: "is required" });
      continue;
    }
    if (f.kind === "email" && !z.email().safeParse(value).success) {
      problems.push({ field: `values.${id}`, message: "must be an email address like li@example.com" });
    } else if (f.kind === "phone" && !PHONE.test(value)) {
      problems.push({ field: `values.${id}`, message: "must be a phone number like +33 6 12 34 56 78" });
    } else if (f.kind === "name" && value.length > 200) {
      problems.push({ field: `values.${id}`, message: "must be at most 200 characters" });
    }
    clean[id] = f.kind === "email" ? value.toLowerCase() : value;
  }
  const first = problems[0];
  if (first) {
    throw new AppError("invalid", "prechat_invalid", problems.map((p) => `${p.field} ${p.message}`).join("; "), {
      field: first.field,
      problems,
    });
  }
  return clean;
}

/** Whether the widget must show the pre-chat form to this visitor before their first message. */
export function needsPreChat(loaded: WebchatChannel, visitor: VisitorRow): boolean {
  return (
    loaded.config.preChatForm.enabled &&
    visitor.prechat === null &&
    visitor.contact_id === null &&
    visitor.user_id === null
  );
}

/** Refuses (409) a message of a visitor who still has to answer the pre-chat form. */
export function assertPreChatDone(loaded: WebchatChannel, visitor: VisitorRow): void {
  if (needsPreChat(loaded, visitor)) {
    throw new AppError(
      "conflict",
      "prechat_required",
      "Answer the pre-chat form first: POST /widget/v1/channels/{channelId}/pre-chat.",
    );
  }
}

/** Stores a visitor's pre-chat answers (before their first message; 409 after it). */
export async function submitPreChat(
  ctx: AppContext,
  loaded: WebchatChannel,
  visitor: VisitorRow,
  body: z.infer<typeof PreChatBody>,
): Promise<void> {
  const form = loaded.config.preChatForm;
  if (!form.enabled) throw new AppError("conflict", "prechat_disabled", "This chat has no pre-chat form.");
  if (visitor.contact_id) {
    throw new AppError("conflict", "prechat_too_late", "The pre-chat form is answered before the first message.");
  }
  const clean = validatePreChat(form.fields, body.values);
  const custom: Record<string, string> = {};
  const labels: Record<string, string> = {};
  for (const f of form.fields) {
    const id = fieldId(f);
    labels[id] = labelOf(f);
    if (f.kind === "custom" && clean[id]) custom[id] = clean[id];
  }
  const stored: StoredPreChat = {
    ...(clean.phone ? { phone: clean.phone } : {}),
    custom,
    labels,
    submittedAt: new Date().toISOString(),
  };
  await wc(ctx.database.db)
    .updateTable("webchat_visitors")
    .set({
      name: clean.name ?? visitor.name,
      email: clean.email ?? visitor.email,
      prechat: JSON.stringify(stored),
      last_seen_at: new Date(),
    })
    .where("workspace_id", "=", visitor.workspace_id)
    .where("id", "=", visitor.id)
    .execute();
}

/** The phone a visitor gave in the pre-chat form (a hint for their new contact). */
export function preChatPhone(visitor: VisitorRow): string | undefined {
  const parsed = StoredPreChat.safeParse(visitor.prechat);
  return parsed.success ? parsed.data.phone : undefined;
}

/**
 * After the first message of a visitor who answered the form: the answers go onto the contact's timeline
 * (`prechat_form`) and onto the case as a private note, so the agent sees them beside the question.
 */
export async function recordPreChat(
  ctx: AppContext,
  visitor: VisitorRow,
  contactId: string,
  caseId: string,
): Promise<void> {
  const parsed = StoredPreChat.safeParse(visitor.prechat);
  if (!parsed.success) return;
  const { phone, custom, labels } = parsed.data;
  const answers: [string, string][] = [
    ...(visitor.name ? [["name", visitor.name] as [string, string]] : []),
    ...(visitor.email ? [["email", visitor.email] as [string, string]] : []),
    ...(phone ? [["phone", phone] as [string, string]] : []),
    ...Object.entries(custom),
  ];
  if (answers.length === 0) return;
  const ws = visitor.workspace_id;
  const caller = { type: "system" as const, workspaceId: ws };
  // A custom question whose key is a contact attribute's fills it in (when the answer fits its type).
  await storeAnswersAsAttributes(ctx, caller, contactId, custom);
  await ingestEvents(ctx, caller, [
    {
      contactId,
      type: "prechat_form",
      occurredAt: new Date(parsed.data.submittedAt),
      source: "webchat",
      channel: "webchat",
      properties: { ...Object.fromEntries(answers), channelId: visitor.channel_id },
    },
  ]);
  const text = ["Pre-chat form", ...answers.map(([id, value]) => `${labels[id] ?? id}: ${value}`)].join("\n");
  await runTransaction(ctx.database, (tx) =>
    sendReply(tx, { workspaceId: ws, type: "system", id: null }, caseId, { text, private: true }),
  );
}

/**
 * "Email me the transcript": the visitor's conversation (their messages and the public replies, never notes),
 * rendered as plain text and as escaped HTML, sent to the visitor's email (from the form or identify, or typed
 * in the request) through the workspace's mailbox SMTP server. Marked as automatic mail so that auto-replies
 * do not answer it.
 */
import { z } from "zod";
import type { AppContext } from "../../../platform/context.ts";
import { AppError } from "../../../platform/errors.ts";
import { escapeHtml } from "../../../platform/search-text.ts";
import { ChannelSendError } from "../contract.ts";
import { EmailPublicConfig } from "../email/config.ts";
import type { WebchatChannel } from "./channel.ts";
import { sendFromMailbox, webchatMailbox } from "./mailbox.ts";
import { presentVisitorMessage, type VisitorMessage } from "./present.ts";
import type { VisitorRow } from "./repository.ts";
import { visitorMessages } from "./visitors.ts";

export const TranscriptBody = z.strictObject({
  email: z.email("must be an email address like li@example.com").max(320).optional(),
});

/** The transcript's words in the visitor's language (the widget's languages; English otherwise). */
const WORDS = {
  en: { title: "Your conversation with {name}", visitor: "You", agent: "Support", bot: "Bot" },
  fr: { title: "Votre conversation avec {name}", visitor: "Vous", agent: "Support", bot: "Bot" },
  es: { title: "Tu conversación con {name}", visitor: "Tú", agent: "Soporte", bot: "Bot" },
  "zh-CN": { title: "您与{name}的对话", visitor: "我", agent: "客服", bot: "机器人" },
} as const;
type Words = (typeof WORDS)[keyof typeof WORDS];
const wordsOf = (language: string | null): Words =>
  language && language in WORDS ? WORDS[language as keyof typeof WORDS] : WORDS.en;
const bodyOf = (m: VisitorMessage) =>
  [m.text, m.attachment ? `[${m.type === "image" ? "image" : "file"}: ${m.attachment.name ?? "attachment"}]` : ""]
    .filter(Boolean)
    .join(" ");
const whoOf = (m: VisitorMessage, w: Words) =>
  m.author === "visitor" ? w.visitor : m.author === "bot" ? w.bot : w.agent;
const timeOf = (m: VisitorMessage) => `${m.createdAt.slice(0, 16).replace("T", " ")} UTC`;

/** The transcript's plain and HTML bodies; every text is escaped in the HTML part. */
export function renderTranscript(
  title: string,
  messages: VisitorMessage[],
  words: Words = WORDS.en,
): { text: string; html: string; count: number } {
  const text = [title, "", ...messages.map((m) => `[${timeOf(m)}] ${whoOf(m, words)}: ${bodyOf(m)}`), ""].join("\n");
  const rows = messages
    .map(
      (m) =>
        `<tr><td style="color:#868e96;white-space:nowrap;vertical-align:top">${escapeHtml(timeOf(m))}</td>` +
        `<td style="font-weight:600;vertical-align:top">${escapeHtml(whoOf(m, words))}</td>` +
        `<td style="white-space:pre-wrap">${escapeHtml(bodyOf(m))}</td></tr>`,
    )
    .join("\n");
  const html = `<!doctype html><html><body><h2 style="font-family:sans-serif">${escapeHtml(title)}</h2>
<table cellpadding="6" style="font-family:sans-serif;font-size:14px;border-collapse:collapse">
${rows}
</table></body></html>`;
  return { text, html, count: messages.length };
}

/**
 * Sends the visitor's transcript. 400 without an email (none given and none known), 409 when the conversation
 * is empty or the channel turned the feature off, 503 when the workspace has no email channel with SMTP or the
 * mail server refuses.
 */
export async function emailTranscript(
  ctx: AppContext,
  loaded: WebchatChannel,
  visitor: VisitorRow,
  body: z.infer<typeof TranscriptBody>,
): Promise<{ email: string; messages: number }> {
  if (!loaded.config.transcript.enabled) {
    throw new AppError("conflict", "transcript_disabled", "This chat does not send transcripts.");
  }
  const email = (body.email ?? visitor.email ?? "").toLowerCase();
  if (!email) {
    throw new AppError("invalid", "transcript_email_required", "Give the email address to send the transcript to.", {
      field: "email",
    });
  }
  const ws = visitor.workspace_id;
  const mailbox = await webchatMailbox(ctx, ws, loaded.config.offlineForm.emailChannelId);
  if (!mailbox) {
    throw new AppError(
      "unavailable",
      "transcript_unavailable",
      "Transcripts are sent by email and this workspace has no email channel with SMTP.",
    );
  }
  const messages = (await visitorMessages(ctx, visitor, undefined)).map(presentVisitorMessage);
  if (messages.length === 0) {
    throw new AppError("conflict", "transcript_empty", "There is no conversation to send yet.");
  }
  const mailboxConfig = EmailPublicConfig.parse(mailbox.config);
  const words = wordsOf(visitor.language);
  const title = words.title.replace("{name}", mailboxConfig.fromName ?? mailbox.name);
  const rendered = renderTranscript(title, messages, words);
  try {
    await sendFromMailbox(ctx, mailbox, {
      to: email,
      subject: title,
      text: rendered.text,
      html: rendered.html,
      headers: { "Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All" },
    });
  } catch (err) {
    if (!(err instanceof ChannelSendError)) throw err;
    ctx.logger.warn({ channelId: mailbox.id, err: err.message }, "webchat: a transcript could not be sent");
    throw new AppError("unavailable", "transcript_send_failed", "The transcript could not be sent; try again later.");
  }
  return { email, messages: rendered.count };
}

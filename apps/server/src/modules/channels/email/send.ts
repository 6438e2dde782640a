/**
 * Outbound email: an agent's reply as a proper reply in the customer's client (From with the agent's name
 * and the mailbox address, In-Reply-To/References to the customer's last email, `Re:` subject with the
 * thread token, plain and HTML parts, the mailbox signature), sent by SMTP with nodemailer. SMTP 5xx
 * answers are permanent failures; 4xx answers and connection problems are retried by the send job.
 */
import nodemailer from "nodemailer";
import type SMTPTransport from "nodemailer/lib/smtp-transport/index.js";
import type { AppContext } from "../../../platform/context.ts";
import { escapeHtml } from "../../../platform/search-text.ts";
import { attachmentOf, captionOf, type MessageRow, openAttachment } from "../../conversations/index.ts";
import { findMemberName } from "../../tenancy/index.ts";
import { ChannelSendError, type SendResult } from "../contract.ts";
import type { ChannelRow } from "../repository.ts";
import { type EmailAccount, emailAccountOf } from "./config.ts";
import { eq, findThread } from "./repository.ts";
import { replySubject } from "./threading.ts";

/** The SMTP transport options of a mailbox. */
export function smtpOptionsOf(account: EmailAccount): SMTPTransport.Options {
  const { config, secrets } = account;
  const port = config.smtpPort ?? (config.smtpTls === false ? 587 : 465);
  return {
    host: config.smtpHost,
    port,
    secure: config.smtpTls ?? port === 465,
    ...(config.smtpUser ? { auth: { user: config.smtpUser, pass: secrets.smtpPassword ?? "" } } : {}),
    tls: { rejectUnauthorized: config.tlsAllowSelfSigned !== true },
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 60_000,
  };
}

const paragraphsHtml = (text: string) =>
  text
    .split(/\n{2,}/)
    .map((p) => `<p>${escapeHtml(p).replace(/\n/g, "<br>")}</p>`)
    .join("\n");

/** The plain and HTML bodies of a reply, signature included. */
export function replyBodies(text: string, signature: string | undefined): { text: string; html: string } {
  const sig = signature?.trim();
  return {
    text: sig ? `${text}\n\n-- \n${sig}\n` : `${text}\n`,
    html: `<!doctype html><html><body>${paragraphsHtml(text)}${
      sig ? `\n<div class="signature" style="color:#555">-- <br>${escapeHtml(sig).replace(/\n/g, "<br>")}</div>` : ""
    }</body></html>`,
  };
}

async function agentName(ctx: AppContext, message: MessageRow): Promise<string | undefined> {
  if (message.author_type !== "user" || !message.author_id) return undefined;
  return (await findMemberName(ctx.database.db, message.workspace_id, message.author_id)) || undefined;
}

/** The `From` display name: the agent "via" the mailbox, or the mailbox alone. */
export function fromNameOf(agent: string | undefined, mailbox: string | undefined): string | undefined {
  if (agent && mailbox) return `${agent} (${mailbox})`;
  return agent ?? mailbox;
}

/** Maps a nodemailer failure to a send error: SMTP 5xx permanent, 4xx and connection problems retried. */
export function sendErrorOf(err: unknown): ChannelSendError {
  const e = err as { responseCode?: number; code?: string; response?: string; message?: string };
  const detail = (e.response ?? e.message ?? String(err)).replace(/\s+/g, " ").slice(0, 500);
  if (typeof e.responseCode === "number") {
    const permanent = e.responseCode >= 500;
    const what = e.code === "EAUTH" ? "SMTP authentication failed" : `SMTP server answered ${e.responseCode}`;
    return new ChannelSendError(`${what}: ${detail}`, permanent);
  }
  if (e.code === "EENVELOPE" || e.code === "EMESSAGE") return new ChannelSendError(`SMTP refused: ${detail}`, true);
  return new ChannelSendError(`SMTP connection failed${e.code ? ` (${e.code})` : ""}: ${detail}`, false);
}

/** Delivers an outbound message of an email conversation (thread `recipient.externalId`) by SMTP. */
export async function sendEmail(
  ctx: AppContext,
  channel: ChannelRow,
  message: MessageRow,
  recipient: { externalId: string },
): Promise<SendResult> {
  const account = emailAccountOf(ctx, channel);
  const { config } = account;
  if (!config.smtpHost) throw new ChannelSendError("This mailbox has no SMTP server configured.", true);
  const s = { workspaceId: channel.workspace_id, channelId: channel.id };
  const db = ctx.database.db;
  const [thread, inbound] = await Promise.all([
    findThread(db, s, recipient.externalId),
    eq(db)
      .selectFrom("email_messages")
      .select(["message_id", "from_address", "reply_to", "subject", "refs", "flags"])
      .where("workspace_id", "=", s.workspaceId)
      .where("channel_id", "=", s.channelId)
      .where("thread_id", "=", recipient.externalId)
      .where("direction", "=", "inbound")
      .orderBy("created_at", "desc")
      .limit(20)
      .execute(),
  ]);
  // Answer the customer's latest email written by a person; an auto-reply in the thread is threaded past.
  const customer = inbound.filter((m) => !m.flags.includes("own") && !m.flags.some((f) => f.startsWith("bounce")));
  // Loop protection: a bot or rule never answers mail written by a machine (an agent may).
  if (message.author_type !== "user" && message.author_type !== "token" && customer[0]?.flags.includes("automated")) {
    throw new ChannelSendError(
      "Not sent: automatic replies are never sent to automatic mail (auto-reply, list, daemon) — loop protection.",
      true,
    );
  }
  const last = customer.find((m) => !m.flags.includes("automated")) ?? customer[0];
  const to = last?.reply_to ?? last?.from_address;
  if (!last || !to || !thread) {
    throw new ChannelSendError("This conversation has no customer email address to reply to.", true);
  }
  if (/^(mailer-daemon|postmaster)@/i.test(to) || to.endsWith("@rapport.invalid")) {
    throw new ChannelSendError(`Refusing to write to the automatic address ${to}.`, true);
  }
  const domain = config.fromAddress.split("@")[1] ?? "localhost";
  const messageId = `<rapport.${message.id}@${domain}>`;
  const references = [...last.refs.filter((r) => r !== last.message_id), last.message_id].slice(-20);
  // A file reply carries its file, and its caption as the text.
  const file = attachmentOf(message);
  const opened = file ? await openAttachment(db, ctx.config, s.workspaceId, file.id) : undefined;
  const bodies = replyBodies(file ? captionOf(message) : message.text, config.signature);
  const fromName = fromNameOf(await agentName(ctx, message), config.fromName ?? channel.name);
  const transport = nodemailer.createTransport(smtpOptionsOf(account));
  try {
    await transport.sendMail({
      from: fromName ? { name: fromName, address: config.fromAddress } : config.fromAddress,
      to,
      subject: replySubject(thread.subject ?? last.subject ?? "", thread.token),
      messageId,
      inReplyTo: last.message_id,
      references,
      text: bodies.text,
      html: bodies.html,
      ...(opened
        ? {
            attachments: [
              {
                filename: opened.attachment.file_name ?? file?.name ?? "attachment",
                contentType: opened.attachment.content_type,
                content: opened.body,
              },
            ],
          }
        : {}),
      headers: {
        // Asks Exchange and similar not to answer our replies with out-of-office mail (loop protection).
        "X-Auto-Response-Suppress": "All",
        "X-Rapport-Thread": thread.token,
      },
    });
  } catch (err) {
    throw sendErrorOf(err);
  } finally {
    transport.close();
  }
  await eq(db)
    .insertInto("email_messages")
    .values({
      workspace_id: s.workspaceId,
      channel_id: s.channelId,
      message_id: messageId,
      direction: "outbound",
      thread_id: recipient.externalId,
      rapport_message_id: message.id,
      from_address: config.fromAddress.toLowerCase(),
      reply_to: null,
      subject: thread.subject,
      refs: references,
      flags: [],
      parse_error: null,
      raw: null,
    })
    .onConflict((oc) => oc.doNothing())
    .execute();
  return { platformMessageId: messageId };
}

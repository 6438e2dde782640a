/**
 * The widget's **offline form** (name, email, message), shown when nobody can answer: it opens a case on the
 * workspace's email channel, as if the customer had written to the mailbox, so the agent's reply leaves by email
 * (threaded, through the mailbox's SMTP server); without an email channel the case stays a web chat and a
 * private note on it says that replies cannot reach the customer by email.
 */
import MailComposer from "nodemailer/lib/mail-composer/index.js";
import { uuidv7 } from "uuidv7";
import { z } from "zod";
import type { AppContext } from "../../../platform/context.ts";
import { AppError } from "../../../platform/errors.ts";
import { runTransaction } from "../../../platform/outbox.ts";
import { sendReply } from "../../conversations/index.ts";
import { EmailPublicConfig } from "../email/config.ts";
import { ingestEmail } from "../email/ingest.ts";
import type { WebchatChannel } from "./channel.ts";
import { webchatMailbox } from "./mailbox.ts";
import { type VisitorRow, wc } from "./repository.ts";
import { receiveVisitorMessage } from "./visitors.ts";

export const OfflineBody = z.strictObject({
  name: z.string().trim().min(1, "is required").max(200),
  email: z.email("must be an email address like li@example.com").max(320),
  message: z.string().trim().min(1, "is required").max(5000),
});

/**
 * The offline form: through the workspace's mailbox as an email from the customer (the case is an email thread,
 * replies leave by SMTP), or — without a mailbox — as the visitor's web chat message with a note on the case.
 */
export async function submitOfflineForm(
  ctx: AppContext,
  loaded: WebchatChannel,
  visitor: VisitorRow,
  body: z.infer<typeof OfflineBody>,
): Promise<{ replyBy: "email" | "chat" }> {
  const { config, channel } = loaded;
  if (!config.offlineForm.enabled) {
    throw new AppError("conflict", "offline_form_disabled", "This chat has no offline form.");
  }
  const ws = channel.workspace_id;
  const email = body.email.toLowerCase();
  const mailbox = await webchatMailbox(ctx, ws, config.offlineForm.emailChannelId);
  await wc(ctx.database.db)
    .updateTable("webchat_visitors")
    .set({ name: body.name, email, last_seen_at: new Date() })
    .where("workspace_id", "=", ws)
    .where("id", "=", visitor.id)
    .execute();
  if (mailbox) {
    const address = EmailPublicConfig.parse(mailbox.config).fromAddress.toLowerCase();
    if (email === address) {
      throw new AppError("invalid", "offline_email_invalid", "Enter your own email address, not the shop's.", {
        field: "email",
      });
    }
    const raw = await new MailComposer({
      from: { name: body.name, address: email },
      to: address,
      subject: firstLine(body.message),
      text: body.message,
      messageId: `<webchat-offline.${uuidv7()}@${address.split("@")[1] ?? "localhost"}>`,
      headers: { "X-Rapport-Webchat-Channel": channel.id },
    })
      .compile()
      .build();
    await ingestEmail(ctx, mailbox, raw);
    return { replyBy: "email" };
  }
  const { message } = await receiveVisitorMessage(
    ctx,
    channel,
    { ...visitor, name: body.name, email },
    { clientMessageId: `offline-${uuidv7()}`, text: body.message },
  );
  const note = `Offline form from ${body.name} <${email}>. This workspace has no email channel with SMTP, so a reply cannot reach the customer by email: it shows only in their chat widget if they come back. Add an email channel (Settings → Channels) to answer offline messages by email.`;
  await runTransaction(ctx.database, (tx) =>
    sendReply(tx, { workspaceId: ws, type: "system", id: null }, message.case_id, { text: note, private: true }),
  );
  return { replyBy: "chat" };
}

const firstLine = (text: string) => {
  const line = text.split("\n").find((l) => l.trim()) ?? "";
  return line.length > 80 ? `${line.slice(0, 77)}…` : line;
};

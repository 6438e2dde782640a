/**
 * The mailbox web chat writes through: the offline form's cases and requested transcripts leave by the
 * workspace's email channel (the one the web chat channel names in `offlineForm.emailChannelId`, else the
 * oldest enabled email channel that has an SMTP server).
 */
import nodemailer from "nodemailer";
import type Mail from "nodemailer/lib/mailer/index.js";
import type { AppContext } from "../../../platform/context.ts";
import type { Executor } from "../../../platform/db.ts";
import { TtlCache } from "../../../platform/ttl-cache.ts";
import { EmailPublicConfig, emailAccountOf } from "../email/config.ts";
import { sendErrorOf, smtpOptionsOf } from "../email/send.ts";
import { type ChannelRow, q } from "../repository.ts";

// The widget's config asks on every load whether a mailbox exists: the answer is kept 10 s per workspace.
const cache = new TtlCache<string, ChannelRow | null>(10_000, 5_000);

/** Forgets the cached mailbox of every workspace (a channel changed). */
export function forgetMailboxes(): void {
  cache.clear();
}

async function findMailbox(db: Executor, ws: string, preferredId: string | undefined): Promise<ChannelRow | null> {
  const rows = await q(db)
    .selectFrom("channels")
    .selectAll()
    .where("workspace_id", "=", ws)
    .where("type", "=", "email")
    .where("disabled_at", "is", null)
    .orderBy("created_at")
    .orderBy("id")
    .limit(50)
    .execute();
  const withSmtp = rows.filter((r) => {
    const parsed = EmailPublicConfig.safeParse(r.config);
    return parsed.success && parsed.data.smtpHost !== undefined;
  });
  return withSmtp.find((r) => r.id === preferredId) ?? withSmtp[0] ?? null;
}

/** The workspace's mailbox for web chat mail, or null when it has no email channel with SMTP. */
export async function webchatMailbox(
  ctx: AppContext,
  ws: string,
  preferredId: string | undefined,
): Promise<ChannelRow | null> {
  const key = `${ws}:${preferredId ?? ""}`;
  return cache.load(key, () => findMailbox(ctx.database.db, ws, preferredId));
}

/** Sends one message by the mailbox's SMTP server (From: the mailbox); SMTP failures become send errors. */
export async function sendFromMailbox(ctx: AppContext, mailbox: ChannelRow, mail: Mail.Options): Promise<void> {
  const account = emailAccountOf(ctx, mailbox);
  const { config } = account;
  const name = config.fromName ?? mailbox.name;
  const transport = nodemailer.createTransport(smtpOptionsOf(account));
  try {
    await transport.sendMail({ from: { name, address: config.fromAddress }, ...mail });
  } catch (err) {
    throw sendErrorOf(err);
  } finally {
    transport.close();
  }
}

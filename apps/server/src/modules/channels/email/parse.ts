/**
 * An RFC 822 message read with mailparser into what the inbox needs: ids for threading, the sender, the
 * displayed and full text, sanitised HTML, attachments, whether it was sent by a machine (auto-reply, list,
 * bounce) and, for a delivery status notification, which of our messages failed and why. Never throws:
 * a message mailparser cannot read comes back with `parseError` and the raw text as its body.
 */
import { createHash } from "node:crypto";
import { type AddressObject, type HeaderValue, type ParsedMail, simpleParser } from "mailparser";
import { trimReply } from "./trim.ts";

export type EmailAddress = { address: string; name: string };

export type ParsedAttachment = {
  filename: string | null;
  contentType: string;
  contentId: string | null;
  inline: boolean;
  content: Buffer;
};

export type Bounce = { originalMessageId: string | null; recipient: string | null; reason: string };

export type ParsedEmail = {
  /** `<id@host>`; synthesised from the bytes when the message has none (so the same bytes dedupe). */
  messageId: string;
  inReplyTo: string[];
  references: string[];
  subject: string;
  from: EmailAddress | null;
  replyTo: EmailAddress | null;
  to: EmailAddress[];
  cc: EmailAddress[];
  date: Date | null;
  /** The new part of the message, for display. */
  text: string;
  /** The whole plain-text body (quoted history and signature included). */
  fullText: string;
  /** The HTML body as sent (unsanitised: sanitise before showing it). */
  html: string | null;
  attachments: ParsedAttachment[];
  /** Why this message was written by a machine (never answer it automatically), or null. */
  automated: string | null;
  bounce: Bounce | null;
  parseError: string | null;
};

const ID = /<[^<>\s]+>/g;

/** The `<…>` ids of a Message-ID, In-Reply-To or References header value. */
export function messageIdsOf(value: string | string[] | undefined): string[] {
  const joined = Array.isArray(value) ? value.join(" ") : (value ?? "");
  const ids = joined.match(ID) ?? [];
  if (ids.length === 0 && joined.trim() && !/\s/.test(joined.trim())) return [`<${joined.trim()}>`];
  return [...new Set(ids)].slice(0, 100);
}

const firstAddress = (a: AddressObject | AddressObject[] | undefined): EmailAddress | null =>
  allAddresses(a)[0] ?? null;

function allAddresses(a: AddressObject | AddressObject[] | undefined): EmailAddress[] {
  const list = Array.isArray(a) ? a : a ? [a] : [];
  return list
    .flatMap((o) => o.value)
    .flatMap((v) => (v.group ? v.group : [v]))
    .filter((v) => v.address)
    .map((v) => ({ address: (v.address ?? "").trim().toLowerCase(), name: (v.name ?? "").trim() }));
}

const headerText = (v: HeaderValue | undefined): string => {
  if (v === undefined) return "";
  if (typeof v === "string") return v;
  if (Array.isArray(v)) return v.map((x) => (typeof x === "string" ? x : x.value)).join(", ");
  if (v instanceof Date) return v.toISOString();
  if ("value" in v && typeof v.value === "string") return v.value;
  if ("text" in v && typeof v.text === "string") return v.text;
  return "";
};

/** Why a message is automatic (RFC 3834 Auto-Submitted, vendor auto-reply headers, Precedence, lists, daemons). */
export function automationOf(headers: Map<string, HeaderValue>, from: EmailAddress | null): string | null {
  const get = (name: string) => headerText(headers.get(name)).trim().toLowerCase();
  const autoSubmitted = get("auto-submitted");
  if (autoSubmitted && autoSubmitted !== "no") return `auto-submitted: ${autoSubmitted.split(";")[0]}`;
  for (const h of ["x-autoreply", "x-autorespond", "x-autoresponder", "x-auto-reply"]) {
    if (headers.has(h)) return h;
  }
  const suppress = get("x-auto-response-suppress");
  if (suppress && /\b(all|oof|autoreply)\b/.test(suppress) && get("x-ms-exchange-generated-message-source")) {
    return "x-ms-exchange-generated";
  }
  const precedence = get("precedence");
  if (/^(bulk|junk|list|auto_reply)$/.test(precedence)) return `precedence: ${precedence}`;
  // mailparser gathers List-Id, List-Unsubscribe and friends under "list".
  if (headers.has("list") || headers.has("list-id") || headers.has("list-unsubscribe")) return "mailing list";
  if (headers.has("feedback-id") && get("x-campaign")) return "campaign";
  const local = from?.address.split("@")[0] ?? "";
  if (/^(mailer-daemon|postmaster|mail-daemon|mailerdaemon)$/.test(local)) return `sender ${local}`;
  if (/^(no-?reply|do-?not-?reply|bounces?)([+.-].*)?$/.test(local)) return `sender ${local}`;
  const returnPath = get("return-path");
  if (returnPath === "<>") return "null return path";
  return null;
}

/** Reads a delivery status notification (RFC 3464) into the failed message and its reason. */
function bounceOf(mail: ParsedMail, raw: Buffer): Bounce | null {
  const ct = mail.headers.get("content-type");
  const isReport =
    ct !== undefined &&
    typeof ct === "object" &&
    "value" in ct &&
    ct.value === "multipart/report" &&
    /delivery-status/i.test(String((ct as { params?: Record<string, string> }).params?.["report-type"] ?? ""));
  const latin = raw.toString("latin1");
  const hasStatusPart = /content-type:\s*message\/(global-)?delivery-status/i.test(latin);
  const original = mail.attachments.find((a) =>
    /^(message\/rfc822|text\/rfc822-headers|message\/global)/i.test(a.contentType),
  );
  const from = firstAddress(mail.from);
  const daemon = from !== null && /^(mailer-daemon|postmaster)@/i.test(from.address);
  if (!isReport && !hasStatusPart && !daemon) return null;

  // mailparser folds the delivery-status part into the text body; its fields are read from there (decoded)
  // or, failing that, from the raw source.
  const fields = new Map<string, string>();
  for (const source of [mail.text ?? "", latin]) {
    for (const line of source.replace(/\r?\n[ \t]+/g, " ").split(/\r?\n/)) {
      const m = /^(final-recipient|original-recipient|action|status|diagnostic-code):\s*(.*)$/i.exec(line);
      if (m?.[1] && m[2] !== undefined && !fields.has(m[1].toLowerCase())) fields.set(m[1].toLowerCase(), m[2].trim());
    }
    if (fields.size) break;
  }
  const action = fields.get("action")?.toLowerCase();
  if (action && action !== "failed") return null; // "delayed", "delivered", "relayed": not a failure.
  let originalMessageId: string | null = null;
  if (original) {
    const m = /^message-id:\s*(<[^<>\s]+>)/im.exec(original.content.toString("utf8"));
    originalMessageId = m?.[1] ?? null;
  }
  if (!originalMessageId) {
    // Bounces without a report part still quote our headers; our ids are recognisable.
    const m = /<rapport\.[0-9a-f-]{36}@[^<>\s]+>/i.exec(raw.toString("latin1"));
    originalMessageId = m?.[0] ?? null;
  }
  const recipient = (fields.get("final-recipient") ?? fields.get("original-recipient") ?? "").replace(/^[^;]*;\s*/, "");
  const diagnostic = fields.get("diagnostic-code")?.replace(/^[^;]*;\s*/, "");
  const code = fields.get("status");
  const reason =
    [diagnostic, code && !diagnostic?.includes(code) ? `status ${code}` : undefined].filter(Boolean).join(" — ") ||
    (mail.text ?? "").trim().split("\n").slice(0, 3).join(" ").slice(0, 300) ||
    "The message bounced.";
  return { originalMessageId, recipient: recipient || null, reason: `Bounced: ${reason}`.slice(0, 1000) };
}

/** A Message-ID for a message without one: stable for the same bytes. */
export function syntheticMessageId(raw: Buffer): string {
  return `<${createHash("sha256").update(raw).digest("hex").slice(0, 40)}@no-message-id.rapport.invalid>`;
}

/** Parses raw RFC 822 bytes; never throws. */
export async function parseEmail(raw: Buffer): Promise<ParsedEmail> {
  let mail: ParsedMail;
  try {
    mail = await simpleParser(raw, { skipImageLinks: true, maxHtmlLengthToParse: 5_000_000 });
  } catch (err) {
    return unparsed(raw, err instanceof Error ? err.message : String(err));
  }
  try {
    const from = firstAddress(mail.from);
    const fullText = (mail.text ?? "").replace(/\r\n?/g, "\n").trim();
    const html = typeof mail.html === "string" ? mail.html : null;
    return {
      messageId: messageIdsOf(mail.messageId)[0] ?? syntheticMessageId(raw),
      inReplyTo: messageIdsOf(mail.inReplyTo),
      references: messageIdsOf(mail.references),
      subject: (mail.subject ?? "").replace(/\s+/g, " ").trim().slice(0, 500),
      from,
      replyTo: firstAddress(mail.replyTo),
      to: allAddresses(mail.to),
      cc: allAddresses(mail.cc),
      date: mail.date && !Number.isNaN(mail.date.getTime()) ? mail.date : null,
      text: trimReply(fullText).slice(0, 100_000),
      fullText: fullText.slice(0, 500_000),
      html,
      attachments: mail.attachments
        .filter((a) => !/^(message\/(global-)?delivery-status|text\/rfc822-headers)$/i.test(a.contentType))
        .map((a) => ({
          filename: a.filename?.slice(0, 255) ?? null,
          contentType: a.contentType.slice(0, 200),
          contentId: a.contentId ? a.contentId.replace(/^<|>$/g, "").slice(0, 255) : null,
          inline: a.contentDisposition === "inline" || a.related === true,
          content: a.content,
        })),
      automated: automationOf(mail.headers, from),
      bounce: bounceOf(mail, raw),
      parseError: null,
    };
  } catch (err) {
    return unparsed(raw, err instanceof Error ? err.message : String(err));
  }
}

/** What an unreadable message shows: its raw text, flagged, with whatever ids a plain scan finds. */
function unparsed(raw: Buffer, error: string): ParsedEmail {
  const text = raw.toString("latin1");
  const header = (name: string) => new RegExp(`^${name}:[ \\t]*(.*)$`, "im").exec(text)?.[1]?.trim();
  const fromMatch = /[\w.+-]+@[\w-]+(\.[\w-]+)+/.exec(header("from") ?? "");
  const shown = text.slice(0, 20_000);
  return {
    messageId: messageIdsOf(header("message-id"))[0] ?? syntheticMessageId(raw),
    inReplyTo: messageIdsOf(header("in-reply-to")),
    references: messageIdsOf(header("references")),
    subject: (header("subject") ?? "").slice(0, 500),
    from: fromMatch ? { address: fromMatch[0].toLowerCase(), name: "" } : null,
    replyTo: null,
    to: [],
    cc: [],
    date: null,
    text: shown,
    fullText: shown,
    html: null,
    attachments: [],
    automated: null,
    bounce: null,
    parseError: error.slice(0, 500),
  };
}

import type { MessageRow } from "../../conversations/index.ts";

export type VisitorAttachment = { id: string; name: string | null; contentType: string | null; size: number | null };

/**
 * The file a message carries: `content.attachmentId` (an agent's image or file reply) or `content.media.attachmentId`
 * (a visitor's upload, stored after the message), with what is known of its name, type and size.
 */
export function attachmentOf(m: MessageRow): VisitorAttachment | null {
  const content = (m.content ?? {}) as Record<string, unknown>;
  const media = (content.media ?? {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === "string" ? v : null);
  const num = (v: unknown) => (typeof v === "number" ? v : null);
  const id = str(content.attachmentId) ?? str(media.attachmentId);
  if (!id) return null;
  return {
    id,
    name: str(content.name),
    contentType: str(content.mimeType) ?? str(media.mimeType),
    size: num(content.size) ?? num(media.size),
  };
}

/** A message as the visitor sees it: explicit fields only (no ids of agents, no internal status details). */
export function presentVisitorMessage(m: MessageRow) {
  const clientMessageId =
    m.direction === "inbound" && m.platform_message_id ? (m.platform_message_id.split(":")[1] ?? null) : null;
  const attachment = attachmentOf(m);
  const caption = (m.content as { caption?: unknown } | null)?.caption;
  return {
    id: m.id,
    clientMessageId,
    direction: m.direction,
    author: m.author_type === "contact" ? "visitor" : m.author_type === "bot" ? "bot" : "agent",
    type: m.type,
    // A file's message shows its caption only (its placeholder text, "[image]", is for lists and search).
    text: attachment ? (typeof caption === "string" ? caption : "") : m.text,
    attachment,
    createdAt: new Date(m.created_at).toISOString(),
  };
}
export type VisitorMessage = ReturnType<typeof presentVisitorMessage>;

import { tsvectorLiteral } from "../../platform/search-text.ts";

/** A plain-text rendering of any message content, for lists, search, notifications and channels without rich content. */
export function plainText(type: string, content: Record<string, unknown>): string {
  const str = (key: string) => (typeof content[key] === "string" ? (content[key] as string) : "");
  switch (type) {
    case "text":
      return str("text");
    case "image":
      return str("caption") || "[image]";
    case "voice":
      return str("transcript") ? `[voice] ${str("transcript")}` : "[voice]";
    case "video":
      return str("caption") || "[video]";
    case "file":
      return `[file] ${str("name")}`.trim();
    case "location":
      return `[location] ${str("label") || `${content.latitude ?? "?"}, ${content.longitude ?? "?"}`}`;
    case "link":
      return `${str("title")} ${str("url")}`.trim();
    case "article":
      return str("title") || "[article]";
    case "template":
      return str("text") || `[template ${str("name")}]`.trim();
    case "event":
      return `[event ${str("event")}]`.trim();
    default:
      return str("text") || `[${type}]`;
  }
}

/** The search vector of a message (a `tsvector` literal), or null for events and messages without words. */
export function messageSearchVector(type: string, text: string): string | null {
  if (type === "event") return null;
  return tsvectorLiteral([{ text, weight: "C" }]) || null;
}

/** The file a message carries, with what is known of its name, type and size. */
export type MessageAttachment = { id: string; name: string | null; contentType: string | null; size: number | null };

/**
 * The file a message carries: `content.attachmentId` (an agent's image or file reply) or
 * `content.media.attachmentId` (a customer's upload or a fetched media file, stored after the message).
 */
export function attachmentOf(m: { content: unknown }): MessageAttachment | null {
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

/** What a file's message says beside its file: its caption ("[image]" and the like are for lists and search). */
export function captionOf(m: { content: unknown }): string {
  const caption = (m.content as { caption?: unknown } | null)?.caption;
  return typeof caption === "string" ? caption : "";
}

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

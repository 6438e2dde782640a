import { attachmentOf, captionOf, type MessageRow } from "../../conversations/index.ts";

/** A message as the visitor sees it: explicit fields only (no ids of agents, no internal status details). */
export function presentVisitorMessage(m: MessageRow) {
  const clientMessageId =
    m.direction === "inbound" && m.platform_message_id ? (m.platform_message_id.split(":")[1] ?? null) : null;
  const attachment = attachmentOf(m);
  return {
    id: m.id,
    clientMessageId,
    direction: m.direction,
    author: m.author_type === "contact" ? "visitor" : m.author_type === "bot" ? "bot" : "agent",
    type: m.type,
    // A file's message shows its caption only (its placeholder text, "[image]", is for lists and search).
    text: attachment ? captionOf(m) : m.text,
    attachment,
    createdAt: new Date(m.created_at).toISOString(),
  };
}
export type VisitorMessage = ReturnType<typeof presentVisitorMessage>;

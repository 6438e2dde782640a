import type { Executor } from "../../../platform/db.ts";
import { emitEvent } from "../../../platform/outbox.ts";

/**
 * Emits `contact.tags-changed` {contactId, added, removed} (in the caller's transaction) when the tags the
 * contact's channel identities should carry went from `before` to `after`; channels that mirror tags (WeChat
 * user tags) follow it. Nothing is emitted when both hold the same tags.
 */
export async function emitContactTagsChanged(
  tx: Executor,
  workspaceId: string,
  contactId: string,
  before: readonly string[],
  after: readonly string[],
): Promise<void> {
  const added = after.filter((tag) => !before.includes(tag));
  const removed = before.filter((tag) => !after.includes(tag));
  if (added.length === 0 && removed.length === 0) return;
  await emitEvent(tx, { workspaceId, type: "contact.tags-changed", payload: { contactId, added, removed } });
}

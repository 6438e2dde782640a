import { eraseAutomationData } from "./modules/automation/index.ts";
import { eraseChannelsData } from "./modules/channels/index.ts";
import { deleteAttachmentFiles, eraseConversationsData } from "./modules/conversations/index.ts";
import { registerContactEraser } from "./modules/profiles/index.ts";

/**
 * Registers every module's share of a contact erasure with profiles (which may not import the modules above
 * it). Idempotent (a map by name); called by buildApp and by defineJobs, so every process that can erase a
 * contact or retry an erasure's file deletions has them. Erasers run in this order, highest rung first:
 * automation and channels read the person's messages and threads through conversations before conversations'
 * own eraser deletes them. A module with personal data adds one line here.
 */
export function registerContactErasers(): void {
  registerContactEraser("automation", eraseAutomationData);
  registerContactEraser("channels", eraseChannelsData);
  registerContactEraser("conversations", eraseConversationsData, { deleteFiles: deleteAttachmentFiles });
}

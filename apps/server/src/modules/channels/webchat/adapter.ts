/**
 * The web chat channel (`webchat`): the embeddable widget's visitors write through the visitor API
 * (`/widget/v1/…`, see routes.ts) and agents' replies reach them live on the visitors' socket server.
 */
import type { ChannelAdapter } from "../contract.ts";
import { forgetWebchatChannel } from "./channel.ts";
import { configureWebchat, WEBCHAT_SECRET_FIELDS } from "./config.ts";
import { forgetMailboxes } from "./mailbox.ts";
import { presentVisitorMessage } from "./present.ts";
import { emitToVisitor } from "./realtime.ts";
import { registerWebchatRoutes } from "./routes.ts";

export const webchatChannel: ChannelAdapter = {
  type: "webchat",
  capabilities: { contentTypes: ["text", "image", "file"], ratePerSecond: 200, ratePerRecipientPerSecond: 10 },
  secretFields: WEBCHAT_SECRET_FIELDS,
  async configure(_ctx, input, current) {
    return configureWebchat(input, current);
  },
  registerRoutes: registerWebchatRoutes,
  onUpdated: (channelId) => {
    forgetWebchatChannel(channelId);
    forgetMailboxes();
  },
  /**
   * Emits the reply into the visitor's room. The message is stored either way: a visitor who is offline
   * now sees it on their next catch-up (`GET …/conversation`), so delivery is never retried.
   */
  async send(_ctx, channel, message, recipient) {
    emitToVisitor(channel.id, recipient.externalId, "message", presentVisitorMessage(message));
    return {};
  },
};

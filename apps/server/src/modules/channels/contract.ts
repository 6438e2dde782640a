import type { AppContext } from "../../platform/context.ts";
import type { ChannelCapabilities, MessageRow } from "../conversations/index.ts";
import type { ChannelRow } from "./repository.ts";

/** What a channel send reports: the platform's message id, when it gives one. */
export type SendResult = { platformMessageId?: string | undefined };

/** A send failure. `permanent`: retrying cannot help (bad recipient, content refused); otherwise retried with backoff. */
export class ChannelSendError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = "ChannelSendError";
  }
}

/** One channel type: its capabilities and how it delivers a message. Adding a channel is adding an adapter. */
export type ChannelAdapter = {
  type: string;
  capabilities: ChannelCapabilities & {
    /** Sends per second per channel account (token bucket in each worker). */
    ratePerSecond: number;
    /** Sends per second to one recipient, where the platform limits it. */
    ratePerRecipientPerSecond?: number | undefined;
  };
  /** Delivers an outbound message to the recipient (the conversation's external thread id). */
  send(
    ctx: AppContext,
    channel: ChannelRow,
    message: MessageRow,
    recipient: { externalId: string },
    attempt: number,
  ): Promise<SendResult>;
};

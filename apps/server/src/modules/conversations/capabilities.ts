/**
 * What each channel type can carry and when a brand may write first. Channel adapters (module channels)
 * declare their capabilities here at start-up; conversations enforces them when an agent replies.
 */
import type { Executor } from "../../platform/db.ts";

export type ChannelType = string;

export type ReplyWindow = {
  /** Hours after the customer's last message during which free-form replies are allowed. */
  hours: number;
  /** Replies allowed per customer within one window (WeChat customer-service messages: 5). */
  maxMessages?: number | undefined;
  /** What the platform allows after the window closes, shown in the refusal. */
  afterClose?: string | undefined;
};

/** The conversation a reply is about to be queued on. */
export type ReplyGateInput = {
  workspaceId: string;
  channelId: string;
  channelType: ChannelType;
  externalThreadId: string;
};

export type ChannelCapabilities = {
  /** Content types an agent may send on this channel. */
  contentTypes: readonly string[];
  replyWindow?: ReplyWindow | undefined;
  /**
   * The channel's own window rules, when one window per customer message is not enough (WeChat: each kind
   * of user action opens its own window and quota). Runs in the reply's transaction instead of the generic
   * check; throws AppError to refuse the reply, and spends the quota when it allows it.
   */
  replyGate?: ((tx: Executor, conversation: ReplyGateInput) => Promise<void>) | undefined;
};

const registry = new Map<ChannelType, ChannelCapabilities>();

/** Declares a channel type's capabilities (called once per adapter at start-up; last call wins). */
export function declareChannelType(type: ChannelType, capabilities: ChannelCapabilities): void {
  registry.set(type, capabilities);
}

/** The capabilities of a channel type; an undeclared type carries text only, with no window. */
export function capabilitiesOf(type: ChannelType): ChannelCapabilities {
  return registry.get(type) ?? { contentTypes: ["text"] };
}

import type { AppContext } from "../../platform/context.ts";
import type { HttpApp } from "../../platform/http.ts";
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

/** One identity of a contact (profiles' contact_identities), as a channel reads it to find its address. */
export type ContactIdentityRef = { kind: string; namespace: string; external_id: string };

/** A message written to a contact without a case (table contact_messages). */
export type ContactOutbound = Pick<MessageRow, "type" | "text" | "content" | "author_id">;

/** A channel's validated configuration: the public part (shown), the sealed part (write-only) and values shown once. */
export type ConfiguredChannel = {
  config: Record<string, unknown>;
  /** Plaintext of the write-only part, encrypted by the caller into `secrets_encrypted`; null for none. */
  secrets: string | null;
  /** Values returned once in the create response (e.g. the api channel's webhook signing secret). */
  shownOnce?: Record<string, string> | undefined;
};

/** The stored configuration of an existing channel, secrets decrypted, for an update. */
export type CurrentConfig = { config: unknown; secrets: string | null };

/** One channel type: its capabilities and how it delivers a message. Adding a channel is adding an adapter. */
export type ChannelAdapter = {
  type: string;
  /** Config fields that are write-only: accepted, encrypted at rest, never returned. */
  secretFields: readonly string[];
  /**
   * Validates a config (a new channel's, or a patch merged over `current`) and splits its secrets off; throws
   * AppError `invalid` naming the field and the rule it breaks.
   */
  configure(ctx: AppContext, input: Record<string, unknown>, current?: CurrentConfig): Promise<ConfiguredChannel>;
  /** The path the platform calls (server URL) for a channel of this type, if it pushes to us. */
  webhookPath?: ((channelId: string) => string) | undefined;
  /** Registers the type's own routes: the platform's webhooks (signature-authenticated) and its admin API. */
  registerRoutes?: ((app: HttpApp, ctx: AppContext) => void) | undefined;
  /** A channel account's own sending rate per second (an email mailbox's limit), when it sets one. */
  rateOf?: ((channel: ChannelRow) => number | undefined) | undefined;
  /** Called after a channel's config changed (drop cached keys). */
  onUpdated?: ((channelId: string) => void) | undefined;
  /** Checks the credentials against the platform; throws AppError with the platform's reason. */
  testConnection?: ((ctx: AppContext, channel: ChannelRow) => Promise<{ detail: string }>) | undefined;
  capabilities: ChannelCapabilities & {
    /** Sends per second per channel account (token bucket in each worker), unless `rateOf` says otherwise. */
    ratePerSecond: number;
    /** Sends per second to one recipient, where the platform limits it. */
    ratePerRecipientPerSecond?: number | undefined;
  };
  /**
   * Writing to a contact without a case (a welcome to a new follower, a menu click before any conversation):
   * the contact's address on this channel, from one of their identities (undefined: not this channel's).
   * Channel types without it cannot be written to outside a case.
   */
  contactAddress?: ((channel: ChannelRow, identity: ContactIdentityRef) => string | undefined) | undefined;
  /** Delivers a message written without a case to the address `contactAddress` gave (same errors as `send`). */
  sendToContact?:
    | ((
        ctx: AppContext,
        channel: ChannelRow,
        message: ContactOutbound,
        recipient: { externalId: string },
      ) => Promise<SendResult>)
    | undefined;
  /** Delivers an outbound message to the recipient (the conversation's external thread id). */
  send(
    ctx: AppContext,
    channel: ChannelRow,
    message: MessageRow,
    recipient: { externalId: string },
    attempt: number,
  ): Promise<SendResult>;
};

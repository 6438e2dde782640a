import { AppError } from "../../platform/errors.ts";
import { declareChannelType } from "../conversations/index.ts";
import { apiChannel } from "./api-channel.ts";
import type { ChannelAdapter } from "./contract.ts";
import { emailChannel } from "./email/adapter.ts";
import { webchatChannel } from "./webchat/adapter.ts";
import { wechatChannel } from "./wechat/adapter.ts";

/** Every channel adapter, by type. Adding a channel is adding its adapter here. */
export const ADAPTERS: ReadonlyMap<string, ChannelAdapter> = new Map([
  [apiChannel.type, apiChannel],
  [wechatChannel.type, wechatChannel],
  [emailChannel.type, emailChannel],
  [webchatChannel.type, webchatChannel],
]);

/** Declares each adapter's capabilities to conversations (content types, reply windows). */
export function declareChannelTypes(): void {
  for (const adapter of ADAPTERS.values()) declareChannelType(adapter.type, adapter.capabilities);
}

export function adapterOf(type: string): ChannelAdapter {
  const adapter = ADAPTERS.get(type);
  if (!adapter) {
    throw new AppError("invalid", "channel_type_unknown", `Unknown channel type "${type}".`, {
      field: "type",
      allowed: [...ADAPTERS.keys()],
    });
  }
  return adapter;
}

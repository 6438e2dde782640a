/**
 * The typing indicator (CHANNELS.md §2.9): `message/custom/typing` shows the customer "typing…" while an
 * agent composes (`Typing`) until the reply or `CancelTyping`. It spends no reply of the window, but WeChat
 * only shows it within the customer-service window, so it is refused up front when no window is open.
 */
import { z } from "zod";
import type { AppContext } from "../../../platform/context.ts";
import { AppError } from "../../../platform/errors.ts";
import type { HttpApp } from "../../../platform/http.ts";
import { actorOf, guard } from "../../tenancy/index.ts";
import { callWechatAsAdmin } from "./api.ts";
import { findWechatAccount, type WechatAccount } from "./config.ts";
import { wq } from "./repository.ts";

/** Shows or hides "typing…" to a follower whose window is open; refuses (409) when none is. */
export async function setTyping(ctx: AppContext, account: WechatAccount, openId: string, typing: boolean) {
  const open = await wq(ctx.database.db)
    .selectFrom("wechat_reply_windows")
    .select("kind")
    .where("workspace_id", "=", account.channel.workspace_id)
    .where("channel_id", "=", account.channel.id)
    .where("open_id", "=", openId)
    .where("expires_at", ">", new Date())
    .executeTakeFirst();
  if (!open) {
    throw new AppError(
      "conflict",
      "reply_window_closed",
      "WeChat shows the typing indicator only while the customer-service window is open.",
    );
  }
  await callWechatAsAdmin(ctx, account, "/cgi-bin/message/custom/typing", {
    body: { touser: openId, command: typing ? "Typing" : "CancelTyping" },
  });
}

/** `POST /api/v1/channels/{id}/wechat/typing` `{openId, typing}` (204). */
export function registerTypingRoute(app: HttpApp, ctx: AppContext): void {
  app.post(
    "/api/v1/channels/:id/wechat/typing",
    {
      schema: {
        tags: ["channels"],
        params: z.strictObject({ id: z.uuid() }),
        body: z.strictObject({ openId: z.string().min(1).max(100), typing: z.boolean() }),
      },
      onRequest: guard(ctx, "messages.send"),
    },
    async (request, reply) => {
      const account = await findWechatAccount(ctx, actorOf(request).workspaceId, request.params.id);
      await setTyping(ctx, account, request.body.openId, request.body.typing);
      return reply.code(204).send();
    },
  );
}

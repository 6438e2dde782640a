/** The visitor use-cases of the web chat channel: sessions, messages, catch-up, identify, page views. */
import { uuidv7 } from "uuidv7";
import { z } from "zod";
import type { AppContext } from "../../../platform/context.ts";
import type { Executor } from "../../../platform/db.ts";
import { AppError } from "../../../platform/errors.ts";
import { runTransaction } from "../../../platform/outbox.ts";
import {
  DuplicateRace,
  findConversation,
  findMessage,
  listMessages,
  type MessageRow,
  receiveMessage,
} from "../../conversations/index.ts";
import { type IdentityInput, ingestEvents, resolveContact } from "../../profiles/index.ts";
import type { ChannelRow } from "../repository.ts";
import { preChatPhone, recordPreChat } from "./prechat.ts";
import { findVisitor, type VisitorRow, wc } from "./repository.ts";
import { isIdentityHashValid, signVisitorToken, type VisitorClaims } from "./token.ts";

export const SendMessageBody = z.strictObject({
  clientMessageId: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, "must be 8–64 letters, digits, - or _"),
  text: z.string().trim().min(1).max(5000),
});
export const IdentifyBody = z.strictObject({
  userId: z.string().trim().min(1).max(200),
  hash: z.string().max(128).optional(),
  email: z.email().max(320).optional(),
  name: z.string().trim().min(1).max(200).optional(),
});
export const PageViewBody = z.strictObject({
  url: z.url({ protocol: /^https?$/ }).max(2000),
  title: z.string().max(300).optional(),
  referrer: z.string().max(2000).optional(),
  /** Site-provided context (`Rapport.setContext`): flat values only. */
  context: z
    .record(z.string().max(60), z.union([z.string().max(500), z.number(), z.boolean(), z.null()]))
    .refine((c) => Object.keys(c).length <= 30, "at most 30 keys")
    .optional(),
});
export type PageView = z.infer<typeof PageViewBody>;

/** A visitor's message: text, or another type (an uploaded file) with its content. */
export type VisitorMessageInput = {
  clientMessageId: string;
  text?: string | undefined;
  type?: string | undefined;
  content?: Record<string, unknown> | undefined;
};

/** Starts a visitor: a row and its token. */
export async function startVisitor(
  ctx: AppContext,
  channel: ChannelRow,
  secret: string,
  language: string | undefined,
): Promise<{ visitorId: string; token: string }> {
  const visitorId = uuidv7();
  await wc(ctx.database.db)
    .insertInto("webchat_visitors")
    .values({
      workspace_id: channel.workspace_id,
      id: visitorId,
      channel_id: channel.id,
      contact_id: null,
      conversation_id: null,
      user_id: null,
      email: null,
      name: null,
      language: language ?? null,
    })
    .execute();
  const claims = { workspaceId: channel.workspace_id, channelId: channel.id, visitorId };
  return { visitorId, token: signVisitorToken(secret, claims) };
}

/** The visitor a verified token names (a token outliving its visitor row is refused). */
export async function requireVisitor(ctx: AppContext, claims: VisitorClaims): Promise<VisitorRow> {
  const visitor = await findVisitor(ctx.database.db, claims.workspaceId, claims.channelId, claims.visitorId);
  if (!visitor) throw new AppError("unauthenticated", "visitor_token_invalid", "This visitor session has ended.");
  return visitor;
}

/** Whom a visitor's messages belong to: the identified user, else the email they gave in a form, else the visitor. */
function identityOf(visitor: VisitorRow): IdentityInput {
  if (visitor.user_id) return { kind: "crm_id", externalId: visitor.user_id };
  if (visitor.email) return { kind: "email", externalId: visitor.email };
  return { kind: "crm_id", externalId: `webchat:${visitor.id}` };
}

/** The dedupe key of a visitor's message: their client id, scoped to them. */
const platformIdOf = (visitorId: string, clientMessageId: string) => `${visitorId}:${clientMessageId}`;

/**
 * A visitor's message through the inbound pipeline: contact resolved (anonymous visitors become contacts
 * now), message stored once per client message id, conversation and case upserted, outbox events written.
 * Page views seen before the visitor was a contact go to the contact's timeline afterwards.
 */
export async function receiveVisitorMessage(
  ctx: AppContext,
  channel: ChannelRow,
  visitor: VisitorRow,
  input: VisitorMessageInput,
): Promise<{ message: MessageRow; duplicate: boolean }> {
  const ws = channel.workspace_id;
  const run = () =>
    runTransaction(ctx.database, async (tx) => {
      const { contactId } = await resolveContact(tx, { workspaceId: ws }, identityOf(visitor), {
        displayName: visitor.name ?? undefined,
        email: visitor.email ?? undefined,
        phone: preChatPhone(visitor),
        language: visitor.language ?? undefined,
        source: `channel:${channel.id}`,
      });
      const received = await receiveMessage(tx, {
        workspaceId: ws,
        channel: { id: channel.id, type: channel.type },
        contactId,
        externalThreadId: visitor.id,
        platformMessageId: platformIdOf(visitor.id, input.clientMessageId),
        type: input.type ?? "text",
        text: input.text,
        content: input.content ?? { text: input.text },
      });
      await wc(tx)
        .updateTable("webchat_visitors")
        .set({
          contact_id: contactId,
          last_seen_at: new Date(),
          case_id: received.caseId,
          ...(received.duplicate ? {} : { conversation_id: received.conversationId }),
        })
        .where("workspace_id", "=", ws)
        .where("id", "=", visitor.id)
        .execute();
      return { received, contactId };
    });
  let result: Awaited<ReturnType<typeof run>>;
  try {
    result = await run();
  } catch (err) {
    if (!(err instanceof DuplicateRace)) throw err;
    result = await run();
  }
  if (!visitor.contact_id) {
    await flushPendingPageViews(ctx, ws, visitor.id, result.contactId);
    if (visitor.prechat !== null && !result.received.duplicate) {
      await recordPreChat(ctx, visitor, result.contactId, result.received.caseId);
    }
  }
  const message = await findMessage(ctx.database.db, ws, result.received.messageId);
  if (!message) throw new AppError("internal", "message_missing", "The stored message cannot be read back.");
  return { message, duplicate: result.received.duplicate };
}

/** The visitor's conversation, oldest first: their messages and the public replies (never notes), after a cursor. */
export async function visitorMessages(
  ctx: AppContext,
  visitor: VisitorRow,
  after: string | undefined,
): Promise<MessageRow[]> {
  if (!visitor.conversation_id) return [];
  const { db } = ctx.database;
  const conversation = await findConversation(db, visitor.workspace_id, visitor.conversation_id);
  if (!conversation) return [];
  const out: MessageRow[] = [];
  let cursor = after;
  // A case holds other conversations' messages and private notes too: page through and keep the visitor's.
  for (let pages = 0; pages < 20 && out.length < 500; pages += 1) {
    const rows = await listMessages(db, visitor.workspace_id, conversation.case_id, cursor, 200);
    const page = rows.slice(0, 200);
    for (const m of page) if (m.conversation_id === conversation.id && !m.private) out.push(m);
    if (rows.length <= 200) break;
    cursor = page.at(-1)?.id;
  }
  return out.slice(0, 500);
}

/** Identifies a visitor as a user of the host site; refused (401) without the right hash. */
export async function identifyVisitor(
  ctx: AppContext,
  visitor: VisitorRow,
  secret: string,
  input: z.infer<typeof IdentifyBody>,
): Promise<void> {
  if (!input.hash) {
    throw new AppError(
      "unauthenticated",
      "identity_unverified",
      "identify needs `hash`: the hex HMAC-SHA256 of the user id with the channel's identity secret.",
    );
  }
  if (!isIdentityHashValid(secret, input.userId, input.hash)) {
    throw new AppError("unauthenticated", "identity_hash_invalid", "The identify hash does not match this user id.");
  }
  const ws = visitor.workspace_id;
  let contactId = visitor.contact_id;
  if (visitor.contact_id || visitor.conversation_id) {
    // Already a contact: later messages belong to the identified user's contact.
    const resolved = await runTransaction(ctx.database, (tx) =>
      resolveContact(
        tx,
        { workspaceId: ws },
        { kind: "crm_id", externalId: input.userId },
        {
          displayName: input.name,
          email: input.email,
          source: `channel:${visitor.channel_id}`,
        },
      ),
    );
    contactId = resolved.contactId;
  }
  await wc(ctx.database.db)
    .updateTable("webchat_visitors")
    .set({
      user_id: input.userId,
      email: input.email ?? visitor.email,
      name: input.name ?? visitor.name,
      contact_id: contactId,
      last_seen_at: new Date(),
    })
    .where("workspace_id", "=", ws)
    .where("id", "=", visitor.id)
    .execute();
}

function pageViewEvent(view: PageView, channelId: string, at: Date) {
  return {
    type: "page_view",
    occurredAt: at,
    source: "webchat",
    channel: "webchat",
    properties: {
      url: view.url,
      ...(view.title ? { title: view.title } : {}),
      ...(view.referrer ? { referrer: view.referrer } : {}),
      ...(view.context ? { context: view.context } : {}),
      channelId,
    },
  };
}

/** Records a page view on the visitor's contact timeline, or keeps it (the last 20) until they become a contact. */
export async function recordPageView(ctx: AppContext, visitor: VisitorRow, view: PageView): Promise<void> {
  const at = new Date();
  if (visitor.contact_id) {
    await ingestEvents(ctx, { type: "system", workspaceId: visitor.workspace_id }, [
      { ...pageViewEvent(view, visitor.channel_id, at), contactId: visitor.contact_id },
    ]);
    return;
  }
  const pending = Array.isArray(visitor.pending_page_views) ? (visitor.pending_page_views as unknown[]) : [];
  const next = [...pending, { ...view, at: at.toISOString() }].slice(-20);
  await wc(ctx.database.db)
    .updateTable("webchat_visitors")
    .set({ pending_page_views: JSON.stringify(next), last_seen_at: at })
    .where("workspace_id", "=", visitor.workspace_id)
    .where("id", "=", visitor.id)
    .execute();
}

const PendingView = PageViewBody.extend({ at: z.iso.datetime() });

async function flushPendingPageViews(ctx: AppContext, ws: string, visitorId: string, contactId: string) {
  const db: Executor = ctx.database.db;
  const row = await wc(db)
    .selectFrom("webchat_visitors")
    .select(["channel_id", "pending_page_views"])
    .where("workspace_id", "=", ws)
    .where("id", "=", visitorId)
    .executeTakeFirst();
  const parsed = z.array(PendingView).safeParse(row?.pending_page_views);
  if (!row || !parsed.success || parsed.data.length === 0) return;
  await wc(db)
    .updateTable("webchat_visitors")
    .set({ pending_page_views: "[]" })
    .where("workspace_id", "=", ws)
    .where("id", "=", visitorId)
    .execute();
  await ingestEvents(
    ctx,
    { type: "system", workspaceId: ws },
    parsed.data.map(({ at, ...view }) => ({ ...pageViewEvent(view, row.channel_id, new Date(at)), contactId })),
  );
}

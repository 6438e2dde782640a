/**
 * The optional external AI provider: any OpenAI-compatible `chat/completions` endpoint, off by default. A workspace
 * configures its own (URL, model, API key encrypted at rest) or uses the server's (`AI_PROVIDER_URL`,
 * `AI_PROVIDER_API_KEY`, `AI_PROVIDER_MODEL`). Used for case summaries, reply drafts and translation; calls time out
 * after `AI_PROVIDER_TIMEOUT_MS`. The key is sent only as the bearer token: never returned, logged or put in errors.
 */
import type { AppContext } from "../../../platform/context.ts";
import { decryptSecret, encryptSecret } from "../../../platform/crypto.ts";
import type { Executor } from "../../../platform/db.ts";
import { AppError } from "../../../platform/errors.ts";
import { assertOutboundUrl } from "../../../platform/net.ts";
import { listMessages, type MessageRow } from "../../conversations/index.ts";
import { SPIKE_DEFAULTS } from "./spikes.ts";
import { ai } from "./store.ts";

export type Provider = { url: string; model: string; apiKey: string | null; allowPrivate: boolean };
export type ProviderView = {
  configured: boolean;
  source: "workspace" | "server" | null;
  url: string | null;
  model: string | null;
  hasApiKey: boolean;
  allowPrivateNetwork: boolean;
};

async function settingsRow(db: Executor, ws: string) {
  return ai(db)
    .selectFrom("ai_settings")
    .select(["provider_url", "provider_model", "provider_key_encrypted", "provider_allow_private"])
    .where("workspace_id", "=", ws)
    .executeTakeFirst();
}

/** The workspace's provider (its own, else the server's), or undefined when none is configured. */
export async function findProvider(ctx: AppContext, ws: string): Promise<Provider | undefined> {
  const row = await settingsRow(ctx.database.db, ws);
  if (row?.provider_url) {
    return {
      url: row.provider_url,
      model: row.provider_model ?? ctx.config.AI_PROVIDER_MODEL,
      apiKey: row.provider_key_encrypted ? decryptSecret(ctx.secretKey, row.provider_key_encrypted) : null,
      allowPrivate: row.provider_allow_private,
    };
  }
  const { AI_PROVIDER_URL: url, AI_PROVIDER_API_KEY: apiKey, AI_PROVIDER_MODEL: model } = ctx.config;
  // The server's own endpoint is the operator's choice: private networks allowed.
  return url ? { url, model, apiKey: apiKey ?? null, allowPrivate: true } : undefined;
}

/** What the API shows of the provider (never the key). */
export async function providerView(ctx: AppContext, ws: string): Promise<ProviderView> {
  const row = await settingsRow(ctx.database.db, ws);
  if (row?.provider_url)
    return {
      configured: true,
      source: "workspace",
      url: row.provider_url,
      model: row.provider_model ?? ctx.config.AI_PROVIDER_MODEL,
      hasApiKey: row.provider_key_encrypted !== null,
      allowPrivateNetwork: row.provider_allow_private,
    };
  const url = ctx.config.AI_PROVIDER_URL ?? null;
  return {
    configured: url !== null,
    source: url ? "server" : null,
    url,
    model: url ? ctx.config.AI_PROVIDER_MODEL : null,
    hasApiKey: url !== null && ctx.config.AI_PROVIDER_API_KEY !== undefined,
    allowPrivateNetwork: url !== null,
  };
}

/**
 * Sets (or with a null URL, removes) the workspace's own provider. An absent `apiKey` keeps the stored one, null
 * removes it.
 */
export async function putProvider(
  ctx: AppContext,
  ws: string,
  input: {
    url: string | null;
    model?: string | undefined;
    apiKey?: string | null | undefined;
    allowPrivateNetwork: boolean;
  },
): Promise<ProviderView> {
  const { db } = ctx.database;
  if (input.url) await assertOutboundUrl(input.url, input.allowPrivateNetwork);
  const key =
    input.url === null || input.apiKey === null
      ? { provider_key_encrypted: null }
      : input.apiKey !== undefined
        ? { provider_key_encrypted: encryptSecret(ctx.secretKey, input.apiKey) }
        : {};
  const values = {
    provider_url: input.url,
    provider_model: input.url ? (input.model ?? null) : null,
    provider_allow_private: input.url ? input.allowPrivateNetwork : false,
    ...key,
  };
  const { watchedKeywords, minCount, factor } = SPIKE_DEFAULTS;
  await ai(db)
    .insertInto("ai_settings")
    .values({
      workspace_id: ws,
      watched_keywords: watchedKeywords,
      spike_min_count: minCount,
      spike_factor: factor,
      ...values,
    })
    .onConflict((oc) => oc.column("workspace_id").doUpdateSet({ ...values, updated_at: new Date() }))
    .execute();
  return providerView(ctx, ws);
}

type ChatMessage = { role: "system" | "user" | "assistant"; content: string };

const notConfigured = () =>
  new AppError(
    "conflict",
    "ai_provider_not_configured",
    "No external AI provider is configured: an admin sets one with PUT /api/v1/ai/provider (or the server's AI_PROVIDER_URL).",
  );

/** One chat completion: the assistant's text. Provider failures are 503 `ai_provider_failed`, without the key. */
export async function complete(ctx: AppContext, ws: string, messages: ChatMessage[]): Promise<string> {
  const provider = await findProvider(ctx, ws);
  if (!provider) throw notConfigured();
  const endpoint = `${provider.url.replace(/\/+$/, "")}/chat/completions`;
  await assertOutboundUrl(endpoint, provider.allowPrivate);
  const failed = (why: string) =>
    new AppError("unavailable", "ai_provider_failed", `The AI provider failed: ${why}. Try again later.`);
  let res: Response;
  try {
    res = await fetch(endpoint, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(provider.apiKey ? { authorization: `Bearer ${provider.apiKey}` } : {}),
      },
      body: JSON.stringify({ model: provider.model, messages, temperature: 0.2 }),
      redirect: "error",
      signal: AbortSignal.timeout(ctx.config.AI_PROVIDER_TIMEOUT_MS),
    });
  } catch (err) {
    const timedOut = err instanceof Error && err.name === "TimeoutError";
    throw failed(timedOut ? `no answer within ${ctx.config.AI_PROVIDER_TIMEOUT_MS} ms` : "it cannot be reached");
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => undefined);
    ctx.logger.warn({ workspaceId: ws, status: res.status }, "AI provider answered an error");
    throw failed(`it answered ${res.status}`);
  }
  const body = (await res.json().catch(() => undefined)) as
    | { choices?: { message?: { content?: unknown } }[] }
    | undefined;
  const content = body?.choices?.[0]?.message?.content;
  if (typeof content !== "string") throw failed("its answer has no choices[0].message.content");
  return content.trim();
}

const TRANSCRIPT_MESSAGES = 100;
const PAGE = 200;

/** The case's last messages (at most 100, private notes included for the agent's eyes), oldest first. */
async function lastMessages(db: Executor, ws: string, caseId: string): Promise<MessageRow[]> {
  let after: string | undefined;
  let kept: MessageRow[] = [];
  for (let page = 0; page < 50; page++) {
    const rows = await listMessages(db, ws, caseId, after, PAGE);
    kept = [...kept, ...rows.slice(0, PAGE)].slice(-TRANSCRIPT_MESSAGES);
    if (rows.length <= PAGE) break;
    after = rows[PAGE - 1]?.id;
  }
  return kept;
}

/** The case as a transcript for the provider: one line a message, who wrote it first. */
export async function transcriptOf(db: Executor, ws: string, caseId: string): Promise<string> {
  const rows = await lastMessages(db, ws, caseId);
  return rows
    .filter((m) => m.text.trim())
    .map((m) => {
      const who = m.private ? "Internal note" : m.direction === "inbound" ? "Customer" : "Agent";
      return `${who}: ${m.text.replace(/\s+/g, " ").slice(0, 2000)}`;
    })
    .join("\n");
}

export async function summarizeCase(ctx: AppContext, ws: string, caseId: string): Promise<string> {
  const transcript = await transcriptOf(ctx.database.db, ws, caseId);
  return complete(ctx, ws, [
    {
      role: "system",
      content:
        "You summarise customer-service conversations for the agent taking over: the customer's problem, what was done, what is still open. At most 5 short sentences, in the conversation's language.",
    },
    { role: "user", content: transcript || "(no messages)" },
  ]);
}

export async function draftReply(ctx: AppContext, ws: string, caseId: string, instructions?: string): Promise<string> {
  const transcript = await transcriptOf(ctx.database.db, ws, caseId);
  return complete(ctx, ws, [
    {
      role: "system",
      content:
        "You draft the customer-service agent's next reply to this conversation: polite, concise, in the customer's language, without inventing facts. Answer with the reply text only.",
    },
    {
      role: "user",
      content: `${transcript || "(no messages)"}${instructions ? `\n\nInstructions from the agent: ${instructions}` : ""}`,
    },
  ]);
}

export async function translate(ctx: AppContext, ws: string, text: string, to: string): Promise<string> {
  return complete(ctx, ws, [
    {
      role: "system",
      content: `Translate the user's text into the language with the code "${to}". Answer with the translation only.`,
    },
    { role: "user", content: text },
  ]);
}

import type { Executor } from "../../../platform/db.ts";
import { highlight, queryTerms, tsqueryLiteral } from "../../../platform/search-text.ts";
import {
  agentRepliesAfter,
  automationFacts,
  lastInboundMessage,
  similarCustomerMessages,
} from "../../conversations/index.ts";
import { searchArticles } from "../../knowledge/index.ts";
import { ensureMessageAnalysis } from "./store.ts";

const KB_LANG: Record<string, "en" | "fr" | "es" | "zh-CN"> = { en: "en", fr: "fr", es: "es", zh: "zh-CN" };

/** Suggestions for a case; undefined when the case is not in the workspace. */
export async function suggestReplies(db: Executor, ws: string, caseId: string, limit: number) {
  if (!(await automationFacts(db, ws, caseId))) return undefined;
  const message = await lastInboundMessage(db, ws, caseId);
  if (!message?.text.trim()) return { messageId: message?.id ?? null, articles: [], replies: [] };
  const analysis = await ensureMessageAnalysis(db, ws, message.id);
  const terms = queryTerms(message.text, { dropStopWords: true });
  const literal = tsqueryLiteral(terms, "any");

  const hits = await searchArticles(db, ws, message.text, { mode: "any", status: "published", limit: limit * 2 });
  // Among equally relevant articles, the customer's language first.
  const lang = analysis ? KB_LANG[analysis.language] : undefined;
  const articles = hits
    .map((h) => ({ h, score: h.score * (lang && h.version.lang === lang ? 1.2 : 1) }))
    .sort((x, y) => y.score - x.score)
    .slice(0, limit)
    .map(({ h, score }) => ({
      id: h.article.id,
      slug: h.article.slug,
      lang: h.version.lang,
      title: h.version.title,
      titleHighlight: h.titleHighlight,
      snippet: h.snippet,
      body: h.version.body,
      score,
    }));

  const replies: {
    messageId: string;
    caseId: string;
    text: string;
    createdAt: string;
    similarMessage: { messageId: string; highlight: string };
    score: number;
  }[] = [];
  if (literal) {
    const rows = await similarCustomerMessages(db, ws, literal, caseId, 50);
    // The replies that followed the similar messages, in one query (not two per hit).
    const byMessage = new Map(
      (
        await agentRepliesAfter(
          db,
          ws,
          rows.map((r) => r.message_id),
        )
      ).map((r) => [r.after_id, r]),
    );
    const seen = new Set<string>();
    for (const row of rows) {
      if (replies.length >= limit) break;
      const reply = byMessage.get(row.message_id);
      if (!reply) continue;
      const key = reply.text.trim().toLowerCase();
      if (seen.has(key)) continue;
      seen.add(key);
      replies.push({
        messageId: reply.id,
        caseId: row.case_id,
        text: reply.text,
        createdAt: new Date(reply.created_at).toISOString(),
        similarMessage: { messageId: row.message_id, highlight: highlight(reply.after_text, terms, 160) },
        score: Number(row.rank),
      });
    }
  }
  return { messageId: message.id, articles, replies };
}

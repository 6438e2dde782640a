/**
 * Customer satisfaction (CSAT) for web chat: when a visitor's case is solved the widget asks for a rating
 * (1–5, optional comment). One answer per case; the visitor may change it for 24 hours, then it is final.
 * Supervisors read the answers and a summary (count, average, distribution, CSAT % = share of 4–5).
 */
import { sql } from "kysely";
import { uuidv7 } from "uuidv7";
import { z } from "zod";
import type { AppContext } from "../../../platform/context.ts";
import type { Executor } from "../../../platform/db.ts";
import { AppError } from "../../../platform/errors.ts";
import type { HttpApp } from "../../../platform/http.ts";
import { decodeKeysetCursor, PageQuerySchema, toPage } from "../../../platform/pagination.ts";
import { findConversation, routingSnapshot } from "../../conversations/index.ts";
import { actorOf, guard, type Role } from "../../tenancy/index.ts";
import { type VisitorRow, wc } from "./repository.ts";

/** How long after the first answer a visitor may still change it. */
export const CSAT_EDIT_WINDOW_MS = 24 * 3600 * 1000;

export const CsatBody = z.strictObject({
  caseId: z.uuid(),
  rating: z.number().int().min(1, "must be 1 to 5").max(5, "must be 1 to 5"),
  comment: z.string().trim().max(1000).optional(),
});

const FINISHED = new Set(["solved", "closed"]);

/** The case of the visitor's conversation when it is solved or closed (what the widget asks a rating for). */
async function solvedCaseOf(db: Executor, visitor: VisitorRow): Promise<string | undefined> {
  if (!visitor.conversation_id) return undefined;
  const conversation = await findConversation(db, visitor.workspace_id, visitor.conversation_id);
  if (!conversation) return undefined;
  const snapshot = await routingSnapshot(db, visitor.workspace_id, conversation.case_id);
  return snapshot && FINISHED.has(snapshot.status) ? conversation.case_id : undefined;
}

function findResponse(db: Executor, ws: string, caseId: string) {
  return wc(db)
    .selectFrom("csat_responses")
    .selectAll()
    .where("workspace_id", "=", ws)
    .where("case_id", "=", caseId)
    .executeTakeFirst();
}

/** What the widget should ask: the solved case still waiting for a rating, or null. */
export async function csatPrompt(ctx: AppContext, visitor: VisitorRow): Promise<{ caseId: string } | null> {
  const { db } = ctx.database;
  const caseId = await solvedCaseOf(db, visitor);
  if (!caseId || (await findResponse(db, visitor.workspace_id, caseId))) return null;
  return { caseId };
}

/**
 * Stores the visitor's rating of their own solved case: the first answer, or a change within 24 hours.
 * Another case (someone else's, or not solved) is refused.
 */
export async function answerCsat(ctx: AppContext, visitor: VisitorRow, input: z.infer<typeof CsatBody>) {
  const { db } = ctx.database;
  const ws = visitor.workspace_id;
  const caseId = await solvedCaseOf(db, visitor);
  if (caseId !== input.caseId) {
    throw new AppError(
      "not_found",
      "csat_case_not_found",
      "There is no solved case of this visitor with this id to rate.",
      { field: "caseId" },
    );
  }
  const comment = input.comment ? input.comment : null;
  const inserted = await wc(db)
    .insertInto("csat_responses")
    .values({
      workspace_id: ws,
      id: uuidv7(),
      case_id: caseId,
      contact_id: visitor.contact_id,
      channel_id: visitor.channel_id,
      rating: input.rating,
      comment,
    })
    .onConflict((oc) => oc.columns(["workspace_id", "case_id"]).doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted) return { response: presentCsat(inserted), updated: false };
  const existing = await findResponse(db, ws, caseId);
  if (!existing) throw new AppError("internal", "csat_missing", "The rating could not be stored; retry.");
  if (Date.now() - new Date(existing.created_at).getTime() > CSAT_EDIT_WINDOW_MS) {
    throw new AppError(
      "conflict",
      "csat_answer_final",
      "This case was already rated more than 24 hours ago; the rating can no longer be changed.",
    );
  }
  const updated = await wc(db)
    .updateTable("csat_responses")
    .set({ rating: input.rating, comment, updated_at: new Date() })
    .where("workspace_id", "=", ws)
    .where("id", "=", existing.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return { response: presentCsat(updated), updated: true };
}

type CsatRow = Awaited<ReturnType<typeof findResponse>> & {};

function presentCsat(r: CsatRow) {
  return {
    id: r.id,
    caseId: r.case_id,
    contactId: r.contact_id,
    channelId: r.channel_id,
    rating: r.rating,
    comment: r.comment,
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}

/** The visitors whose conversation belongs to a case, when it is solved or closed and not rated yet (to prompt them live). */
export async function visitorsToPrompt(ctx: AppContext, ws: string, caseId: string) {
  const { db } = ctx.database;
  const snapshot = await routingSnapshot(db, ws, caseId);
  if (!snapshot || !FINISHED.has(snapshot.status) || (await findResponse(db, ws, caseId))) return [];
  return wc(db)
    .selectFrom("webchat_visitors")
    .select(["id", "channel_id"])
    .where("workspace_id", "=", ws)
    .where("case_id", "=", caseId)
    .limit(20)
    .execute();
}

const Instant = z.union([z.iso.datetime({ offset: true }), z.iso.date()], {
  error: "must be an ISO date (2026-12-01) or date-time (2026-12-01T09:00:00Z)",
});
const Range = z.strictObject({ from: Instant.optional(), to: Instant.optional() });

function rangeOf(query: z.infer<typeof Range>): { from?: Date; to?: Date } {
  const from = query.from ? new Date(query.from) : undefined;
  const to = query.to ? new Date(query.to) : undefined;
  if (from && to && from > to) {
    throw new AppError("invalid", "range_invalid", "`from` must be before `to`.", { field: "from" });
  }
  return { ...(from ? { from } : {}), ...(to ? { to } : {}) };
}

function inRange(db: Executor, ws: string, range: { from?: Date; to?: Date }) {
  let query = wc(db).selectFrom("csat_responses").where("workspace_id", "=", ws);
  if (range.from) query = query.where("created_at", ">=", range.from);
  if (range.to) query = query.where("created_at", "<", range.to);
  return query;
}

/** CSAT answers are reports: supervisors and above, and analysts. */
const READERS: readonly Role[] = ["owner", "admin", "supervisor", "analyst"];
function assertReader(role: Role): void {
  if (!READERS.includes(role)) {
    throw new AppError("forbidden", "forbidden", "Reading CSAT answers needs the supervisor, admin or analyst role.");
  }
}

const parseKey = (key: string) => {
  const [at, id] = key.split("|");
  const date = at ? new Date(at) : undefined;
  return date && !Number.isNaN(date.getTime()) && id && z.uuid().safeParse(id).success ? { at: date, id } : undefined;
};

/** The supervisors' CSAT API: paged answers (newest first) and a summary, both over `from` ≤ created_at < `to`. */
export function registerCsatRoutes(app: HttpApp, ctx: AppContext): void {
  const tags = { tags: ["csat"] };
  app.get(
    "/api/v1/csat",
    { schema: { ...tags, querystring: Range.extend(PageQuerySchema.shape) }, onRequest: guard(ctx, "cases.read") },
    async (request) => {
      const actor = actorOf(request);
      assertReader(actor.role);
      const { cursor, limit, ...query } = request.query;
      const after = decodeKeysetCursor(cursor, parseKey);
      let rows = inRange(ctx.database.db, actor.workspaceId, rangeOf(query)).selectAll();
      // The cursor holds milliseconds (an ISO time): page at that precision, or answers of one millisecond with
      // more microseconds than the cursor would fall between two pages.
      const at = sql<Date>`date_trunc('milliseconds', created_at)`;
      if (after) rows = rows.where(sql<boolean>`(${at}, id) < (${after.at}::timestamptz, ${after.id}::uuid)`);
      const found = await rows
        .orderBy(at, "desc")
        .orderBy("id", "desc")
        .limit(limit + 1)
        .execute();
      return toPage(found, limit, (r) => `${new Date(r.created_at).toISOString()}|${r.id}`, presentCsat);
    },
  );

  app.get(
    "/api/v1/csat/summary",
    { schema: { ...tags, querystring: Range }, onRequest: guard(ctx, "cases.read") },
    async (request) => {
      const actor = actorOf(request);
      assertReader(actor.role);
      const groups = await inRange(ctx.database.db, actor.workspaceId, rangeOf(request.query))
        .select(["rating", sql<string>`count(*)`.as("n")])
        .groupBy("rating")
        .execute();
      const distribution: Record<"1" | "2" | "3" | "4" | "5", number> = { 1: 0, 2: 0, 3: 0, 4: 0, 5: 0 };
      let count = 0;
      let sum = 0;
      let satisfied = 0;
      for (const g of groups) {
        const n = Number(g.n);
        distribution[String(g.rating) as keyof typeof distribution] = n;
        count += n;
        sum += n * g.rating;
        if (g.rating >= 4) satisfied += n;
      }
      return {
        count,
        average: count ? Math.round((sum / count) * 100) / 100 : null,
        distribution,
        csatPercent: count ? Math.round((satisfied / count) * 1000) / 10 : null,
      };
    },
  );
}

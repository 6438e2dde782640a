// The inbox's own calls: saved views, counts of the views, bulk actions, the channel list for per-channel views.
import {
  type Case,
  type CaseFilters,
  type CasePriority,
  type CaseSort,
  type CaseStatus,
  type Page,
  requestJson,
  withQuery,
} from "../api.ts";

/** A saved view: the member's own filters (query-string shape) and order. */
export type SavedView = {
  id: string;
  name: string;
  filters: Omit<CaseFilters, "sort">;
  sort: CaseSort;
  position: number;
};

export type ChannelSummary = { id: string; type: string; name: string; disabledAt: string | null };

export type BulkPatch = {
  status?: CaseStatus;
  priority?: CasePriority;
  assigneeId?: string | null;
  teamId?: string | null;
  addTags?: string[];
  removeTags?: string[];
};

export type BulkResult =
  | {
      caseId: string;
      ok: true;
      before?: { status: CaseStatus; priority: CasePriority; assigneeId: string | null; teamId: string | null };
      case?: Case;
      operationId?: string;
    }
  | { caseId: string; ok: false; error: { reason: string; message: string } };

export type BulkOutcome = { results: BulkResult[]; succeeded: number; failed: number };

/** Query keys: under `cases`, so a reconnect's catch-up refetches them too. */
export const inboxKeys = {
  counts: (keys: string) => ["cases", "counts", keys] as const,
  savedViews: ["case-views"] as const,
  channels: ["inbox-channels"] as const,
};

export const fetchSavedViews = () => requestJson<{ data: SavedView[] }>("GET", "/api/v1/case-views");

export const createSavedView = (input: { name: string; filters: Omit<CaseFilters, "sort">; sort: CaseSort }) =>
  requestJson<SavedView>("POST", "/api/v1/case-views", input);

export const deleteSavedView = (id: string) =>
  requestJson<void>("DELETE", `/api/v1/case-views/${encodeURIComponent(id)}`);

/** Counts of many views (each a filter) in one request. */
export const fetchViewCounts = (views: Record<string, Omit<CaseFilters, "sort">>) =>
  requestJson<{ counts: Record<string, number> }>("POST", "/api/v1/cases/counts", { views });

export const fetchInboxChannels = () =>
  requestJson<Page<ChannelSummary>>("GET", withQuery("/api/v1/channels", { limit: 200 }));

/** The server takes at most this many cases per bulk request (one transaction each). */
export const BULK_CHUNK = 500;

async function inChunks(caseIds: string[], body: (ids: string[]) => object): Promise<BulkOutcome> {
  const outcome: BulkOutcome = { results: [], succeeded: 0, failed: 0 };
  for (let i = 0; i < caseIds.length; i += BULK_CHUNK) {
    const part = await requestJson<BulkOutcome>("POST", "/api/v1/cases/bulk", body(caseIds.slice(i, i + BULK_CHUNK)));
    outcome.results.push(...part.results);
    outcome.succeeded += part.succeeded;
    outcome.failed += part.failed;
  }
  return outcome;
}

/** One change to many cases (500 per request, each request one transaction). */
export const bulkUpdate = (caseIds: string[], patch: BulkPatch) =>
  inChunks(caseIds, (ids) => ({ action: "update", caseIds: ids, patch }));

/** Merges the cases into one target. */
export const bulkMerge = (caseIds: string[], targetCaseId: string) =>
  inChunks(caseIds, (ids) => ({ action: "merge", caseIds: ids, targetCaseId }));

/** Undoes a merge (or split) operation. */
export const undoCaseOperation = (operationId: string) =>
  requestJson<unknown>("POST", `/api/v1/case-operations/${encodeURIComponent(operationId)}/undo`);

// The Customer 360 endpoints of the profiles API (docs/profiles.md) and the hooks the customer panel uses.
import { type InfiniteData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type Case, type ContactProfile, fetchCases, type Page, requestJson, withQuery } from "../api.ts";

export type AttributeType = "text" | "number" | "date" | "boolean" | "select" | "multiselect";

export type AttributeDefinition = { key: string; label: string; type: AttributeType; options: string[] };

export type ContactValue = { value: string; valid: boolean };

export type Money = { currency: string; amount: string };

/** `GET /api/v1/contacts/:id` with what the profile derives (orders, last location, lifecycle). */
export type Profile360 = Omit<ContactProfile, "emails" | "phones"> & {
  /** As entered, with whether it is a valid address / number (invalid ones are flagged, never "fixed"). */
  emails: ContactValue[];
  phones: ContactValue[];
  attributes: Record<string, unknown>;
  mergedContactIds: string[];
  commerce?: { orderCount: number; lifetimeValue: Money[]; lastOrderAt: string | null };
  lastLocation?: { latitude: number; longitude: number; label: string | null; occurredAt: string } | null;
  lifecycle?: { stage: string; computedAt: string } | null;
};

export type ContactPatch = { tags?: string[]; attributes?: Record<string, unknown> };

export type TimelineEvent = {
  id: string;
  type: string;
  occurredAt: string;
  source: string | null;
  channel: string | null;
  properties: Record<string, unknown>;
};

export type Order = {
  id: string;
  externalId: string;
  source: string | null;
  status: string;
  currency: string;
  total: string;
  placedAt: string;
  lines: { lineNo: number; name: string; quantity: string }[];
};

export type LocationPoint = {
  id: string;
  latitude: number;
  longitude: number;
  accuracyM: number | null;
  label: string | null;
  channel: string | null;
  occurredAt: string;
};

export type DuplicateReason =
  | { code: "same_email" | "same_phone" | "same_name" | "same_company" | "transliterated_name"; value: string }
  | { code: "similar_name"; distance: number };

export type Duplicate = {
  contact: { id: string; displayName: string | null; company: string | null };
  level: "certain" | "probable";
  score: number;
  reasons: DuplicateReason[];
};

export type Decision = {
  id: string;
  kind: "merge" | "unmerge";
  targetContactId: string;
  sourceContactId: string;
  basis: string;
  undoesId: string | null;
  reason: string | null;
  createdAt: string;
};

/** Query keys below `["contacts", id]`, so invalidating the contact refreshes every part of the panel. */
export const contact360Keys = {
  profile: (id: string) => ["contacts", id] as const,
  timeline: (id: string, types: string) => ["contacts", id, "timeline", types] as const,
  orders: (id: string) => ["contacts", id, "orders"] as const,
  locations: (id: string) => ["contacts", id, "locations"] as const,
  duplicates: (id: string) => ["contacts", id, "duplicates"] as const,
  decisions: (id: string) => ["contacts", id, "decisions"] as const,
  cases: (id: string) => ["contacts", id, "cases"] as const,
  attributeDefinitions: ["contact-attributes"] as const,
};

const contactPath = (id: string, rest = "") => `/api/v1/contacts/${encodeURIComponent(id)}${rest}`;

export function fetchProfile360(id: string): Promise<Profile360> {
  return requestJson("GET", contactPath(id));
}

export function patchContact(id: string, patch: ContactPatch): Promise<Profile360> {
  return requestJson("PATCH", contactPath(id), patch);
}

/** The customer profile with its derived parts (shares its cache entry with the case header's name lookup). */
export function useProfile360(contactId: string) {
  return useQuery({ queryKey: contact360Keys.profile(contactId), queryFn: () => fetchProfile360(contactId) });
}

/** The workspace's custom attribute definitions (cached for a few minutes). */
export function useAttributeDefinitions() {
  return useQuery({
    queryKey: contact360Keys.attributeDefinitions,
    queryFn: () => requestJson<{ data: AttributeDefinition[] }>("GET", "/api/v1/contact-attributes"),
    staleTime: 5 * 60_000,
    select: (result) => result.data,
  });
}

/**
 * Saves a change to the contact: shown at once in the cached profile, put back as it was if the server refuses
 * (the error stays on the mutation for the caller to show). The PATCH answer lacks the derived parts, so it is
 * merged into the cached profile rather than replacing it.
 */
export function useContactUpdate(contactId: string) {
  const queryClient = useQueryClient();
  const key = contact360Keys.profile(contactId);
  return useMutation({
    mutationFn: (patch: ContactPatch) => patchContact(contactId, patch),
    onMutate: async (patch) => {
      await queryClient.cancelQueries({ queryKey: key, exact: true });
      const previous = queryClient.getQueryData<Profile360>(key);
      if (previous) {
        queryClient.setQueryData<Profile360>(key, {
          ...previous,
          ...(patch.tags ? { tags: patch.tags } : {}),
          ...(patch.attributes ? { attributes: { ...previous.attributes, ...patch.attributes } } : {}),
        });
      }
      return { previous };
    },
    onError: (_error, _patch, context) => {
      if (context?.previous) queryClient.setQueryData(key, context.previous);
    },
    onSuccess: (updated) =>
      queryClient.setQueryData<Profile360>(key, (previous) => (previous ? { ...previous, ...updated } : updated)),
  });
}

/** The timeline, newest first, 20 events a page; `types` is the API's `type` filter (`order.*,location`). */
export function useTimeline(contactId: string, types: string) {
  return useInfiniteQuery({
    queryKey: contact360Keys.timeline(contactId, types),
    queryFn: ({ pageParam }) =>
      requestJson<Page<TimelineEvent>>(
        "GET",
        withQuery(contactPath(contactId, "/timeline"), { type: types, cursor: pageParam, limit: 20 }),
      ),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}

/** A list of the profile read page by page (orders, locations). */
function usePagedList<T>(key: readonly unknown[], path: string, limit: number) {
  return useInfiniteQuery<Page<T>, Error, InfiniteData<Page<T>>, readonly unknown[], string | undefined>({
    queryKey: key,
    queryFn: ({ pageParam }) => requestJson<Page<T>>("GET", withQuery(path, { cursor: pageParam, limit })),
    initialPageParam: undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}

export function useOrders(contactId: string) {
  return usePagedList<Order>(contact360Keys.orders(contactId), contactPath(contactId, "/orders"), 5);
}

export function useLocations(contactId: string) {
  return usePagedList<LocationPoint>(contact360Keys.locations(contactId), contactPath(contactId, "/locations"), 10);
}

/** The customer's unsolved cases (open, pending, on hold). */
export function useOpenCases(contactId: string) {
  return useQuery({
    queryKey: contact360Keys.cases(contactId),
    queryFn: () => fetchCases({ contactId, status: "open,pending,on-hold" }, undefined, 20),
    select: (page: Page<Case>) => page.data,
  });
}

export function useDuplicates(contactId: string) {
  return useQuery({
    queryKey: contact360Keys.duplicates(contactId),
    queryFn: () => requestJson<{ data: Duplicate[] }>("GET", contactPath(contactId, "/duplicates")),
    select: (result) => result.data,
  });
}

export function useDecisions(contactId: string) {
  return useQuery({
    queryKey: contact360Keys.decisions(contactId),
    queryFn: () => requestJson<{ data: Decision[] }>("GET", contactPath(contactId, "/decisions")),
    select: (result) => result.data,
  });
}

export function mergeContact(targetId: string, sourceId: string, reason: string): Promise<{ decision: Decision }> {
  return requestJson("POST", contactPath(targetId, "/merge"), { sourceId, reason });
}

export function unmergeContact(
  contactId: string,
  decisionId: string,
  reason?: string,
): Promise<{ decision: Decision }> {
  return requestJson("POST", contactPath(contactId, "/unmerge"), { decisionId, ...(reason ? { reason } : {}) });
}

export function dismissDuplicate(contactId: string, otherId: string): Promise<void> {
  return requestJson("POST", contactPath(contactId, `/duplicates/${encodeURIComponent(otherId)}/dismiss`), {});
}

/** The merges of this profile that are still in force (a later unmerge undoes one), newest first. */
export function activeMerges(decisions: readonly Decision[]): Decision[] {
  const undone = new Set(decisions.map((d) => d.undoesId).filter((id): id is string => id !== null));
  return decisions
    .filter((d) => d.kind === "merge" && !undone.has(d.id))
    .sort((x, y) => y.createdAt.localeCompare(x.createdAt));
}

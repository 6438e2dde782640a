import { useIsFetching, useQuery } from "@tanstack/react-query";
import { useEffect, useMemo, useState } from "react";
import { type CaseFilters, caseKeys } from "../api.ts";
import { fetchInboxChannels, fetchSavedViews, fetchViewCounts, inboxKeys } from "./inbox-api.ts";
import { builtinViews, channelViewKey, type InboxViewDef, savedViewKey, unsolved } from "./views.ts";

const fiveMinutes = 5 * 60_000;

/** Every view of the member: built-in, one per active channel, and their saved views. */
export function useInboxViews(): { views: InboxViewDef[]; isLoaded: boolean } {
  const channels = useQuery({ queryKey: inboxKeys.channels, queryFn: fetchInboxChannels, staleTime: fiveMinutes });
  const saved = useQuery({ queryKey: inboxKeys.savedViews, queryFn: fetchSavedViews, staleTime: fiveMinutes });
  const views = useMemo(() => {
    const perChannel: InboxViewDef[] = (channels.data?.data ?? [])
      .filter((channel) => channel.disabledAt === null)
      .map((channel) => ({
        key: channelViewKey(channel.id),
        label: channel.name,
        named: true,
        kind: "channel",
        filters: { channelId: channel.id, status: unsolved },
      }));
    const mine: InboxViewDef[] = (saved.data?.data ?? []).map((view) => ({
      key: savedViewKey(view.id),
      id: view.id,
      label: view.name,
      named: true,
      kind: "saved",
      filters: view.filters,
      sort: view.sort,
    }));
    return [...builtinViews, ...perChannel, ...mine];
  }, [channels.data, saved.data]);
  // A failed lookup still lets the built-in views work.
  return { views, isLoaded: !channels.isPending && !saved.isPending };
}

/**
 * The number of cases in each view, in one request; refetched when case lists go stale (realtime events,
 * throttled in realtime.tsx) and every minute besides.
 */
export function useViewCounts(views: InboxViewDef[], enabled = true): Record<string, number> | undefined {
  const filters = useMemo(() => {
    const byKey: Record<string, Omit<CaseFilters, "sort">> = {};
    for (const view of views) {
      const { sort: _sort, ...rest } = view.filters;
      byKey[view.key] = rest;
    }
    return byKey;
  }, [views]);
  const key = useMemo(() => JSON.stringify(filters), [filters]);
  const counts = useQuery({
    queryKey: inboxKeys.counts(key),
    queryFn: () => fetchViewCounts(filters),
    staleTime: 5_000,
    refetchInterval: 60_000,
    enabled,
  });
  return counts.data?.counts;
}

/**
 * True once the first case list has loaded (or after 1.5 s, on pages without one): the counts, one query over
 * every case, wait so that the first rows come first on a single-connection database.
 */
export function useAfterFirstList(): boolean {
  const fetching = useIsFetching({ queryKey: caseKeys.lists() });
  const [state, setState] = useState<"waiting" | "loading" | "ready">("waiting");
  useEffect(() => {
    if (state === "waiting" && fetching > 0) setState("loading");
    else if (state === "loading" && fetching === 0) setState("ready");
  }, [fetching, state]);
  useEffect(() => {
    const timer = setTimeout(() => setState("ready"), 1500);
    return () => clearTimeout(timer);
  }, []);
  return state === "ready";
}

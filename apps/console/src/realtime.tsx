// Live updates: one Socket.IO connection per signed-in tab (the session cookie authenticates it).
// Events carry ids only; each one invalidates the queries that show the object, which refetch.
import { type QueryClient, useQueryClient } from "@tanstack/react-query";
import { createContext, type ReactNode, useContext, useEffect, useState } from "react";
import { io } from "socket.io-client";
import { caseKeys } from "./api.ts";

export type RealtimeStatus = "connecting" | "connected" | "disconnected";

const RealtimeContext = createContext<RealtimeStatus>("disconnected");

type EventPayload = { id?: unknown; caseId?: unknown; messageId?: unknown };

function caseIdOf(payload: unknown): string | undefined {
  if (typeof payload !== "object" || payload === null) return undefined;
  const { caseId } = payload as EventPayload;
  return typeof caseId === "string" ? caseId : undefined;
}

/**
 * Invalidates the queries under `queryKey` at most once per `gapMs`, a moment after the first event of a burst:
 * a bulk action on 500 cases, or a busy queue, costs a couple of refetches, not one per event.
 */
function throttledInvalidation(queryClient: QueryClient, queryKey: readonly unknown[], gapMs: number) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let last = 0;
  const flush = () => {
    timer = undefined;
    last = Date.now();
    void queryClient.invalidateQueries({ queryKey });
  };
  return {
    schedule: () => {
      if (timer === undefined) timer = setTimeout(flush, Math.max(250, gapMs - (Date.now() - last)));
    },
    cancel: () => clearTimeout(timer),
  };
}

/**
 * Case lists refetch at most once a second and the views' counts (one query over every case) every three
 * seconds; the open case's own queries are not delayed.
 */
function listRefresher(queryClient: QueryClient): { schedule: () => void; cancel: () => void } {
  const lists = throttledInvalidation(queryClient, caseKeys.lists(), 1000);
  const counts = throttledInvalidation(queryClient, ["cases", "counts"], 3000);
  return {
    schedule: () => {
      lists.schedule();
      counts.schedule();
    },
    cancel: () => {
      lists.cancel();
      counts.cancel();
    },
  };
}

/** What each server event makes stale. */
function invalidateFor(queryClient: QueryClient, event: string, payload: unknown, refreshLists: () => void): void {
  const caseId = caseIdOf(payload);
  // The wallboard counts cases, messages and presence: any of them moves it (only refetched while shown).
  void queryClient.invalidateQueries({ queryKey: ["wallboard"] });
  switch (event) {
    case "case.created":
      refreshLists();
      break;
    case "case.updated":
      refreshLists();
      if (caseId) {
        void queryClient.invalidateQueries({ queryKey: caseKeys.detail(caseId) });
        void queryClient.invalidateQueries({ queryKey: caseKeys.events(caseId) });
      }
      break;
    case "message.created":
      refreshLists();
      if (caseId) {
        void queryClient.invalidateQueries({ queryKey: caseKeys.messages(caseId) });
        void queryClient.invalidateQueries({ queryKey: caseKeys.detail(caseId) });
        void queryClient.invalidateQueries({ queryKey: caseKeys.events(caseId) });
      }
      break;
    case "sla.at-risk":
    case "sla.breached":
      refreshLists();
      break;
    case "message.status":
      if (caseId) void queryClient.invalidateQueries({ queryKey: caseKeys.messages(caseId) });
      break;
  }
}

const caseEvents = [
  "case.created",
  "case.updated",
  "message.created",
  "message.status",
  "presence.changed",
  "sla.at-risk",
  "sla.breached",
] as const;

/** Connects while mounted; after a reconnect it refetches every case query to catch up on missed events. */
export function RealtimeProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<RealtimeStatus>("connecting");

  useEffect(() => {
    const socket = io({ path: "/socket.io", withCredentials: true, transports: ["websocket", "polling"] });
    let wasConnected = false;
    const lists = listRefresher(queryClient);
    socket.on("connect", () => {
      setStatus("connected");
      if (wasConnected) {
        void queryClient.invalidateQueries({ queryKey: caseKeys.all });
        void queryClient.invalidateQueries({ queryKey: ["wallboard"] });
      }
      wasConnected = true;
    });
    socket.on("disconnect", () => setStatus("disconnected"));
    socket.on("connect_error", () => setStatus("disconnected"));
    for (const event of caseEvents) {
      socket.on(event, (payload: unknown) => invalidateFor(queryClient, event, payload, lists.schedule));
    }
    return () => {
      lists.cancel();
      socket.removeAllListeners();
      socket.disconnect();
    };
  }, [queryClient]);

  return <RealtimeContext.Provider value={status}>{children}</RealtimeContext.Provider>;
}

/** Whether live updates are flowing. */
export function useRealtimeStatus(): RealtimeStatus {
  return useContext(RealtimeContext);
}

// Live updates: one Socket.IO connection per signed-in tab (the session cookie authenticates it).
// Events carry ids only; each one invalidates the queries that show the object, which refetch.
import { type QueryClient, useQueryClient } from "@tanstack/react-query";
import { createContext, type ReactNode, useContext, useEffect, useState } from "react";
import { io } from "socket.io-client";
import { caseKeys } from "./api.ts";
import { MENTION_EVENT } from "./case/mention-notifier.tsx";

export type RealtimeStatus = "connecting" | "connected" | "disconnected";

const RealtimeContext = createContext<RealtimeStatus>("disconnected");

type EventPayload = { id?: unknown; caseId?: unknown; messageId?: unknown };

function caseIdOf(payload: unknown): string | undefined {
  if (typeof payload !== "object" || payload === null) return undefined;
  const { caseId } = payload as EventPayload;
  return typeof caseId === "string" ? caseId : undefined;
}

/** What each server event makes stale. */
function invalidateFor(queryClient: QueryClient, event: string, payload: unknown): void {
  const caseId = caseIdOf(payload);
  // The wallboard counts cases, messages and presence: any of them moves it (only refetched while shown).
  void queryClient.invalidateQueries({ queryKey: ["wallboard"] });
  switch (event) {
    case "case.created":
      void queryClient.invalidateQueries({ queryKey: caseKeys.lists() });
      break;
    case "case.updated":
      void queryClient.invalidateQueries({ queryKey: caseKeys.lists() });
      if (caseId) {
        void queryClient.invalidateQueries({ queryKey: caseKeys.detail(caseId) });
        void queryClient.invalidateQueries({ queryKey: caseKeys.events(caseId) });
      }
      break;
    case "message.created":
      void queryClient.invalidateQueries({ queryKey: caseKeys.lists() });
      if (caseId) {
        void queryClient.invalidateQueries({ queryKey: caseKeys.messages(caseId) });
        void queryClient.invalidateQueries({ queryKey: caseKeys.detail(caseId) });
        void queryClient.invalidateQueries({ queryKey: caseKeys.events(caseId) });
        // A customer's message reopens the reply window of its conversation (the composer's countdown).
        void queryClient.invalidateQueries({ queryKey: ["cases", "conversations", caseId] });
      }
      break;
    case "message.status":
      if (caseId) void queryClient.invalidateQueries({ queryKey: caseKeys.messages(caseId) });
      break;
    case "mention.created":
      // The Mentions view; the notifier (case/mention-notifier.tsx) tells the mentioned member.
      void queryClient.invalidateQueries({ queryKey: caseKeys.lists() });
      window.dispatchEvent(new CustomEvent(MENTION_EVENT, { detail: payload }));
      break;
  }
}

const caseEvents = [
  "case.created",
  "case.updated",
  "message.created",
  "message.status",
  "mention.created",
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
      socket.on(event, (payload: unknown) => invalidateFor(queryClient, event, payload));
    }
    return () => {
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

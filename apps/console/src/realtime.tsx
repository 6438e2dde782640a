// Live updates: one Socket.IO connection per signed-in tab (the session cookie authenticates it).
// Events carry ids only; each one invalidates the queries that show the object, which refetch.
// After a reconnect every query is invalidated (what is on screen refetches at once, the rest when shown), so
// nothing missed while offline stays stale, and the case rooms followed are joined again.
import { type QueryClient, useQueryClient } from "@tanstack/react-query";
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useRef, useState } from "react";
import { io, type Socket } from "socket.io-client";
import { caseKeys, fetchCase, meQueryKey, type Session } from "./api.ts";
import { MENTION_EVENT } from "./case/mention-notifier.tsx";
import { notifyAssignment } from "./notifications.ts";

export type RealtimeStatus = "connecting" | "connected" | "disconnected";

/** Rooms followed by mounted components, with how many follow each (joined once, left when nobody does). */
type RoomBook = Map<string, number>;

type RealtimeValue = {
  status: RealtimeStatus;
  socket: Socket | null;
  follow: (room: string) => () => void;
};

const RealtimeContext = createContext<RealtimeValue>({
  status: "disconnected",
  socket: null,
  follow: () => () => undefined,
});

type EventPayload = {
  id?: unknown;
  caseId?: unknown;
  userId?: unknown;
  assigneeId?: unknown;
  actorType?: unknown;
  actorId?: unknown;
};

function payloadOf(payload: unknown): EventPayload {
  return typeof payload === "object" && payload !== null ? (payload as EventPayload) : {};
}

const str = (value: unknown) => (typeof value === "string" ? value : undefined);

/** The case was just given to the signed-in user by someone else (or by routing): notify them. */
async function maybeNotifyAssignment(queryClient: QueryClient, payload: EventPayload): Promise<void> {
  const me = queryClient.getQueryData<Session | null>(meQueryKey)?.user.id;
  const caseId = str(payload.caseId);
  if (!me || !caseId || payload.assigneeId !== me) return;
  if (payload.actorType === "user" && payload.actorId === me) return;
  const item = await queryClient.fetchQuery({
    queryKey: caseKeys.detail(caseId),
    queryFn: () => fetchCase(caseId),
    staleTime: 0,
  });
  if (item.assigneeId === me) notifyAssignment(item);
}

/** What each server event makes stale. */
function invalidateFor(queryClient: QueryClient, event: string, raw: unknown): void {
  const payload = payloadOf(raw);
  const caseId = str(payload.caseId);
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
      if (payload.assigneeId !== undefined) void maybeNotifyAssignment(queryClient, payload).catch(() => undefined);
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
    case "presence.changed":
      // Another tab (or device) of mine changed my presence: the header switcher follows.
      if (payload.userId === queryClient.getQueryData<Session | null>(meQueryKey)?.user.id) {
        void queryClient.invalidateQueries({ queryKey: ["presence"] });
      }
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

/** Connects while mounted; after a reconnect it refetches what may have changed and joins its rooms again. */
export function RealtimeProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<RealtimeStatus>("connecting");
  const [socket, setSocket] = useState<Socket | null>(null);
  const rooms = useRef<RoomBook>(new Map());

  useEffect(() => {
    const connection = io({ path: "/socket.io", withCredentials: true, transports: ["websocket", "polling"] });
    let wasConnected = false;
    connection.on("connect", () => {
      setStatus("connected");
      // Rooms live on the server's side of one connection: a new connection joins them again.
      for (const room of rooms.current.keys()) connection.emit("subscribe", room);
      // Catch-up: every event missed while offline is covered by refetching (active queries at once).
      if (wasConnected) void queryClient.invalidateQueries({ predicate: (query) => query.queryKey[0] !== "me" });
      wasConnected = true;
    });
    connection.on("disconnect", () => setStatus("disconnected"));
    connection.on("connect_error", () => setStatus("disconnected"));
    for (const event of caseEvents) {
      connection.on(event, (payload: unknown) => invalidateFor(queryClient, event, payload));
    }
    setSocket(connection);
    return () => {
      connection.removeAllListeners();
      connection.disconnect();
      setSocket(null);
    };
  }, [queryClient]);

  const follow = useCallback(
    (room: string) => {
      const book = rooms.current;
      const count = book.get(room) ?? 0;
      book.set(room, count + 1);
      if (count === 0 && socket?.connected) socket.emit("subscribe", room);
      return () => {
        const left = (book.get(room) ?? 1) - 1;
        if (left > 0) {
          book.set(room, left);
          return;
        }
        book.delete(room);
        if (socket?.connected) socket.emit("unsubscribe", room);
      };
    },
    [socket],
  );
  const value = useMemo(() => ({ status, socket, follow }), [status, socket, follow]);

  return <RealtimeContext.Provider value={value}>{children}</RealtimeContext.Provider>;
}

/** Whether live updates are flowing. */
export function useRealtimeStatus(): RealtimeStatus {
  return useContext(RealtimeContext).status;
}

/** The connection (null until it is made) and room following, for the typing indicators. */
export function useRealtime(): RealtimeValue {
  return useContext(RealtimeContext);
}

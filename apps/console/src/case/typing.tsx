// Typing indicators of an open case: the customer's (web chat visitors: `visitor.typing` from the server) and
// other agents' (`typing` relayed by the hub to whoever follows the same `case:<id>` room). Nothing is stored.
import { Group, Loader, Text } from "@mantine/core";
import { type FormEvent, useCallback, useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import type { Member, Session } from "../api.ts";
import { memberName } from "../directory.ts";
import { useRealtime } from "../realtime.tsx";

/** A "typing" signal shows for this long unless renewed (senders renew every 2 s while typing). */
const SHOW_FOR_MS = 6000;
/** The agent's own "typing" is sent at most this often, and "stopped" after this long without a keystroke. */
const SEND_EVERY_MS = 2000;
const IDLE_AFTER_MS = 4000;

type Typing = { customerUntil: number; agents: Map<string, number> };

type TypingPayload = { room?: unknown; caseId?: unknown; actorType?: unknown; actorId?: unknown; typing?: unknown };

/** Who is typing in the case now: the customer and/or the ids of other agents. Follows the case's room while mounted. */
export function useCaseTyping(caseId: string): { customer: boolean; agentIds: string[] } {
  const { socket, follow } = useRealtime();
  const [state, setState] = useState<Typing>({ customerUntil: 0, agents: new Map() });
  const [now, setNow] = useState(() => Date.now());

  useEffect(() => follow(`case:${caseId}`), [caseId, follow]);

  useEffect(() => {
    if (!socket) return;
    const room = `case:${caseId}`;
    const onVisitor = (payload: TypingPayload) => {
      if (payload?.caseId !== caseId) return;
      const until = payload.typing === true ? Date.now() + SHOW_FOR_MS : 0;
      setState((previous) => ({ ...previous, customerUntil: until }));
      setNow(Date.now());
    };
    const onAgent = (payload: TypingPayload) => {
      if (payload?.room !== room || payload.actorType !== "user" || typeof payload.actorId !== "string") return;
      const actorId = payload.actorId;
      setState((previous) => {
        const agents = new Map(previous.agents);
        if (payload.typing === true) agents.set(actorId, Date.now() + SHOW_FOR_MS);
        else agents.delete(actorId);
        return { ...previous, agents };
      });
      setNow(Date.now());
    };
    socket.on("visitor.typing", onVisitor);
    socket.on("typing", onAgent);
    return () => {
      socket.off("visitor.typing", onVisitor);
      socket.off("typing", onAgent);
    };
  }, [socket, caseId]);

  // Re-render once a second while someone shows as typing, so a signal that stops coming expires.
  const anyone = state.customerUntil > now || [...state.agents.values()].some((until) => until > now);
  useEffect(() => {
    if (!anyone) return;
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, [anyone]);

  return {
    customer: state.customerUntil > now,
    agentIds: [...state.agents.entries()].filter(([, until]) => until > now).map(([id]) => id),
  };
}

/**
 * An `onInput` handler for the case's text fields: tells the others following the case that I am typing
 * (at most every 2 s) and that I stopped (4 s after the last keystroke, or when the case closes).
 */
export function useTypingSignal(caseId: string): (event: FormEvent<HTMLElement>) => void {
  const { socket } = useRealtime();
  const lastSent = useRef(0);
  const idle = useRef<number | undefined>(undefined);
  const room = `case:${caseId}`;

  const stop = useCallback(() => {
    window.clearTimeout(idle.current);
    idle.current = undefined;
    if (lastSent.current !== 0) socket?.emit("typing", { room, typing: false });
    lastSent.current = 0;
  }, [socket, room]);

  useEffect(() => stop, [stop]);

  return useCallback(
    (event: FormEvent<HTMLElement>) => {
      const target = event.target;
      if (!(target instanceof HTMLTextAreaElement)) return;
      const now = Date.now();
      if (now - lastSent.current >= SEND_EVERY_MS) {
        socket?.emit("typing", { room, typing: true });
        lastSent.current = now;
      }
      window.clearTimeout(idle.current);
      idle.current = window.setTimeout(stop, target.value === "" ? 0 : IDLE_AFTER_MS);
    },
    [socket, room, stop],
  );
}

/** "The customer is typing…" / "Ann is typing…" above the composer (announced politely to screen readers). */
export function TypingIndicator({ caseId, members, session }: { caseId: string; members: Member[]; session: Session }) {
  const { t } = useTranslation();
  const typing = useCaseTyping(caseId);
  const names = typing.agentIds
    .filter((id) => id !== session.user.id)
    .map((id) => memberName(id, members, session) ?? t("c360.someone"));
  const lines = [
    ...(typing.customer ? [t("c360.customerTyping")] : []),
    ...(names.length ? [t("c360.agentsTyping", { names: names.join(", "), count: names.length })] : []),
  ];
  return (
    <div aria-live="polite" data-testid="typing-indicator">
      {lines.length > 0 && (
        <Group gap={6} px="md" py={2}>
          <Loader type="dots" size="xs" />
          <Text size="xs" c="dimmed">
            {lines.join(" · ")}
          </Text>
        </Group>
      )}
    </div>
  );
}

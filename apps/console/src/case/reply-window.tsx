import { Badge, Tooltip } from "@mantine/core";
import { IconClock, IconClockOff } from "@tabler/icons-react";
import { useTranslation } from "react-i18next";
import { formatDateTime, formatDuration, useLanguage } from "../format.ts";

export type WindowState =
  | { kind: "none" }
  | { kind: "open" | "closing" | "urgent"; leftMs: number }
  | { kind: "closed"; closedMs: number };

const HOUR = 3_600_000;

/** Where a reply window stands at `now`: none (no window), open, closing (< 4 h), urgent (< 1 h) or closed. */
export function replyWindowState(closesAt: string | null | undefined, now: number): WindowState {
  if (!closesAt) return { kind: "none" };
  const at = new Date(closesAt).getTime();
  if (Number.isNaN(at)) return { kind: "none" };
  const leftMs = at - now;
  if (leftMs <= 0) return { kind: "closed", closedMs: now - at };
  return { kind: leftMs < HOUR ? "urgent" : leftMs < 4 * HOUR ? "closing" : "open", leftMs };
}

const colors = { open: "gray", closing: "orange", urgent: "red" } as const;

/** The composer's countdown: time left to answer on the chosen channel, or "closed". */
export function WindowCountdown({ closesAt, now }: { closesAt: string | null | undefined; now: number }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const state = replyWindowState(closesAt, now);
  if (state.kind === "none" || !closesAt) return null;
  if (state.kind === "closed") {
    return (
      <Badge color="red" variant="light" leftSection={<IconClockOff size={12} />} data-testid="window-countdown">
        {t("workspace.composer.windowClosedShort")}
      </Badge>
    );
  }
  return (
    <Tooltip label={t("workspace.composer.windowClosesAt", { at: formatDateTime(closesAt, language) })}>
      <Badge
        color={colors[state.kind]}
        variant="light"
        leftSection={<IconClock size={12} />}
        data-testid="window-countdown"
        data-state={state.kind}
      >
        {t("workspace.composer.windowLeft", { left: formatDuration(state.leftMs, language) })}
      </Badge>
    </Tooltip>
  );
}

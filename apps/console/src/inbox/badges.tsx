import { Badge, type MantineColor, Tooltip } from "@mantine/core";
import { IconClock, IconClockOff } from "@tabler/icons-react";
import { useTranslation } from "react-i18next";
import type { CasePriority, CaseStatus, MessageStatus } from "../api.ts";
import { formatDateTime, formatDuration, useLanguage } from "../format.ts";

const priorityColors: Record<CasePriority, MantineColor> = {
  urgent: "red",
  high: "orange",
  normal: "blue",
  low: "gray",
};

const statusColors: Record<CaseStatus, MantineColor> = {
  open: "indigo",
  pending: "yellow",
  "on-hold": "grape",
  solved: "teal",
  closed: "gray",
};

const messageStatusColors: Record<MessageStatus, MantineColor> = {
  received: "gray",
  queued: "gray",
  sent: "blue",
  delivered: "teal",
  read: "green",
  failed: "red",
};

export function PriorityBadge({ priority }: { priority: CasePriority }) {
  const { t } = useTranslation();
  return (
    <Badge size="sm" variant={priority === "urgent" ? "filled" : "light"} color={priorityColors[priority]}>
      {t(`priority.${priority}`)}
    </Badge>
  );
}

export function StatusBadge({ status }: { status: CaseStatus }) {
  const { t } = useTranslation();
  return (
    <Badge size="sm" variant="dot" color={statusColors[status]}>
      {t(`status.${status}`)}
    </Badge>
  );
}

export function MessageStatusBadge({ status, error }: { status: MessageStatus; error: string | null }) {
  const { t } = useTranslation();
  const badge = (
    <Badge size="xs" variant="light" color={messageStatusColors[status]} data-testid="message-status">
      {t(`messageStatus.${status}`)}
    </Badge>
  );
  if (status !== "failed" || !error) return badge;
  return (
    <Tooltip label={error} multiline w={280}>
      {badge}
    </Tooltip>
  );
}

/** Time left to answer on the channel, from its reply window (WeChat 48 h, WhatsApp 24 h, …). */
export function ReplyWindowBadge({ closesAt, now }: { closesAt: string | null; now: number }) {
  const { t } = useTranslation();
  const language = useLanguage();
  if (closesAt === null) return null;
  const left = new Date(closesAt).getTime() - now;
  const at = formatDateTime(closesAt, language);
  if (left <= 0) {
    return (
      <Tooltip label={t("window.closedTooltip", { at })}>
        <Badge size="sm" variant="light" color="red" leftSection={<IconClockOff size={12} />}>
          {t("window.closed")}
        </Badge>
      </Tooltip>
    );
  }
  const color: MantineColor = left < 3_600_000 ? "red" : left < 4 * 3_600_000 ? "orange" : "gray";
  return (
    <Tooltip label={t("window.openTooltip", { at })}>
      <Badge size="sm" variant="light" color={color} leftSection={<IconClock size={12} />}>
        {t("window.left", { time: formatDuration(left, language) })}
      </Badge>
    </Tooltip>
  );
}

const slaColors = { ok: "gray", warning: "orange", breached: "red" } as const;

/** The case's SLA clock: when the next target falls due, orange when at risk, red once breached. */
export function SlaBadge({
  state,
  dueAt,
  now,
}: {
  state: "ok" | "warning" | "breached" | null | undefined;
  dueAt: string | null | undefined;
  now: number;
}) {
  const { t } = useTranslation();
  const language = useLanguage();
  if (!state || (state !== "breached" && !dueAt)) return null;
  const label =
    state === "breached"
      ? t("sla.breached")
      : t(`sla.${state}`, { time: formatDuration(new Date(dueAt ?? now).getTime() - now, language) });
  const badge = (
    <Badge size="sm" variant="light" color={slaColors[state]} data-testid="sla-badge" data-sla-state={state}>
      {label}
    </Badge>
  );
  return dueAt ? <Tooltip label={t("sla.dueAt", { at: formatDateTime(dueAt, language) })}>{badge}</Tooltip> : badge;
}

import { Alert, Skeleton, Stack, Text, Timeline } from "@mantine/core";
import {
  IconArrowBackUp,
  IconArrowsExchange,
  IconLock,
  IconPencil,
  IconPlus,
  IconUserCheck,
} from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { type CaseEvent, caseKeys, casePriorities, caseStatuses, fetchCaseEvents } from "../api.ts";
import { memberName, useTeams } from "../directory.ts";
import { describeError } from "../error-message.ts";
import { formatDateTime, formatRelative, useLanguage } from "../format.ts";
import type { CasePartProps } from "./case-view.tsx";

const knownActions = [
  "case.created",
  "case.updated",
  "case.reopened",
  "case.assigned",
  "note.added",
  "conversation.attached",
] as const;
type KnownAction = (typeof knownActions)[number];
const actionKey = (action: KnownAction) => action.replace(".", "_") as "case_created";

const icons: Record<KnownAction, ReactNode> = {
  "case.created": <IconPlus size={12} />,
  "case.updated": <IconPencil size={12} />,
  "case.reopened": <IconArrowBackUp size={12} />,
  "case.assigned": <IconUserCheck size={12} />,
  "note.added": <IconLock size={12} />,
  "conversation.attached": <IconArrowsExchange size={12} />,
};

const fields = ["status", "priority", "assigneeId", "teamId", "tags"] as const;
type Field = (typeof fields)[number];

function isKnownAction(action: string): action is KnownAction {
  return (knownActions as readonly string[]).includes(action);
}

type Change = { field: Field; from: unknown; to: unknown };

function changesOf(event: CaseEvent): Change[] {
  const changes = event.details?.changes;
  if (typeof changes !== "object" || changes === null) return [];
  return fields.flatMap((field) => {
    const change = (changes as Record<string, { from?: unknown; to?: unknown } | undefined>)[field];
    return change ? [{ field, from: change.from, to: change.to }] : [];
  });
}

/** The history of a case: who did what and when, with each field's old and new value. */
export function CaseHistory({ item, contactName, members, session, now }: CasePartProps) {
  const { t } = useTranslation();
  const language = useLanguage();
  const teams = useTeams();
  const query = useQuery({ queryKey: caseKeys.events(item.id), queryFn: () => fetchCaseEvents(item.id) });

  const describeValue = (field: Field, value: unknown): string => {
    if (value === null || value === undefined || (Array.isArray(value) && value.length === 0)) {
      return field === "assigneeId" ? t("case.unassigned") : field === "teamId" ? t("case.noTeam") : t("history.none");
    }
    if (field === "status" && (caseStatuses as readonly unknown[]).includes(value)) {
      return t(`status.${value as (typeof caseStatuses)[number]}`);
    }
    if (field === "priority" && (casePriorities as readonly unknown[]).includes(value)) {
      return t(`priority.${value as (typeof casePriorities)[number]}`);
    }
    if (field === "assigneeId") return memberName(value, members, session) ?? t("history.teammate");
    if (field === "teamId") return teams.find((team) => team.id === value)?.name ?? String(value);
    if (Array.isArray(value)) return value.join(", ");
    return String(value);
  };

  const actorOf = (event: CaseEvent): string => {
    switch (event.actorType) {
      case "user":
        return memberName(event.actorId, members, session) ?? t("history.teammate");
      case "contact":
        return contactName;
      case "bot":
        return t("history.bot");
      case "token":
        return t("history.apiToken");
      default:
        return t("history.system");
    }
  };

  if (query.isPending) {
    return (
      <Stack gap="sm">
        <Skeleton h={36} />
        <Skeleton h={36} />
        <Skeleton h={36} />
      </Stack>
    );
  }
  if (query.isError) {
    return (
      <Alert color="red" title={t("history.loadFailed")} role="alert">
        {describeError(query.error, t)}
      </Alert>
    );
  }
  const events = query.data.data;
  if (events.length === 0) return <Text c="dimmed">{t("history.empty")}</Text>;
  return (
    <Timeline bulletSize={22} lineWidth={2} active={events.length - 1} data-testid="case-history">
      {events.map((event) => {
        const known = isKnownAction(event.action);
        const reason = typeof event.details?.reason === "string" ? event.details.reason : null;
        return (
          <Timeline.Item
            key={event.id}
            bullet={known ? icons[event.action as KnownAction] : <IconPencil size={12} />}
            title={known ? t(`history.actions.${actionKey(event.action as KnownAction)}`) : event.action}
          >
            {changesOf(event).map((change) => (
              <Text size="sm" key={change.field}>
                {t(`history.fields.${change.field}`)}: {describeValue(change.field, change.from)} →{" "}
                <Text span fw={600} inherit>
                  {describeValue(change.field, change.to)}
                </Text>
              </Text>
            ))}
            {reason && (
              <Text size="xs" c="dimmed">
                {reason}
              </Text>
            )}
            <Text size="xs" c="dimmed" mt={2} title={formatDateTime(event.createdAt, language)}>
              {t("history.by", { name: actorOf(event) })} · {formatRelative(event.createdAt, now, language)}
            </Text>
          </Timeline.Item>
        );
      })}
    </Timeline>
  );
}

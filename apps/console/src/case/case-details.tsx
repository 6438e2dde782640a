import { Alert, Button, Select, Stack, TagsInput, Text } from "@mantine/core";
import { IconUserCheck } from "@tabler/icons-react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import {
  type Case,
  type CasePatch,
  type CasePriority,
  type CaseStatus,
  caseKeys,
  casePriorities,
  caseStatuses,
  type Member,
  type Session,
  updateCase,
} from "../api.ts";
import { useTeams } from "../directory.ts";
import { describeError } from "../error-message.ts";
import { formatDateTime, formatRelative, useLanguage } from "../format.ts";

const NONE = "none";

/** Status, priority, assignee, team and tags; each change is saved at once, shown optimistically, undone on error. */
export function CaseDetails({
  item,
  members,
  session,
  now,
}: {
  item: Case;
  members: Member[];
  session: Session;
  now: number;
}) {
  const { t } = useTranslation();
  const language = useLanguage();
  const queryClient = useQueryClient();
  const teams = useTeams();
  const key = caseKeys.detail(item.id);

  const update = useMutation({
    mutationFn: (patch: CasePatch) => updateCase(item.id, patch),
    onMutate: async (patch) => {
      await queryClient.cancelQueries({ queryKey: key });
      const previous = queryClient.getQueryData<Case>(key);
      if (previous) queryClient.setQueryData<Case>(key, { ...previous, ...patch });
      return { previous };
    },
    onError: (_error, _patch, context) => {
      if (context?.previous) queryClient.setQueryData(key, context.previous);
    },
    onSuccess: (updated) => queryClient.setQueryData(key, updated),
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: caseKeys.lists() });
      void queryClient.invalidateQueries({ queryKey: caseKeys.events(item.id) });
    },
  });

  const assignable = members.filter((member) => member.role !== "analyst");
  const dateLine = (label: string, iso: string | null) =>
    iso && (
      <Text size="xs" c="dimmed" title={formatDateTime(iso, language)}>
        {label}: {formatRelative(iso, now, language)}
      </Text>
    );

  return (
    <Stack gap="sm">
      {update.isError && (
        <Alert color="red" title={t("case.updateFailed")} role="alert" withCloseButton onClose={() => update.reset()}>
          {describeError(update.error, t)}
        </Alert>
      )}
      <Select
        label={t("case.status")}
        allowDeselect={false}
        data={caseStatuses.map((status) => ({ value: status, label: t(`status.${status}`) }))}
        value={item.status}
        onChange={(status) => {
          if (status && status !== item.status) update.mutate({ status: status as CaseStatus });
        }}
      />
      <Select
        label={t("case.priority")}
        allowDeselect={false}
        data={casePriorities.map((priority) => ({ value: priority, label: t(`priority.${priority}`) }))}
        value={item.priority}
        onChange={(priority) => {
          if (priority && priority !== item.priority) update.mutate({ priority: priority as CasePriority });
        }}
      />
      <Select
        label={t("case.assignee")}
        allowDeselect={false}
        searchable
        data={[
          { value: NONE, label: t("case.unassigned") },
          ...assignable.map((member) => ({ value: member.id, label: member.name })),
        ]}
        value={item.assigneeId ?? NONE}
        onChange={(value) => {
          const assigneeId = value === NONE || value === null ? null : value;
          if (assigneeId !== item.assigneeId) update.mutate({ assigneeId });
        }}
      />
      {item.assigneeId !== session.user.id && (
        <Button
          variant="light"
          size="xs"
          leftSection={<IconUserCheck size={14} />}
          onClick={() => update.mutate({ assigneeId: session.user.id })}
        >
          {t("case.assignToMe")}
        </Button>
      )}
      <Select
        label={t("case.team")}
        allowDeselect={false}
        data={[
          { value: NONE, label: t("case.noTeam") },
          ...teams.map((team) => ({ value: team.id, label: team.name })),
        ]}
        value={item.teamId ?? NONE}
        onChange={(value) => {
          const teamId = value === NONE || value === null ? null : value;
          if (teamId !== item.teamId) update.mutate({ teamId });
        }}
      />
      <TagsInput
        label={t("case.tags")}
        placeholder={t("case.tagsPlaceholder")}
        value={item.tags}
        onChange={(tags) => update.mutate({ tags: tags.map((tag) => tag.trim().toLowerCase()).filter(Boolean) })}
        clearable
      />
      <Stack gap={2} mt="xs">
        {dateLine(t("case.created"), item.createdAt)}
        {dateLine(t("case.lastMessage"), item.lastMessageAt)}
        {dateLine(t("case.solvedAt"), item.solvedAt)}
      </Stack>
    </Stack>
  );
}

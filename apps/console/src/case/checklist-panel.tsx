import { Alert, Badge, Checkbox, Divider, Group, Skeleton, Stack, Text } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { type Case, caseKeys } from "../api.ts";
import { describeError } from "../error-message.ts";
import { type CaseChecklist, fetchCaseChecklists, tickChecklistItem, workspaceKeys } from "./workspace-api.ts";

type Tick = { checklistId: string; itemId: string; ticked: boolean };

/** The audit checklists that apply to the case; ticking is saved at once (rolled back if refused). */
export function ChecklistPanel({ item }: { item: Case }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const key = workspaceKeys.checklists(item.id);
  // Tags decide which checklists apply: refetch when they change.
  const query = useQuery({ queryKey: [...key, item.tags.join(",")], queryFn: () => fetchCaseChecklists(item.id) });
  const tick = useMutation({
    mutationFn: ({ checklistId, itemId, ticked }: Tick) => tickChecklistItem(item.id, checklistId, itemId, ticked),
    onMutate: async ({ checklistId, itemId, ticked }) => {
      const queryKey = [...key, item.tags.join(",")];
      await queryClient.cancelQueries({ queryKey });
      const previous = queryClient.getQueryData<CaseChecklist[]>(queryKey);
      queryClient.setQueryData<CaseChecklist[]>(queryKey, (old) =>
        old?.map((list) =>
          list.id !== checklistId
            ? list
            : { ...list, items: list.items.map((i) => (i.id === itemId ? { ...i, ticked } : i)) },
        ),
      );
      return { previous, queryKey };
    },
    onError: (_error, _tick, context) => {
      if (context) queryClient.setQueryData(context.queryKey, context.previous);
    },
    onSuccess: (data) => queryClient.setQueryData([...key, item.tags.join(",")], data),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: caseKeys.events(item.id) }),
  });

  if (query.isPending) return <Skeleton h={60} />;
  if (query.isError) {
    return (
      <Alert color="red" title={t("workspace.checklist.loadFailed")}>
        {describeError(query.error, t)}
      </Alert>
    );
  }
  if (query.data.length === 0) return null;
  return (
    <Stack gap="xs" data-testid="checklists">
      <Divider label={t("workspace.checklist.title")} labelPosition="left" />
      {tick.isError && (
        <Alert color="red" title={t("workspace.checklist.tickFailed")} withCloseButton onClose={() => tick.reset()}>
          {describeError(tick.error, t)}
        </Alert>
      )}
      {query.data.map((list) => {
        const done = list.items.filter((i) => i.ticked).length;
        return (
          <Stack key={list.id} gap={4}>
            <Group justify="space-between" wrap="nowrap">
              <Text size="sm" fw={600}>
                {list.name}
              </Text>
              <Text size="xs" c="dimmed">
                {t("workspace.checklist.progress", { done, total: list.items.length })}
              </Text>
            </Group>
            {list.items.map((entry) => (
              <Checkbox
                key={entry.id}
                size="xs"
                checked={entry.ticked === true}
                onChange={(event) =>
                  tick.mutate({ checklistId: list.id, itemId: entry.id, ticked: event.currentTarget.checked })
                }
                label={
                  <Group gap={4} wrap="nowrap">
                    <Text size="sm">{entry.label}</Text>
                    {entry.required && (
                      <Badge size="xs" color="red" variant="light">
                        {t("workspace.checklist.required")}
                      </Badge>
                    )}
                  </Group>
                }
              />
            ))}
          </Stack>
        );
      })}
    </Stack>
  );
}

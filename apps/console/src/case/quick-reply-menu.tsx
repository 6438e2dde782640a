import { Alert, Group, Loader, Paper, ScrollArea, Stack, Text, UnstyledButton } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { describeError } from "../error-message.ts";
import { type QuickReply, renderQuickReply, searchQuickReplies, workspaceKeys } from "./workspace-api.ts";

type Props = {
  caseId: string;
  query: string;
  active: number;
  onActiveChange: (index: number) => void;
  onPick: (reply: QuickReply, renderedText: string | undefined) => void;
};

/** The quick replies whose shortcut or title match what follows `/`, with the highlighted one's preview. */
export function useQuickReplySearch(query: string, enabled = true) {
  return useQuery({
    queryKey: workspaceKeys.quickReplies(query),
    queryFn: () => searchQuickReplies(query),
    staleTime: 30_000,
    enabled,
  });
}

/** The highlighted quick reply rendered for this case (the server fills the variables). */
export function useRenderedReply(replyId: string | undefined, caseId: string) {
  return useQuery({
    queryKey: ["quick-replies", "render", replyId, caseId],
    queryFn: () => renderQuickReply(replyId as string, caseId),
    enabled: replyId !== undefined,
    staleTime: 30_000,
  });
}

/** The `/` menu: matching quick replies on the left, the chosen one's preview with the case's values. */
export function QuickReplyMenu({ caseId, query, active, onActiveChange, onPick }: Props) {
  const { t } = useTranslation();
  const list = useQuickReplySearch(query);
  const replies = list.data?.data ?? [];
  const index = Math.min(active, Math.max(0, replies.length - 1));
  const current = replies[index];
  const preview = useRenderedReply(current?.id, caseId);
  const rendered = preview.data;

  return (
    <Paper withBorder shadow="md" p={6} data-testid="quick-reply-menu">
      <Group align="stretch" gap="xs" wrap="nowrap">
        <ScrollArea.Autosize mah={220} w={220} type="auto">
          <Stack gap={2} role="listbox" aria-label={t("workspace.composer.quickReplies")}>
            {list.isPending && <Loader size="xs" m="xs" />}
            {list.isError && (
              <Text size="xs" c="red" role="alert">
                {describeError(list.error, t)}
              </Text>
            )}
            {list.isSuccess && replies.length === 0 && (
              <Text size="xs" c="dimmed" p="xs">
                {t("workspace.composer.noQuickReplies")}
              </Text>
            )}
            {replies.map((reply, i) => (
              <UnstyledButton
                key={reply.id}
                role="option"
                aria-selected={i === index}
                data-testid="quick-reply-option"
                onMouseEnter={() => onActiveChange(i)}
                onMouseDown={(event) => event.preventDefault()}
                onClick={() => onPick(reply, i === index ? rendered?.text : undefined)}
                px="xs"
                py={4}
                style={{
                  borderRadius: 4,
                  background: i === index ? "var(--mantine-primary-color-light)" : undefined,
                }}
              >
                <Text size="sm" fw={600} lineClamp={1}>
                  /{reply.shortcut}
                </Text>
                <Text size="xs" c="dimmed" lineClamp={1}>
                  {reply.title}
                </Text>
              </UnstyledButton>
            ))}
          </Stack>
        </ScrollArea.Autosize>
        {current && (
          <Stack gap={4} style={{ flex: 1, minWidth: 0 }} data-testid="quick-reply-preview">
            <Text size="xs" c="dimmed">
              {t("workspace.composer.preview")}
            </Text>
            {preview.isPending && <Loader size="xs" />}
            {preview.isError && (
              <Text size="xs" c="red" role="alert">
                {describeError(preview.error, t)}
              </Text>
            )}
            {rendered && (
              <>
                <Text size="sm" style={{ whiteSpace: "pre-wrap", overflowWrap: "anywhere" }}>
                  {rendered.text}
                </Text>
                {rendered.emptyVariables.length > 0 && (
                  <Alert color="orange" p={4} variant="light">
                    <Text size="xs">
                      {t("workspace.composer.emptyVariables", { names: rendered.emptyVariables.join(", ") })}
                    </Text>
                  </Alert>
                )}
                {rendered.unknownVariables.length > 0 && (
                  <Alert color="red" p={4} variant="light">
                    <Text size="xs">
                      {t("workspace.composer.unknownVariables", { names: rendered.unknownVariables.join(", ") })}
                    </Text>
                  </Alert>
                )}
              </>
            )}
          </Stack>
        )}
      </Group>
    </Paper>
  );
}

import { Badge, Button, Code, Group, Spoiler, Stack, Table, Text } from "@mantine/core";
import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { describeError } from "../error-message.ts";
import { formatDateTime, useLanguage } from "../format.ts";
import { type DeadLetter, fetchDeadLetters, retryDeadLetter, settingsKeys } from "./settings-api.ts";
import { EmptyState, QueryState, Section } from "./settings-parts.tsx";

/** A job's error as one readable line: the message of an Error-like object, else its JSON. */
function errorText(error: unknown): string {
  if (typeof error === "string") return error;
  if (error && typeof error === "object" && "message" in error && typeof error.message === "string") {
    return error.message;
  }
  return JSON.stringify(error);
}

function DeadLetterRow({ letter }: { letter: DeadLetter }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const queryClient = useQueryClient();
  const retry = useMutation({
    mutationFn: () => retryDeadLetter(letter.id),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: settingsKeys.deadLetters }),
  });
  return (
    <Table.Tr data-testid="dead-letter">
      <Table.Td>
        <Badge variant="light" color="gray">
          {letter.queue}
        </Badge>
      </Table.Td>
      <Table.Td>{formatDateTime(letter.failedAt, language)}</Table.Td>
      <Table.Td maw={420}>
        <Text size="sm" c="red" style={{ overflowWrap: "anywhere" }}>
          {errorText(letter.error)}
        </Text>
        <Spoiler
          maxHeight={0}
          showLabel={t("settings.deadLetters.showData")}
          hideLabel={t("settings.deadLetters.hideData")}
        >
          <Code block>{JSON.stringify(letter.data, null, 2)}</Code>
        </Spoiler>
      </Table.Td>
      <Table.Td>
        {retry.isSuccess ? (
          <Text size="sm" c="teal" role="status">
            {t("settings.deadLetters.retried")}
          </Text>
        ) : (
          <Stack gap={2}>
            <Button size="xs" variant="light" loading={retry.isPending} onClick={() => retry.mutate()}>
              {t("settings.deadLetters.retry")}
            </Button>
            {retry.error && (
              <Text size="xs" c="red" role="alert">
                {describeError(retry.error, t)}
              </Text>
            )}
          </Stack>
        )}
      </Table.Td>
    </Table.Tr>
  );
}

/** Jobs that failed every retry, newest first, each retryable. */
export function DeadLettersSettings() {
  const { t } = useTranslation();
  const query = useInfiniteQuery({
    queryKey: settingsKeys.deadLetters,
    queryFn: ({ pageParam }) => fetchDeadLetters(pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const letters = query.data?.pages.flatMap((page) => page.data) ?? [];
  return (
    <Section title={t("settings.deadLetters.title")} description={t("settings.deadLetters.description")}>
      <QueryState isPending={query.isPending} error={query.error} onRetry={() => void query.refetch()}>
        {letters.length === 0 ? (
          <EmptyState>{t("settings.deadLetters.empty")}</EmptyState>
        ) : (
          <Table striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("settings.deadLetters.queue")}</Table.Th>
                <Table.Th>{t("settings.deadLetters.failedAt")}</Table.Th>
                <Table.Th>{t("settings.deadLetters.error")}</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {letters.map((letter) => (
                <DeadLetterRow key={letter.id} letter={letter} />
              ))}
            </Table.Tbody>
          </Table>
        )}
        {query.hasNextPage && (
          <Group>
            <Button variant="subtle" onClick={() => void query.fetchNextPage()} loading={query.isFetchingNextPage}>
              {t("inbox.loadMore")}
            </Button>
          </Group>
        )}
      </QueryState>
    </Section>
  );
}

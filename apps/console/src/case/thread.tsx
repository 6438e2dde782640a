import { Alert, Badge, Group, Paper, ScrollArea, Skeleton, Stack, Text, Tooltip } from "@mantine/core";
import { IconLock } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import { useTranslation } from "react-i18next";
import { caseKeys, fetchAllMessages, type Member, type Message, type Session } from "../api.ts";
import { memberName } from "../directory.ts";
import { describeError } from "../error-message.ts";
import { formatDateTime, formatRelative, useLanguage } from "../format.ts";
import { MessageStatusBadge } from "../inbox/badges.tsx";
import type { CasePartProps } from "./case-view.tsx";
import { MessageMedia } from "./message-media.tsx";

function useAuthorName(contactName: string, members: Member[], session: Session) {
  const { t } = useTranslation();
  return (message: Message): string => {
    switch (message.authorType) {
      case "contact":
        return contactName;
      case "user":
        return memberName(message.authorId, members, session) ?? t("thread.agent");
      case "bot":
        return t("thread.bot");
      case "token":
        return t("thread.apiToken");
      default:
        return t("thread.system");
    }
  };
}

function MessageBubble({ message, author, now }: { message: Message; author: string; now: number }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const outbound = message.direction === "outbound";
  const background = message.private
    ? "var(--mantine-color-yellow-light)"
    : outbound
      ? "var(--mantine-primary-color-light)"
      : "var(--mantine-color-default)";
  const body = message.text.trim() ? message.text : t("thread.nonText", { type: message.type });
  return (
    <Group justify={outbound ? "flex-end" : "flex-start"} wrap="nowrap">
      <Paper
        withBorder
        radius="md"
        p="sm"
        maw="85%"
        bg={background}
        data-testid="message"
        data-direction={message.direction}
        data-private={message.private || undefined}
        style={message.private ? { borderColor: "var(--mantine-color-yellow-outline)", borderStyle: "dashed" } : {}}
      >
        <Group gap="xs" justify="space-between" wrap="nowrap" mb={4}>
          <Text size="xs" fw={700}>
            {author}
          </Text>
          {message.private && (
            <Badge size="xs" color="yellow" variant="light" leftSection={<IconLock size={10} />}>
              {t("thread.internalNote")}
            </Badge>
          )}
        </Group>
        {/* Customer content is rendered as text, never as HTML. */}
        <Text size="sm" style={{ whiteSpace: "pre-wrap", overflowWrap: "anywhere" }}>
          {body}
        </Text>
        <MessageMedia content={message.content} />
        <Group gap={6} justify="flex-end" mt={4}>
          <Tooltip label={formatDateTime(message.createdAt, language)} openDelay={300}>
            <Text size="xs" c="dimmed">
              {formatRelative(message.createdAt, now, language)}
            </Text>
          </Tooltip>
          {outbound && !message.private && <MessageStatusBadge status={message.status} error={message.error} />}
        </Group>
      </Paper>
    </Group>
  );
}

/** The case's messages, oldest first, kept scrolled to the newest. */
export function Thread({ item, contactName, members, session, now }: CasePartProps) {
  const { t } = useTranslation();
  const viewport = useRef<HTMLDivElement>(null);
  const query = useQuery({ queryKey: caseKeys.messages(item.id), queryFn: () => fetchAllMessages(item.id) });
  const authorOf = useAuthorName(contactName, members, session);
  const count = query.data?.length ?? 0;

  useEffect(() => {
    if (count > 0) viewport.current?.scrollTo({ top: viewport.current.scrollHeight });
  }, [count]);

  return (
    <ScrollArea style={{ flex: 1 }} viewportRef={viewport} type="auto">
      <Stack gap="sm" p="md" role="log" aria-label={t("thread.label")} aria-live="polite">
        {query.isPending &&
          [70, 55, 65].map((width, index) => (
            <Skeleton key={width} h={56} w={`${width}%`} ml={index === 1 ? "auto" : 0} radius="md" />
          ))}
        {query.isError && (
          <Alert color="red" title={t("thread.loadFailed")} role="alert">
            {describeError(query.error, t)}
          </Alert>
        )}
        {query.data?.length === 0 && (
          <Text c="dimmed" ta="center" size="sm" py="xl">
            {t("thread.empty")}
          </Text>
        )}
        {query.data?.map((message) => (
          <MessageBubble key={message.id} message={message} author={authorOf(message)} now={now} />
        ))}
      </Stack>
    </ScrollArea>
  );
}

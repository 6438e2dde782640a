import { Alert, Badge, Button, Group, Paper, ScrollArea, Skeleton, Stack, Text, Tooltip } from "@mantine/core";
import { IconLock, IconRefresh } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import { useTranslation } from "react-i18next";
import { caseKeys, fetchAllMessages, type Member, type MessageStatus, type Session } from "../api.ts";
import { memberName } from "../directory.ts";
import { describeError } from "../error-message.ts";
import { formatDateTime, formatRelative, useLanguage } from "../format.ts";
import { MessageStatusBadge } from "../inbox/badges.tsx";
import { useSearchParam } from "../router.ts";
import { ModerationBadge } from "./ai-moderation-badge.tsx";
import { ApprovalControls } from "./approval-controls.tsx";
import type { CasePartProps } from "./case-view.tsx";
import { MessageContent } from "./message-content.tsx";
import {
  type Conversation,
  fetchConversations,
  retryMessage,
  type ThreadMessage,
  workspaceKeys,
} from "./workspace-api.ts";

const supervisorRoles = new Set(["owner", "admin", "supervisor"]);
const deliveryStatuses = new Set<string>(["received", "queued", "sent", "delivered", "read", "failed"]);

/**
 * The case's conversations (channel threads) and the contact's threads on other channels, shared by the
 * thread's channel badges (the case's own only) and the composer's channel choice.
 */
export function useConversations(caseId: string): Conversation[] {
  const query = useQuery({ queryKey: workspaceKeys.conversations(caseId), queryFn: () => fetchConversations(caseId) });
  return query.data ?? [];
}

/** Approve / reject a reply waiting for approval (supervisors), and retry a failed one (anyone who replies). */
function MessageActions({ message, session }: { message: ThreadMessage; session: Session }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const retry = useMutation({
    mutationFn: () => retryMessage(message.caseId, message.id),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: caseKeys.messages(message.caseId) });
      void queryClient.invalidateQueries({ queryKey: caseKeys.events(message.caseId) });
    },
  });
  const status = message.status as string;
  if (status === "failed" && !message.private && message.authorType !== "contact") {
    return (
      <Stack gap={4} mt={4} align="flex-end">
        <Button
          size="compact-xs"
          variant="light"
          color="red"
          leftSection={<IconRefresh size={12} />}
          loading={retry.isPending}
          onClick={() => retry.mutate()}
        >
          {t("workspace.thread.retry")}
        </Button>
        {retry.error && (
          <Text size="xs" c="red" role="alert">
            {describeError(retry.error, t)}
          </Text>
        )}
      </Stack>
    );
  }
  if (status !== "pending_approval" || !supervisorRoles.has(session.role)) return null;
  return <ApprovalControls messageId={message.id} caseId={message.caseId} />;
}

/** Delivery status, or the approval state of a reply that needs one. */
function StatusOf({ message }: { message: ThreadMessage }) {
  const { t } = useTranslation();
  const status = message.status as string;
  if (deliveryStatuses.has(status)) {
    return <MessageStatusBadge status={status as MessageStatus} error={message.error} />;
  }
  const rejected = status === "rejected";
  const badge = (
    <Badge size="xs" variant="light" color={rejected ? "red" : "grape"} data-testid="message-status">
      {t(rejected ? "workspace.approval.rejected" : "workspace.approval.pending")}
    </Badge>
  );
  return rejected && message.review?.note ? (
    <Tooltip label={message.review.note} multiline w={280}>
      {badge}
    </Tooltip>
  ) : (
    badge
  );
}

function useAuthorName(contactName: string, members: Member[], session: Session) {
  const { t } = useTranslation();
  return (message: ThreadMessage): string => {
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

function MessageBubble({
  message,
  author,
  now,
  session,
  channelType,
  focused,
}: {
  message: ThreadMessage;
  author: string;
  now: number;
  session: Session;
  channelType: string | undefined;
  focused?: boolean;
}) {
  const { t } = useTranslation();
  const language = useLanguage();
  const outbound = message.direction === "outbound";
  const background = message.private
    ? "var(--mantine-color-yellow-light)"
    : outbound
      ? "var(--mantine-primary-color-light)"
      : "var(--mantine-color-default)";
  return (
    <Group justify={outbound ? "flex-end" : "flex-start"} wrap="nowrap">
      <Paper
        withBorder
        radius="md"
        p="sm"
        maw="85%"
        bg={background}
        id={`message-${message.id}`}
        data-testid="message"
        data-focused={focused || undefined}
        data-direction={message.direction}
        data-private={message.private || undefined}
        data-status={message.status}
        style={{
          ...(message.private ? { borderColor: "var(--mantine-color-yellow-outline)", borderStyle: "dashed" } : {}),
          ...(focused ? { outline: "2px solid var(--mantine-primary-color-filled)", outlineOffset: 2 } : {}),
        }}
      >
        <Group gap="xs" justify="space-between" wrap="nowrap" mb={4}>
          <Text size="xs" fw={700}>
            {author}
          </Text>
          {channelType && (
            <Badge size="xs" variant="outline" color="gray">
              {t(`channelTypes.${channelType}`, { defaultValue: channelType })}
            </Badge>
          )}
          {!outbound && <ModerationBadge caseId={message.caseId} messageId={message.id} />}
          {message.private && (
            <Badge size="xs" color="yellow" variant="light" leftSection={<IconLock size={10} />}>
              {t("thread.internalNote")}
            </Badge>
          )}
        </Group>
        {/* Customer content is rendered as text, never as HTML (article bodies only through the strict sanitiser). */}
        <MessageContent message={message} />
        <Group gap={6} justify="flex-end" mt={4}>
          <Tooltip label={formatDateTime(message.createdAt, language)} openDelay={300}>
            <Text size="xs" c="dimmed">
              {formatRelative(message.createdAt, now, language)}
            </Text>
          </Tooltip>
          {outbound && !message.private && <StatusOf message={message} />}
        </Group>
        {outbound && !message.private && <MessageActions message={message} session={session} />}
      </Paper>
    </Group>
  );
}

/** The case's messages, oldest first, kept scrolled to the newest (or to `?message=<id>`, outlined, from search). */
export function Thread({ item, contactName, members, session, now }: CasePartProps) {
  const { t } = useTranslation();
  const viewport = useRef<HTMLDivElement>(null);
  const query = useQuery({
    queryKey: caseKeys.messages(item.id),
    queryFn: () => fetchAllMessages(item.id) as Promise<ThreadMessage[]>,
  });
  const conversations = useConversations(item.id).filter((c) => c.caseId === item.id);
  // Channel badges only when the case spans several channels.
  const channelTypes = new Set(conversations.map((c) => c.channelType));
  const channelTypeOf = (message: ThreadMessage) =>
    channelTypes.size > 1 ? conversations.find((c) => c.channelId === message.channelId)?.channelType : undefined;
  const authorOf = useAuthorName(contactName, members, session);
  const count = query.data?.length ?? 0;

  const focusId = useSearchParam("message");
  useEffect(() => {
    if (count === 0) return;
    const focused = focusId ? document.getElementById(`message-${focusId}`) : null;
    if (focused) focused.scrollIntoView({ block: "center" });
    else viewport.current?.scrollTo({ top: viewport.current.scrollHeight });
  }, [count, focusId]);

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
          <MessageBubble
            key={message.id}
            message={message}
            author={authorOf(message)}
            now={now}
            session={session}
            channelType={channelTypeOf(message)}
            focused={message.id === focusId}
          />
        ))}
      </Stack>
    </ScrollArea>
  );
}

import { Button, CloseButton, Group, Skeleton, Stack, Text, Title } from "@mantine/core";
import { type InfiniteData, type QueryClient, useQuery, useQueryClient } from "@tanstack/react-query";
import type { Ref } from "react";
import { useTranslation } from "react-i18next";
import { type Case, caseKeys, fetchCase, type Member, type Page, type Session } from "../api.ts";
import { ErrorAlert } from "../error-alert.tsx";
import { PriorityBadge, ReplyWindowBadge, SlaBadge, StatusBadge } from "../inbox/badges.tsx";
import { CaseSidePanel } from "./case-side-panel.tsx";
import { Composer, type ComposerHandle } from "./composer.tsx";
import { useContactName } from "./contact.ts";
import { Thread } from "./thread.tsx";
import { TypingIndicator, useTypingSignal } from "./typing.tsx";

export type { ComposerHandle } from "./composer.tsx";

/** The case as the inbox list already has it, so the header shows at once while the detail loads. */
function caseFromLists(queryClient: QueryClient, caseId: string): Case | undefined {
  for (const [, data] of queryClient.getQueriesData<InfiniteData<Page<Case>>>({ queryKey: caseKeys.lists() })) {
    const found = data?.pages.flatMap((page) => page.data).find((item) => item.id === caseId);
    if (found) return found;
  }
  return undefined;
}

/** What every part of the open case (thread, side panel tabs) receives. */
export type CasePartProps = {
  item: Case;
  contactName: string;
  members: Member[];
  session: Session;
  now: number;
};

type CaseViewProps = {
  caseId: string;
  session: Session;
  members: Member[];
  now: number;
  composerRef: Ref<ComposerHandle>;
  onClose: () => void;
};

/** One case: header, the message thread with the composer, and the side panel. */
export function CaseView({ caseId, session, members, now, composerRef, onClose }: CaseViewProps) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const query = useQuery({
    queryKey: caseKeys.detail(caseId),
    queryFn: () => fetchCase(caseId),
    placeholderData: () => caseFromLists(queryClient, caseId),
  });

  if (query.isPending) {
    return (
      <Stack p="md" gap="md" aria-busy>
        <Skeleton h={24} w="50%" />
        <Skeleton h={60} w="70%" />
        <Skeleton h={60} w="60%" ml="auto" />
        <Skeleton h={60} w="65%" />
      </Stack>
    );
  }
  if (query.isError && !query.data) {
    return (
      <ErrorAlert
        title={t("case.loadFailed")}
        error={query.error}
        onRetry={() => void query.refetch()}
        m="md"
        actions={
          <Button size="xs" variant="subtle" color="gray" onClick={onClose}>
            {t("case.close")}
          </Button>
        }
      />
    );
  }
  return (
    <LoadedCase
      item={query.data}
      session={session}
      members={members}
      now={now}
      composerRef={composerRef}
      onClose={onClose}
    />
  );
}

function LoadedCase({
  item,
  session,
  members,
  now,
  composerRef,
  onClose,
}: Omit<CaseViewProps, "caseId"> & { item: Case }) {
  const { t } = useTranslation();
  const contactName = useContactName(item);
  const signalTyping = useTypingSignal(item.id);
  return (
    <Stack h="100%" gap={0} data-testid="case-view" data-case-id={item.id}>
      <Group
        px="md"
        py="sm"
        justify="space-between"
        wrap="nowrap"
        style={{ borderBottom: "1px solid var(--mantine-color-default-border)" }}
      >
        <Stack gap={4} style={{ minWidth: 0 }}>
          <Title order={4} lineClamp={1}>
            <Text span c="dimmed" inherit>
              #{item.number}
            </Text>{" "}
            {item.subject}
          </Title>
          <Group gap={6}>
            <Text size="sm" fw={500} data-testid="case-contact">
              {contactName}
            </Text>
            <StatusBadge status={item.status} />
            <PriorityBadge priority={item.priority} />
            <ReplyWindowBadge closesAt={item.replyWindowClosesAt} now={now} />
            <SlaBadge state={item.slaState} dueAt={item.slaDueAt} now={now} />
          </Group>
        </Stack>
        <CloseButton aria-label={t("case.close")} onClick={onClose} />
      </Group>
      <Group gap={0} wrap="nowrap" align="stretch" style={{ flex: 1, minHeight: 0 }}>
        <Stack gap={0} style={{ flex: 1, minWidth: 0 }} onInput={signalTyping}>
          <Thread item={item} contactName={contactName} members={members} session={session} now={now} />
          <TypingIndicator caseId={item.id} members={members} session={session} />
          <Composer ref={composerRef} item={item} now={now} members={members} session={session} />
        </Stack>
        <CaseSidePanel item={item} contactName={contactName} members={members} session={session} now={now} />
      </Group>
    </Stack>
  );
}

import { Box, Button, Group, NavLink, Skeleton, Stack, Text, ThemeIcon, Tooltip } from "@mantine/core";
import { IconInbox, IconSearch, IconUser } from "@tabler/icons-react";
import { useTranslation } from "react-i18next";
import type { Case, Member } from "../api.ts";
import { ErrorAlert } from "../error-alert.tsx";
import { formatDateTime, formatRelative, useLanguage } from "../format.ts";
import { linkHandler } from "../router.ts";
import { PriorityBadge, ReplyWindowBadge, SlaBadge, StatusBadge } from "./badges.tsx";
import { type InboxView, inboxPath } from "./views.ts";

type CaseListProps = {
  view: InboxView;
  cases: Case[];
  openCaseId: string | undefined;
  focusedIndex: number;
  members: Map<string, Member>;
  now: number;
  isPending: boolean;
  error: unknown;
  isFiltered: boolean;
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  onLoadMore: () => void;
  onRetry: () => void;
  registerRow: (id: string, element: HTMLElement | null) => void;
};

function CaseRow({
  item,
  view,
  isOpen,
  isFocused,
  assignee,
  now,
  registerRow,
}: {
  item: Case;
  view: InboxView;
  isOpen: boolean;
  isFocused: boolean;
  assignee: Member | undefined;
  now: number;
  registerRow: CaseListProps["registerRow"];
}) {
  const { t } = useTranslation();
  const language = useLanguage();
  const path = inboxPath(view, item.id);
  return (
    <NavLink
      ref={(element) => registerRow(item.id, element)}
      component="a"
      href={path}
      onClick={linkHandler(path)}
      active={isOpen || isFocused}
      variant={isOpen ? "light" : "subtle"}
      aria-current={isOpen ? "page" : undefined}
      data-testid="case-row"
      data-case-id={item.id}
      data-focused={isFocused || undefined}
      py="sm"
      style={{
        borderBottom: "1px solid var(--mantine-color-default-border)",
        borderLeft: `3px solid ${isFocused ? "var(--mantine-primary-color-filled)" : "transparent"}`,
      }}
      label={
        <Group justify="space-between" wrap="nowrap" gap="xs">
          <Text size="sm" fw={600} truncate>
            {item.contact?.displayName ?? t("inbox.unknownContact")}
          </Text>
          <Tooltip label={formatDateTime(item.lastMessageAt, language)} openDelay={400}>
            <Text size="xs" c="dimmed" style={{ flexShrink: 0 }}>
              {formatRelative(item.lastMessageAt, now, language)}
            </Text>
          </Tooltip>
        </Group>
      }
      description={
        <Stack gap={6} mt={2}>
          <Text size="sm" c="var(--mantine-color-text)" truncate>
            <Text span c="dimmed" size="sm">
              #{item.number}
            </Text>{" "}
            {item.subject || t("inbox.noSubject")}
          </Text>
          <Group gap={4} wrap="wrap">
            <PriorityBadge priority={item.priority} />
            <StatusBadge status={item.status} />
            <ReplyWindowBadge closesAt={item.replyWindowClosesAt} now={now} />
            {item.slaState && item.slaState !== "ok" && (
              <SlaBadge state={item.slaState} dueAt={item.slaDueAt} now={now} />
            )}
            {assignee && (
              <Tooltip label={t("inbox.assignedTo", { name: assignee.name })}>
                <Text size="xs" c="dimmed" span>
                  <IconUser size={12} style={{ verticalAlign: "-2px" }} /> {assignee.name}
                </Text>
              </Tooltip>
            )}
          </Group>
        </Stack>
      }
    />
  );
}

const skeletonRows = ["a", "b", "c", "d", "e", "f", "g"];

function ListSkeleton() {
  return (
    <Stack gap={0} aria-hidden>
      {skeletonRows.map((row) => (
        <Stack
          key={row}
          gap={8}
          p="sm"
          style={{ borderBottom: "1px solid var(--mantine-color-default-border)" }}
          data-testid="case-skeleton"
        >
          <Group justify="space-between">
            <Skeleton h={12} w="45%" />
            <Skeleton h={10} w={40} />
          </Group>
          <Skeleton h={10} w="80%" />
          <Group gap={6}>
            <Skeleton h={16} w={52} radius="xl" />
            <Skeleton h={16} w={52} radius="xl" />
          </Group>
        </Stack>
      ))}
    </Stack>
  );
}

/** The cases of the current view, with skeletons while loading, an empty state and "load more". */
export function CaseList(props: CaseListProps) {
  const { t } = useTranslation();
  if (props.isPending) return <ListSkeleton />;
  if (props.error) {
    return <ErrorAlert title={t("inbox.loadFailed")} error={props.error} onRetry={props.onRetry} m="sm" />;
  }
  if (props.cases.length === 0) {
    const variant = props.isFiltered ? "filtered" : props.view;
    return (
      <Stack align="center" gap="xs" py={48} px="md" data-testid="inbox-empty">
        <ThemeIcon size={48} radius="xl" variant="light" color="gray">
          {props.isFiltered ? <IconSearch size={24} /> : <IconInbox size={24} />}
        </ThemeIcon>
        <Text fw={600}>{t(`inbox.emptyTitle.${variant}`)}</Text>
        <Text size="sm" c="dimmed" ta="center">
          {t(`inbox.emptyBody.${variant}`)}
        </Text>
      </Stack>
    );
  }
  return (
    <Box component="ul" aria-label={t("inbox.listLabel")} m={0} p={0} style={{ listStyle: "none" }}>
      {props.cases.map((item, index) => (
        <li key={item.id}>
          <CaseRow
            item={item}
            view={props.view}
            isOpen={item.id === props.openCaseId}
            isFocused={index === props.focusedIndex}
            assignee={item.assigneeId ? props.members.get(item.assigneeId) : undefined}
            now={props.now}
            registerRow={props.registerRow}
          />
        </li>
      ))}
      {props.hasNextPage && (
        <li>
          <Box p="sm">
            <Button variant="subtle" fullWidth onClick={props.onLoadMore} loading={props.isFetchingNextPage}>
              {t("inbox.loadMore")}
            </Button>
          </Box>
        </li>
      )}
    </Box>
  );
}

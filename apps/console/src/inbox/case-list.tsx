import { Box, Button, Checkbox, Group, NavLink, Skeleton, Stack, Text, ThemeIcon, Tooltip } from "@mantine/core";
import { IconInbox, IconSearch, IconUser } from "@tabler/icons-react";
import { useVirtualizer } from "@tanstack/react-virtual";
import { memo, type ReactNode, useEffect, useRef } from "react";
import { useTranslation } from "react-i18next";
import type { Case, Member } from "../api.ts";
import { ErrorAlert } from "../error-alert.tsx";
import { formatDateTime, formatRelative, useLanguage } from "../format.ts";
import { linkHandler } from "../router.ts";
import { PriorityBadge, ReplyWindowBadge, SlaBadge, StatusBadge } from "./badges.tsx";
import { type InboxView, inboxPath } from "./views.ts";

type CaseListProps = {
  view: InboxView;
  /** Which empty state to show: one of the original views' own, or a generic one. */
  emptyVariant: string;
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
  selected: ReadonlySet<string>;
  /** Ticks or unticks the row at `index`; with Shift, every row from the last one ticked to it. */
  onToggle: (index: number, withShift: boolean) => void;
};

const CaseRow = memo(function CaseRow({
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
        flex: 1,
        minWidth: 0,
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
});

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

/** Rows are about this tall before they are measured (two lines and a line of badges). */
const ESTIMATED_ROW = 92;

/**
 * The cases of the current view: virtualised rows (only those on screen are in the page, so thousands stay
 * smooth), each with a checkbox; the next page loads when the end comes near. Skeletons while loading, an
 * empty state, and "Load more" as a button too.
 */
export function CaseList(props: CaseListProps) {
  const { t } = useTranslation();
  const scrollRef = useRef<HTMLDivElement>(null);
  const { cases, hasNextPage, isFetchingNextPage, onLoadMore } = props;
  const virtualizer = useVirtualizer({
    count: cases.length + (hasNextPage ? 1 : 0),
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ESTIMATED_ROW,
    overscan: 6,
    getItemKey: (index) => cases[index]?.id ?? "more",
  });
  const items = virtualizer.getVirtualItems();
  const lastIndex = items.at(-1)?.index ?? -1;
  useEffect(() => {
    if (hasNextPage && !isFetchingNextPage && lastIndex >= cases.length - 8) onLoadMore();
  }, [lastIndex, cases.length, hasNextPage, isFetchingNextPage, onLoadMore]);
  // A newly focused row (j / k) is scrolled into view; it is then in the page and can take focus. Only a
  // change of focus scrolls: more rows loading while the member scrolls must not pull the list back.
  const { focusedIndex } = props;
  const scrolledTo = useRef(-1);
  useEffect(() => {
    if (focusedIndex === scrolledTo.current || focusedIndex >= cases.length) return;
    scrolledTo.current = focusedIndex;
    virtualizer.scrollToIndex(focusedIndex, { align: "auto" });
  }, [focusedIndex, cases.length, virtualizer]);

  let content: ReactNode;
  if (props.isPending) content = <ListSkeleton />;
  else if (props.error) {
    content = <ErrorAlert title={t("inbox.loadFailed")} error={props.error} onRetry={props.onRetry} m="sm" />;
  } else if (cases.length === 0) {
    const variant = props.isFiltered ? "filtered" : props.emptyVariant;
    const generic = !["filtered", "mine", "unassigned", "open", "solved"].includes(variant);
    content = (
      <Stack align="center" gap="xs" py={48} px="md" data-testid="inbox-empty">
        <ThemeIcon size={48} radius="xl" variant="light" color="gray">
          {props.isFiltered ? <IconSearch size={24} /> : <IconInbox size={24} />}
        </ThemeIcon>
        <Text fw={600}>{generic ? t("inboxViews.emptyTitle") : t(`inbox.emptyTitle.${variant as "mine"}`)}</Text>
        <Text size="sm" c="dimmed" ta="center">
          {generic ? t("inboxViews.emptyBody") : t(`inbox.emptyBody.${variant as "mine"}`)}
        </Text>
      </Stack>
    );
  } else {
    content = (
      <Box
        component="ul"
        aria-label={t("inbox.listLabel")}
        m={0}
        p={0}
        style={{ listStyle: "none", position: "relative", height: virtualizer.getTotalSize() }}
      >
        {items.map((virtual) => {
          const item = cases[virtual.index];
          return (
            <li
              key={virtual.key}
              data-index={virtual.index}
              ref={virtualizer.measureElement}
              style={{
                position: "absolute",
                top: 0,
                left: 0,
                width: "100%",
                transform: `translateY(${virtual.start}px)`,
                borderBottom: item ? "1px solid var(--mantine-color-default-border)" : undefined,
              }}
            >
              {item ? (
                <Group gap={0} wrap="nowrap" align="stretch">
                  <Box pl="xs" pt="md">
                    <Checkbox
                      size="xs"
                      aria-label={t("inboxViews.selectCase", { number: item.number })}
                      checked={props.selected.has(item.id)}
                      onChange={(event) =>
                        props.onToggle(virtual.index, (event.nativeEvent as MouseEvent).shiftKey === true)
                      }
                      data-testid="case-select"
                    />
                  </Box>
                  <CaseRow
                    item={item}
                    view={props.view}
                    isOpen={item.id === props.openCaseId}
                    isFocused={virtual.index === props.focusedIndex}
                    assignee={item.assigneeId ? props.members.get(item.assigneeId) : undefined}
                    now={props.now}
                    registerRow={props.registerRow}
                  />
                </Group>
              ) : (
                <Box p="sm">
                  <Button variant="subtle" fullWidth onClick={onLoadMore} loading={isFetchingNextPage}>
                    {t("inbox.loadMore")}
                  </Button>
                </Box>
              )}
            </li>
          );
        })}
      </Box>
    );
  }
  return (
    <Box ref={scrollRef} style={{ flex: 1, minHeight: 0, overflowY: "auto" }} data-testid="case-list-scroll">
      {content}
    </Box>
  );
}

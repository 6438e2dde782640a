import { Box, CloseButton, Group, ScrollArea, Stack, Text, TextInput, ThemeIcon, Title } from "@mantine/core";
import { useDebouncedValue, useHotkeys, useMediaQuery } from "@mantine/hooks";
import { IconMessages, IconSearch } from "@tabler/icons-react";
import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { type CaseFilters, caseKeys, fetchCases, type Session } from "../api.ts";
import { CaseView, type ComposerHandle } from "../case/case-view.tsx";
import { useMembers } from "../directory.ts";
import { useNow } from "../format.ts";
import { navigate, usePathname } from "../router.ts";
import { useShortcutHelp } from "../shortcuts.tsx";
import { CaseFiltersPopover, countUserFilters, noUserFilters, type UserFilters } from "./case-filters.tsx";
import { CaseList } from "./case-list.tsx";
import { inboxPath, parseInboxPath, viewFilters } from "./views.ts";

const paneHeight = "calc(100dvh - var(--app-shell-header-height, 56px))";

/** Whether Enter on this element already does something of its own (a case row does not: Enter opens the focused row). */
function isInteractive(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement) || target.closest("[data-case-id]")) return false;
  return target.closest("a, button, [role='button'], [role='option'], [role='tab']") !== null;
}

function NoCaseOpen() {
  const { t } = useTranslation();
  return (
    <Stack align="center" justify="center" h="100%" gap="xs" p="xl">
      <ThemeIcon size={56} radius="xl" variant="light">
        <IconMessages size={28} />
      </ThemeIcon>
      <Text fw={600}>{t("case.selectTitle")}</Text>
      <Text size="sm" c="dimmed" ta="center" maw={320}>
        {t("case.selectBody")}
      </Text>
    </Stack>
  );
}

/** The agent's inbox: a list of cases on the left, the open case on the right. */
export function InboxPage({ session }: { session: Session }) {
  const { t } = useTranslation();
  const pathname = usePathname();
  const { view, caseId, known } = parseInboxPath(pathname);
  const help = useShortcutHelp();
  const members = useMembers();
  const memberMap = useMemo(() => new Map(members.map((member) => [member.id, member])), [members]);
  const now = useNow(30_000);
  const isNarrow = useMediaQuery("(max-width: 62em)");

  useEffect(() => {
    if (!known) navigate(inboxPath("mine"), { replace: true });
  }, [known]);

  const [userFilters, setUserFilters] = useState<UserFilters>(noUserFilters);
  const [search, setSearch] = useState("");
  const [debouncedSearch] = useDebouncedValue(search.trim(), 300);
  const filters = useMemo<CaseFilters>(() => {
    const base = viewFilters[view];
    return {
      ...base,
      ...(userFilters.status ? { status: userFilters.status } : {}),
      ...(userFilters.priority ? { priority: userFilters.priority } : {}),
      ...(userFilters.assigneeId ? { assigneeId: userFilters.assigneeId } : {}),
      ...(userFilters.tag.trim() ? { tag: userFilters.tag.trim().toLowerCase() } : {}),
      ...(userFilters.sort !== "recent" ? { sort: userFilters.sort } : {}),
      ...(debouncedSearch ? { q: debouncedSearch } : {}),
    };
  }, [view, userFilters, debouncedSearch]);
  const isFiltered = countUserFilters(userFilters) > 0 || debouncedSearch.length > 0;

  const list = useInfiniteQuery({
    queryKey: caseKeys.list(filters),
    queryFn: ({ pageParam }) => fetchCases(filters, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
  });
  const cases = useMemo(() => list.data?.pages.flatMap((page) => page.data) ?? [], [list.data]);

  const [focusedIndex, setFocusedIndex] = useState(0);
  const rows = useRef(new Map<string, HTMLElement>());
  const searchRef = useRef<HTMLInputElement>(null);
  const composerRef = useRef<ComposerHandle>(null);

  // A new list starts at its top; an opened case becomes the focused row.
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset only when the list's filters change
  useEffect(() => setFocusedIndex(0), [filters]);
  useEffect(() => {
    if (!caseId) return;
    const index = cases.findIndex((item) => item.id === caseId);
    if (index >= 0) setFocusedIndex(index);
  }, [caseId, cases]);

  const focusedCase = cases[Math.min(focusedIndex, cases.length - 1)];
  useEffect(() => {
    if (focusedCase) rows.current.get(focusedCase.id)?.scrollIntoView({ block: "nearest" });
  }, [focusedCase]);

  const registerRow = useCallback((id: string, element: HTMLElement | null) => {
    if (element) rows.current.set(id, element);
    else rows.current.delete(id);
  }, []);

  const move = (delta: number) => {
    if (help.opened || cases.length === 0) return;
    const next = Math.max(0, Math.min(cases.length - 1, focusedIndex + delta));
    setFocusedIndex(next);
    // Real focus, not only a highlight: Enter then opens the row and screen readers follow along.
    const target = cases[next];
    if (target) rows.current.get(target.id)?.focus();
    if (next >= cases.length - 3 && list.hasNextPage && !list.isFetchingNextPage) void list.fetchNextPage();
  };
  const closeCase = () => navigate(inboxPath(view));

  useHotkeys([
    ["j", () => move(1)],
    ["k", () => move(-1)],
    [
      "Enter",
      (event) => {
        if (help.opened || isInteractive(event.target) || !focusedCase) return;
        event.preventDefault();
        navigate(inboxPath(view, focusedCase.id));
      },
      { preventDefault: false },
    ],
    ["/", () => searchRef.current?.focus()],
    ["r", () => composerRef.current?.focus("reply")],
    ["n", () => composerRef.current?.focus("note")],
    [
      "Escape",
      () => {
        if (!help.opened && caseId) closeCase();
      },
      { preventDefault: false },
    ],
  ]);

  const showList = !(isNarrow && caseId);
  const showCase = !isNarrow || caseId;

  return (
    <Group h={paneHeight} gap={0} wrap="nowrap" align="stretch">
      {showList && (
        <Stack
          gap={0}
          w={isNarrow ? "100%" : 340}
          style={{ flexShrink: 0, borderRight: "1px solid var(--mantine-color-default-border)" }}
        >
          <Stack gap="xs" p="sm" style={{ borderBottom: "1px solid var(--mantine-color-default-border)" }}>
            <Group justify="space-between" wrap="nowrap">
              <Title order={4}>{t(`views.${view}`)}</Title>
              <CaseFiltersPopover value={userFilters} onChange={setUserFilters} members={members} />
            </Group>
            <TextInput
              ref={searchRef}
              size="xs"
              aria-label={t("inbox.search")}
              placeholder={t("inbox.searchPlaceholder")}
              leftSection={<IconSearch size={14} />}
              value={search}
              onChange={(event) => setSearch(event.currentTarget.value)}
              onKeyDown={(event) => {
                if (event.key === "Escape") event.currentTarget.blur();
              }}
              rightSection={
                search ? (
                  <CloseButton size="sm" aria-label={t("inbox.clearFilters")} onClick={() => setSearch("")} />
                ) : null
              }
            />
          </Stack>
          <ScrollArea style={{ flex: 1 }} type="auto">
            <CaseList
              view={view}
              cases={cases}
              openCaseId={caseId}
              focusedIndex={focusedIndex}
              members={memberMap}
              now={now}
              isPending={list.isPending}
              error={list.error}
              isFiltered={isFiltered}
              hasNextPage={list.hasNextPage}
              isFetchingNextPage={list.isFetchingNextPage}
              onLoadMore={() => void list.fetchNextPage()}
              onRetry={() => void list.refetch()}
              registerRow={registerRow}
            />
          </ScrollArea>
        </Stack>
      )}
      {showCase && (
        <Box style={{ flex: 1, minWidth: 0 }}>
          {caseId ? (
            <CaseView
              key={caseId}
              caseId={caseId}
              session={session}
              members={members}
              now={now}
              composerRef={composerRef}
              onClose={closeCase}
            />
          ) : (
            <NoCaseOpen />
          )}
        </Box>
      )}
    </Group>
  );
}

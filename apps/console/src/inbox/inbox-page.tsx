import { Box, CloseButton, Group, Stack, Text, TextInput, ThemeIcon, Title } from "@mantine/core";
import { useDebouncedValue, useHotkeys, useMediaQuery } from "@mantine/hooks";
import { IconMessages, IconSearch } from "@tabler/icons-react";
import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { type CaseFilters, type CaseSort, caseKeys, fetchCases, type Session } from "../api.ts";
import { CaseView, type ComposerHandle } from "../case/case-view.tsx";
import { useMembers } from "../directory.ts";
import { useNow } from "../format.ts";
import { navigate, usePathname } from "../router.ts";
import { useShortcutHelp } from "../shortcuts.tsx";
import { BulkBar } from "./bulk-bar.tsx";
import { CaseFiltersPopover, countUserFilters, noUserFilters, type UserFilters } from "./case-filters.tsx";
import { CaseList } from "./case-list.tsx";
import { useInboxViews } from "./use-inbox-views.ts";
import { DeleteViewButton, SaveViewButton, SortSelect } from "./view-controls.tsx";
import { builtinViews, inboxPath, parseInboxPath } from "./views.ts";

/** Cases fetched per page as the list scrolls (a screen holds about ten). */
const PAGE_SIZE = 50;

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

  const { views, isLoaded } = useInboxViews();
  const definition = views.find((candidate) => candidate.key === view);
  useEffect(() => {
    if (!known || (isLoaded && !definition)) navigate(inboxPath("mine"), { replace: true });
  }, [known, isLoaded, definition]);

  const [userFilters, setUserFilters] = useState<UserFilters>(noUserFilters);
  const [search, setSearch] = useState("");
  const [debouncedSearch] = useDebouncedValue(search.trim(), 300);
  // The order picked here holds until another view is opened; each view has its own default.
  const [sortOverride, setSortOverride] = useState<{ view: string; sort: CaseSort } | null>(null);
  const sort: CaseSort = (sortOverride?.view === view ? sortOverride.sort : undefined) ?? definition?.sort ?? "recent";
  const filters = useMemo<CaseFilters>(() => {
    const base = definition?.filters ?? builtinViews[0]?.filters ?? {};
    return {
      ...base,
      ...(userFilters.status ? { status: userFilters.status } : {}),
      ...(userFilters.priority ? { priority: userFilters.priority } : {}),
      ...(userFilters.assigneeId ? { assigneeId: userFilters.assigneeId } : {}),
      ...(userFilters.tag.trim() ? { tag: userFilters.tag.trim().toLowerCase() } : {}),
      ...(sort !== "recent" ? { sort } : {}),
      ...(debouncedSearch ? { q: debouncedSearch } : {}),
    };
  }, [definition, userFilters, debouncedSearch, sort]);
  const isFiltered = countUserFilters(userFilters) > 0 || debouncedSearch.length > 0;

  const list = useInfiniteQuery({
    queryKey: caseKeys.list(filters),
    queryFn: ({ pageParam }) => fetchCases(filters, pageParam, PAGE_SIZE),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
    // A channel or saved view waits until it is known.
    enabled: definition !== undefined,
  });
  const cases = useMemo(() => list.data?.pages.flatMap((page) => page.data) ?? [], [list.data]);

  const [focusedIndex, setFocusedIndex] = useState(0);
  const rows = useRef(new Map<string, HTMLElement>());
  const searchRef = useRef<HTMLInputElement>(null);
  const composerRef = useRef<ComposerHandle>(null);
  /** The row that should take focus once it is rendered (rows off screen are not in the page). */
  const pendingFocus = useRef<string | null>(null);

  // Ticked rows, for bulk actions; the anchor is the last row ticked (Shift+click ticks the range from it).
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const anchor = useRef<number | null>(null);

  // A new list starts at its top with nothing ticked; an opened case becomes the focused row.
  // (By value: a refetched channel or saved view gives equal filters in a new object.)
  const filtersKey = JSON.stringify(filters);
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset only when the list's filters change
  useEffect(() => {
    setFocusedIndex(0);
    setSelected(new Set());
    anchor.current = null;
  }, [filtersKey]);
  useEffect(() => {
    if (!caseId) return;
    const index = cases.findIndex((item) => item.id === caseId);
    if (index >= 0) setFocusedIndex(index);
  }, [caseId, cases]);

  const focusedCase = cases[Math.min(focusedIndex, cases.length - 1)];
  // Focus follows j / k once the list has scrolled the row into the page (a few frames at most).
  useEffect(() => {
    const id = pendingFocus.current;
    if (!id || focusedCase?.id !== id) return;
    let frame = 0;
    let tries = 0;
    const attempt = () => {
      const element = rows.current.get(id);
      if (element) {
        element.focus({ preventScroll: true });
        pendingFocus.current = null;
      } else if (tries++ < 10) frame = requestAnimationFrame(attempt);
    };
    frame = requestAnimationFrame(attempt);
    return () => cancelAnimationFrame(frame);
  }, [focusedCase]);

  const registerRow = useCallback((id: string, element: HTMLElement | null) => {
    if (element) rows.current.set(id, element);
    else rows.current.delete(id);
  }, []);

  const onToggle = useCallback(
    (index: number, withShift: boolean) => {
      const item = cases[index];
      if (!item) return;
      setSelected((current) => {
        const next = new Set(current);
        const tick = !current.has(item.id);
        const from = withShift && anchor.current !== null ? Math.min(anchor.current, index) : index;
        const to = withShift && anchor.current !== null ? Math.max(anchor.current, index) : index;
        for (const row of cases.slice(from, to + 1)) {
          if (tick) next.add(row.id);
          else next.delete(row.id);
        }
        return next;
      });
      anchor.current = index;
    },
    [cases],
  );
  const loadMore = useCallback(() => {
    if (list.hasNextPage && !list.isFetchingNextPage) void list.fetchNextPage();
  }, [list.hasNextPage, list.isFetchingNextPage, list.fetchNextPage]);

  const move = (delta: number) => {
    if (help.opened || cases.length === 0) return;
    const next = Math.max(0, Math.min(cases.length - 1, focusedIndex + delta));
    setFocusedIndex(next);
    // Real focus, not only a highlight: Enter then opens the row and screen readers follow along.
    const target = cases[next];
    if (target) {
      pendingFocus.current = target.id;
      rows.current.get(target.id)?.focus({ preventScroll: true });
    }
    if (next >= cases.length - 3) loadMore();
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
    [
      "x",
      () => {
        if (!help.opened && focusedCase) onToggle(Math.min(focusedIndex, cases.length - 1), false);
      },
    ],
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
              <Title order={4} lineClamp={1}>
                {definition ? (definition.named ? definition.label : t(definition.label as "views.mine")) : ""}
              </Title>
              <Group gap={6} wrap="nowrap">
                {definition?.kind === "saved" && definition.id && (
                  <DeleteViewButton viewId={definition.id} name={definition.label} />
                )}
                <SaveViewButton filters={filters} sort={sort} />
                <CaseFiltersPopover value={userFilters} onChange={setUserFilters} members={members} />
              </Group>
            </Group>
            <SortSelect value={sort} onChange={(next) => setSortOverride({ view, sort: next })} />
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
          <BulkBar
            selectedIds={[...selected]}
            cases={cases}
            members={members}
            loadedCount={cases.length}
            onSelectAll={() => setSelected(new Set(cases.map((item) => item.id)))}
            onClear={() => setSelected(new Set())}
            onDone={(refused) => setSelected(new Set(refused))}
          />
          <CaseList
            view={view}
            emptyVariant={view}
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
            onLoadMore={loadMore}
            onRetry={() => void list.refetch()}
            registerRow={registerRow}
            selected={selected}
            onToggle={onToggle}
          />
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

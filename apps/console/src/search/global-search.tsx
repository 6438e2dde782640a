import { Badge, Button, Group, Kbd, Loader, Modal, Stack, Text, TextInput, UnstyledButton } from "@mantine/core";
import { useDebouncedValue, useDisclosure, useHotkeys, useOs } from "@mantine/hooks";
import { snippetParts } from "@rapport/contracts/snippet";
import { IconArrowLeft, IconMessage, IconSearch, IconUser } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { type KeyboardEvent, useEffect, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import {
  type Case,
  type CaseStatus,
  type ContactSummary,
  fetchCases,
  type MessageHit,
  searchContacts,
  searchMessages,
} from "../api.ts";
import { describeError } from "../error-message.ts";
import { StatusBadge } from "../inbox/badges.tsx";
import { inboxPath } from "../inbox/views.ts";
import { navigate } from "../router.ts";

type Result =
  | { kind: "contact"; contact: ContactSummary }
  | { kind: "case"; item: Case }
  | { kind: "message"; hit: MessageHit };

const resultId = (result: Result) =>
  result.kind === "case" ? result.item.id : result.kind === "contact" ? result.contact.id : result.hit.message.id;

/** The inbox path that shows a case (solved and closed ones live in the solved view). */
const casePath = (id: string, status: CaseStatus) =>
  inboxPath(status === "solved" || status === "closed" ? "solved" : "open", id);

/** A message's snippet with the matched words marked, rendered as text. */
function Snippet({ snippet }: { snippet: string }) {
  return (
    <Text size="sm" lineClamp={2} style={{ flex: 1 }}>
      {snippetParts(snippet).map((part, index) =>
        // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one snippet never move
        part.mark ? <mark key={index}>{part.text}</mark> : <span key={index}>{part.text}</span>,
      )}
    </Text>
  );
}

function ResultRow({
  result,
  active,
  onPick,
  onHover,
}: {
  result: Result;
  active: boolean;
  onPick: () => void;
  onHover: () => void;
}) {
  const { t } = useTranslation();
  const id = resultId(result);
  return (
    <UnstyledButton
      id={`search-result-${id}`}
      role="option"
      aria-selected={active}
      data-testid={`search-${result.kind}`}
      onClick={onPick}
      onMouseEnter={onHover}
      px="sm"
      py={6}
      style={{
        borderRadius: "var(--mantine-radius-sm)",
        background: active ? "var(--mantine-primary-color-light)" : undefined,
      }}
    >
      {result.kind === "message" ? (
        <Group gap="xs" wrap="nowrap" align="flex-start">
          <IconMessage size={14} style={{ marginTop: 4, flexShrink: 0 }} />
          <Snippet snippet={result.hit.snippet} />
          <Stack gap={0} align="flex-end" style={{ flexShrink: 0 }}>
            <Text size="xs" c="dimmed">
              #{result.hit.case.number}
              {result.hit.message.private ? ` · ${t("search.note")}` : ""}
            </Text>
            <Text size="xs" c="dimmed" truncate maw={140}>
              {result.hit.contact?.displayName ?? ""}
            </Text>
          </Stack>
        </Group>
      ) : result.kind === "case" ? (
        <Group gap="xs" wrap="nowrap">
          <Text size="sm" c="dimmed">
            #{result.item.number}
          </Text>
          <Text size="sm" truncate style={{ flex: 1 }}>
            {result.item.subject || t("inbox.noSubject")}
          </Text>
          <Text size="xs" c="dimmed" truncate maw={160}>
            {result.item.contact?.displayName ?? ""}
          </Text>
          <StatusBadge status={result.item.status} />
        </Group>
      ) : (
        <Group gap="xs" wrap="nowrap">
          <IconUser size={14} />
          <Text size="sm" fw={500} truncate>
            {result.contact.displayName ?? t("inbox.unknownContact")}
          </Text>
          <Text size="xs" c="dimmed" truncate style={{ flex: 1 }}>
            {[...result.contact.emails, ...result.contact.phones, result.contact.company ?? ""]
              .filter(Boolean)
              .join(" · ")}
          </Text>
        </Group>
      )}
    </UnstyledButton>
  );
}

/** Searches contacts, cases and messages from the header; Ctrl+K (⌘K) opens it anywhere. */
export function GlobalSearch() {
  const { t } = useTranslation();
  const os = useOs();
  const [opened, { open, close }] = useDisclosure(false);
  const [text, setText] = useState("");
  const [contact, setContact] = useState<ContactSummary | null>(null);
  const [active, setActive] = useState(0);
  const [query] = useDebouncedValue(text.trim(), 250);
  useHotkeys([["mod+K", open]], []);

  const reset = () => {
    setText("");
    setContact(null);
    setActive(0);
  };
  const onClose = () => {
    close();
    reset();
  };

  const contacts = useQuery({
    queryKey: ["search", "contacts", query],
    queryFn: () => searchContacts(query),
    enabled: opened && !contact && query.length > 0,
  });
  const cases = useQuery({
    queryKey: ["search", "cases", contact?.id ?? query],
    queryFn: () => fetchCases(contact ? { contactId: contact.id } : { q: query }, undefined, 10),
    enabled: opened && (contact !== null || query.length > 0),
  });
  const messages = useQuery({
    queryKey: ["search", "messages", query],
    queryFn: () => searchMessages(query),
    enabled: opened && !contact && query.length > 0,
  });
  const results = useMemo<Result[]>(
    () => [
      ...(contact ? [] : (contacts.data?.data ?? []).map((c) => ({ kind: "contact" as const, contact: c }))),
      ...(cases.data?.data ?? []).map((item) => ({ kind: "case" as const, item })),
      ...(contact ? [] : (messages.data?.data ?? []).map((hit) => ({ kind: "message" as const, hit }))),
    ],
    [contact, contacts.data, cases.data, messages.data],
  );
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new result list starts at its top
  useEffect(() => setActive(0), [results]);

  const pick = (result: Result) => {
    if (result.kind === "contact") {
      setContact(result.contact);
      return;
    }
    onClose();
    if (result.kind === "case") navigate(casePath(result.item.id, result.item.status));
    else navigate(`${casePath(result.hit.case.id, result.hit.case.status)}?message=${result.hit.message.id}`);
  };
  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const delta = event.key === "ArrowDown" ? 1 : -1;
      setActive((index) => Math.max(0, Math.min(results.length - 1, index + delta)));
    } else if (event.key === "Enter") {
      event.preventDefault();
      const result = results[active];
      if (result) pick(result);
    } else if (event.key === "Backspace" && text === "" && contact) {
      setContact(null);
    }
  };

  const loading = contacts.isFetching || cases.isFetching || messages.isFetching;
  const error = contacts.error ?? cases.error ?? messages.error;
  const contactResults = results.filter((r) => r.kind === "contact");
  const caseResults = results.filter((r) => r.kind === "case");
  const messageResults = results.filter((r) => r.kind === "message");
  const shortcut = os === "macos" ? "⌘ K" : "Ctrl K";
  const activeResult = results[active];
  const activeId = activeResult ? `search-result-${resultId(activeResult)}` : undefined;

  return (
    <>
      <Button
        variant="default"
        size="xs"
        leftSection={<IconSearch size={14} />}
        rightSection={<Kbd size="xs">{shortcut}</Kbd>}
        onClick={open}
        aria-label={t("search.open")}
        aria-keyshortcuts="Control+K Meta+K"
        visibleFrom="xs"
      >
        {t("search.button")}
      </Button>
      <Modal opened={opened} onClose={onClose} title={t("search.title")} size="lg" yOffset="10vh">
        <Stack gap="sm">
          {contact && (
            <Group gap="xs">
              <Button
                size="compact-xs"
                variant="subtle"
                leftSection={<IconArrowLeft size={12} />}
                onClick={() => setContact(null)}
              >
                {t("search.back")}
              </Button>
              <Text size="sm">{t("search.casesOf", { name: contact.displayName ?? t("inbox.unknownContact") })}</Text>
            </Group>
          )}
          <TextInput
            data-autofocus
            aria-label={t("search.label")}
            placeholder={t("search.placeholder")}
            leftSection={<IconSearch size={16} />}
            rightSection={loading ? <Loader size="xs" /> : null}
            value={text}
            onChange={(event) => {
              setText(event.currentTarget.value);
              setContact(null);
            }}
            onKeyDown={onKeyDown}
            role="combobox"
            aria-expanded={results.length > 0}
            aria-controls="global-search-results"
            aria-activedescendant={activeId}
          />
          {error && (
            <Text c="red" size="sm" role="alert">
              {describeError(error, t)}
            </Text>
          )}
          <Stack gap={4} id="global-search-results" role="listbox" aria-label={t("search.results")}>
            {(
              [
                ["search.contacts", contactResults],
                ["search.cases", caseResults],
                ["search.messages", messageResults],
              ] as const
            ).map(([heading, group]) =>
              group.length === 0 ? null : (
                <Stack key={heading} gap={4} role="group" aria-label={t(heading)}>
                  <Badge variant="transparent" color="gray" px={0} aria-hidden>
                    {t(heading)}
                  </Badge>
                  {group.map((result) => {
                    const index = results.indexOf(result);
                    return (
                      <ResultRow
                        key={`${result.kind}-${index}`}
                        result={result}
                        active={index === active}
                        onPick={() => pick(result)}
                        onHover={() => setActive(index)}
                      />
                    );
                  })}
                </Stack>
              ),
            )}
          </Stack>
          {(query.length > 0 || contact) && !loading && !error && results.length === 0 && (
            <Text c="dimmed" size="sm" ta="center" py="md" data-testid="search-empty">
              {t("search.empty")}
            </Text>
          )}
          {query.length === 0 && !contact && (
            <Text c="dimmed" size="xs">
              {t("search.hint")}
            </Text>
          )}
        </Stack>
      </Modal>
    </>
  );
}

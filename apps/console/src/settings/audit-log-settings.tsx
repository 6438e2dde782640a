import { Autocomplete, Button, Code, Group, Select, SimpleGrid, Table, Text, TextInput } from "@mantine/core";
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { fetchMembers } from "../api.ts";
import { formatDateTime, useLanguage } from "../format.ts";
import { type AuditEntry, type AuditFilters, adminKeys, fetchAuditLog } from "./admin-api.ts";
import { errorFor, fieldErrors } from "./field-errors.ts";
import { settingsKeys } from "./settings-api.ts";
import { EmptyState, QueryState, Section } from "./settings-parts.tsx";

/** Action families to pick from (a trailing dot matches the whole family); any exact action may be typed. */
const actionSuggestions = [
  "business_hours.",
  "sla_policy.",
  "skill.",
  "routing.agent.",
  "case_status.",
  "case_field.",
  "quick_reply.",
  "macro.",
  "channel.",
  "automation.",
  "team.",
  "member.",
  "api_token.",
  "workspace.",
  "session.",
  "contact.",
];
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The instant a local date starts, in the browser's zone ("2026-12-01" → its local midnight), as ISO. */
function startOf(date: string, plusDays = 0): string {
  const [y, m, d] = date.split("-").map(Number);
  return new Date(y ?? 1970, (m ?? 1) - 1, (d ?? 1) + plusDays).toISOString();
}

function Details({ entry }: { entry: AuditEntry }) {
  if (!entry.details || Object.keys(entry.details).length === 0) return null;
  return (
    <Code block style={{ whiteSpace: "pre-wrap", overflowWrap: "anywhere", maxWidth: 420 }}>
      {JSON.stringify(entry.details)}
    </Code>
  );
}

function FilterForm({ onApply }: { onApply: (filters: AuditFilters) => void }) {
  const { t } = useTranslation();
  const members = useQuery({ queryKey: settingsKeys.members, queryFn: fetchMembers });
  const [actorId, setActorId] = useState<string | null>(null);
  const [action, setAction] = useState("");
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [local, setLocal] = useState<Record<string, string>>({});
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const problems: Record<string, string> = {};
    if (from && !DATE.test(from)) problems.from = t("admin.audit.dateRule");
    if (to && !DATE.test(to)) problems.to = t("admin.audit.dateRule");
    if (from && to && DATE.test(from) && DATE.test(to) && to < from) problems.to = t("admin.audit.toAfterFrom");
    setLocal(problems);
    if (Object.keys(problems).length > 0) return;
    onApply({
      ...(actorId ? { actorId } : {}),
      ...(action.trim() ? { action: action.trim() } : {}),
      ...(from ? { from: startOf(from) } : {}),
      // The "to" day is included: the range ends when the next day starts.
      ...(to ? { to: startOf(to, 1) } : {}),
    });
  };
  return (
    <form onSubmit={submit} noValidate aria-label={t("admin.audit.filters")}>
      <SimpleGrid cols={{ base: 1, sm: 2, md: 5 }} style={{ alignItems: "end" }}>
        <Select
          label={t("admin.audit.actor")}
          placeholder={t("admin.audit.anyone")}
          data={(members.data?.data ?? []).map((member) => ({ value: member.id, label: member.name }))}
          value={actorId}
          onChange={setActorId}
          searchable
          clearable
        />
        <Autocomplete
          label={t("admin.audit.action")}
          description={t("admin.audit.actionHelp")}
          placeholder="macro."
          data={actionSuggestions}
          value={action}
          maxLength={100}
          onChange={setAction}
        />
        <TextInput
          type="date"
          label={t("admin.audit.from")}
          value={from}
          onChange={(event) => setFrom(event.currentTarget.value)}
          error={local.from}
        />
        <TextInput
          type="date"
          label={t("admin.audit.to")}
          value={to}
          onChange={(event) => setTo(event.currentTarget.value)}
          error={local.to}
        />
        <Button type="submit">{t("admin.audit.apply")}</Button>
      </SimpleGrid>
    </form>
  );
}

/** The workspace's audit log, newest first, filtered by actor, action and dates, paged with a cursor. */
export function AuditLogSettings() {
  const { t } = useTranslation();
  const language = useLanguage();
  const [filters, setFilters] = useState<AuditFilters>({});
  const members = useQuery({ queryKey: settingsKeys.members, queryFn: fetchMembers });
  const query = useInfiniteQuery({
    queryKey: adminKeys.audit(filters),
    queryFn: ({ pageParam }) => fetchAuditLog(filters, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const entries = query.data?.pages.flatMap((page) => page.data) ?? [];
  const nameOf = new Map((members.data?.data ?? []).map((member) => [member.id, member.name]));
  const errors = fieldErrors(query.error);
  const actorLabel = (entry: AuditEntry) => {
    if (entry.actorType === "user" && entry.actorId) return nameOf.get(entry.actorId) ?? entry.actorId.slice(0, 8);
    if (entry.actorType === "token") return t("admin.audit.token", { id: entry.actorId?.slice(0, 8) ?? "" });
    return t("admin.audit.system");
  };
  return (
    <Section title={t("admin.audit.title")} description={t("admin.audit.description")}>
      <FilterForm onApply={setFilters} />
      {(errors.from ?? errors.to) && (
        <Text c="red" size="sm" role="alert">
          {errorFor(errors, "from", "to")}
        </Text>
      )}
      <QueryState isPending={query.isPending} error={query.error} onRetry={() => void query.refetch()}>
        {entries.length === 0 ? (
          <EmptyState>{t("admin.audit.empty")}</EmptyState>
        ) : (
          <Table striped verticalSpacing="xs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("admin.audit.when")}</Table.Th>
                <Table.Th>{t("admin.audit.actor")}</Table.Th>
                <Table.Th>{t("admin.audit.action")}</Table.Th>
                <Table.Th>{t("admin.audit.object")}</Table.Th>
                <Table.Th>{t("admin.audit.details")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {entries.map((entry) => (
                <Table.Tr key={entry.id} data-testid="audit-entry" data-action={entry.action}>
                  <Table.Td style={{ whiteSpace: "nowrap" }}>{formatDateTime(entry.createdAt, language)}</Table.Td>
                  <Table.Td>
                    <Text size="sm">{actorLabel(entry)}</Text>
                    {entry.ip && (
                      <Text size="xs" c="dimmed">
                        {entry.ip}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" ff="monospace" style={{ whiteSpace: "nowrap" }}>
                      {entry.action}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{entry.objectType ?? ""}</Text>
                    {entry.objectId && (
                      <Text size="xs" c="dimmed" ff="monospace">
                        {entry.objectId.slice(0, 8)}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Details entry={entry} />
                  </Table.Td>
                </Table.Tr>
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

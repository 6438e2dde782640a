import { Alert, Button, Group, Menu, Popover, Select, Stack, Text, TextInput } from "@mantine/core";
import { IconChevronDown, IconX } from "@tabler/icons-react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { type Case, type CaseStatus, caseKeys, casePriorities, caseStatuses, type Member } from "../api.ts";
import { describeError } from "../error-message.ts";
import { type BulkOutcome, type BulkPatch, bulkMerge, bulkUpdate, undoCaseOperation } from "./inbox-api.ts";

/** What the last bulk action did, with its undo when the API allows one. */
type Report = { kind: "update" | "merge"; outcome: BulkOutcome; undo?: () => Promise<unknown> };

/** Sets each changed case's status back to what it was (one request per former status). */
function statusUndo(outcome: BulkOutcome, newStatus: CaseStatus): (() => Promise<unknown>) | undefined {
  // A closed case cannot be reopened: nothing to undo then.
  if (newStatus === "closed") return undefined;
  const byStatus = new Map<CaseStatus, string[]>();
  for (const result of outcome.results) {
    if (result.ok && result.before && result.before.status !== newStatus) {
      byStatus.set(result.before.status, [...(byStatus.get(result.before.status) ?? []), result.caseId]);
    }
  }
  if (byStatus.size === 0) return undefined;
  return async () => {
    for (const [status, ids] of byStatus) await bulkUpdate(ids, { status });
  };
}

/** Puts merged cases back apart (each merge is an operation of its own). */
function mergeUndo(outcome: BulkOutcome): (() => Promise<unknown>) | undefined {
  const operations = outcome.results.flatMap((r) => (r.ok && r.operationId ? [r.operationId] : []));
  if (operations.length === 0) return undefined;
  return async () => {
    for (const id of operations) await undoCaseOperation(id);
  };
}

/** Actions on the ticked cases: assign, tag, status, priority, merge; then what happened, with Undo. */
export function BulkBar({
  selectedIds,
  cases,
  members,
  loadedCount,
  onSelectAll,
  onClear,
  onDone,
}: {
  selectedIds: string[];
  cases: Case[];
  members: Member[];
  loadedCount: number;
  onSelectAll: () => void;
  onClear: () => void;
  /** After an action: the ids the server refused (they stay ticked). */
  onDone: (refusedIds: string[]) => void;
}) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [report, setReport] = useState<Report | null>(null);
  const [tag, setTag] = useState("");
  const [target, setTarget] = useState<string | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: caseKeys.all });

  const run = useMutation({
    mutationFn: async (action: { patch: BulkPatch } | { mergeInto: string }): Promise<Report> => {
      if ("mergeInto" in action) {
        const outcome = await bulkMerge(selectedIds, action.mergeInto);
        return { kind: "merge", outcome, undo: mergeUndo(outcome) };
      }
      const outcome = await bulkUpdate(selectedIds, action.patch);
      const undo = action.patch.status ? statusUndo(outcome, action.patch.status) : undefined;
      return { kind: "update", outcome, ...(undo ? { undo } : {}) };
    },
    onSuccess: (next) => {
      setReport(next);
      onDone(next.outcome.results.flatMap((r) => (r.ok ? [] : [r.caseId])));
      void refresh();
    },
  });
  const undo = useMutation({
    mutationFn: () => report?.undo?.() ?? Promise.resolve(),
    onSuccess: () => {
      setReport(null);
      void refresh();
    },
  });
  // The report (and its Undo) goes away after a while.
  useEffect(() => {
    if (!report) return;
    const timer = window.setTimeout(() => setReport(null), 20_000);
    return () => window.clearTimeout(timer);
  }, [report]);

  const numbers = new Map(cases.map((item) => [item.id, item]));
  const busy = run.isPending;
  const count = selectedIds.length;
  const failures = report?.outcome.results.flatMap((r) => (r.ok ? [] : [r])) ?? [];

  if (count === 0 && !report && !run.error) return null;
  return (
    <Stack gap={6} p="xs" style={{ borderBottom: "1px solid var(--mantine-color-default-border)" }}>
      {count > 0 && (
        <Group gap={6} wrap="wrap" data-testid="bulk-bar">
          <Text size="sm" fw={600} data-testid="bulk-count">
            {t("inboxViews.selected", { count })}
          </Text>
          {count < loadedCount && (
            <Button size="compact-xs" variant="subtle" onClick={onSelectAll}>
              {t("inboxViews.selectAllLoaded", { count: loadedCount })}
            </Button>
          )}
          <Button size="compact-xs" variant="subtle" color="gray" leftSection={<IconX size={12} />} onClick={onClear}>
            {t("inboxViews.clearSelection")}
          </Button>
          <Group gap={4} wrap="wrap" w="100%">
            <Menu position="bottom-start" withinPortal>
              <Menu.Target>
                <Button size="compact-xs" variant="default" rightSection={<IconChevronDown size={12} />} loading={busy}>
                  {t("inboxViews.bulkStatus")}
                </Button>
              </Menu.Target>
              <Menu.Dropdown>
                {caseStatuses.map((status) => (
                  <Menu.Item key={status} onClick={() => run.mutate({ patch: { status } })}>
                    {t(`status.${status}`)}
                  </Menu.Item>
                ))}
              </Menu.Dropdown>
            </Menu>
            <Menu position="bottom-start" withinPortal>
              <Menu.Target>
                <Button
                  size="compact-xs"
                  variant="default"
                  rightSection={<IconChevronDown size={12} />}
                  disabled={busy}
                >
                  {t("case.priority")}
                </Button>
              </Menu.Target>
              <Menu.Dropdown>
                {casePriorities.map((priority) => (
                  <Menu.Item key={priority} onClick={() => run.mutate({ patch: { priority } })}>
                    {t(`priority.${priority}`)}
                  </Menu.Item>
                ))}
              </Menu.Dropdown>
            </Menu>
            <Popover position="bottom-start" width={240} trapFocus shadow="md">
              <Popover.Target>
                <Button size="compact-xs" variant="default" disabled={busy}>
                  {t("inboxViews.bulkAssign")}
                </Button>
              </Popover.Target>
              <Popover.Dropdown>
                <Select
                  size="xs"
                  searchable
                  label={t("case.assignee")}
                  comboboxProps={{ withinPortal: false }}
                  data={[
                    { value: "none", label: t("inbox.assigneeNone") },
                    ...members
                      .filter((member) => member.role !== "analyst")
                      .map((member) => ({ value: member.id, label: member.name })),
                  ]}
                  onChange={(value) => {
                    if (value) run.mutate({ patch: { assigneeId: value === "none" ? null : value } });
                  }}
                />
              </Popover.Dropdown>
            </Popover>
            <Popover position="bottom-start" width={240} trapFocus shadow="md">
              <Popover.Target>
                <Button size="compact-xs" variant="default" disabled={busy}>
                  {t("inboxViews.bulkTag")}
                </Button>
              </Popover.Target>
              <Popover.Dropdown>
                <Stack gap="xs">
                  <TextInput
                    size="xs"
                    label={t("case.tags")}
                    placeholder={t("inbox.tagPlaceholder")}
                    value={tag}
                    onChange={(event) => setTag(event.currentTarget.value)}
                  />
                  <Group gap="xs" grow>
                    <Button
                      size="xs"
                      disabled={!tag.trim()}
                      onClick={() => run.mutate({ patch: { addTags: [tag.trim()] } })}
                    >
                      {t("inboxViews.addTag")}
                    </Button>
                    <Button
                      size="xs"
                      variant="default"
                      disabled={!tag.trim()}
                      onClick={() => run.mutate({ patch: { removeTags: [tag.trim()] } })}
                    >
                      {t("inboxViews.removeTag")}
                    </Button>
                  </Group>
                </Stack>
              </Popover.Dropdown>
            </Popover>
            <Popover position="bottom-start" width={280} trapFocus shadow="md">
              <Popover.Target>
                <Button size="compact-xs" variant="default" disabled={busy || count < 2}>
                  {t("inboxViews.bulkMerge")}
                </Button>
              </Popover.Target>
              <Popover.Dropdown>
                <Stack gap="xs">
                  <Select
                    size="xs"
                    label={t("inboxViews.mergeInto")}
                    comboboxProps={{ withinPortal: false }}
                    value={target}
                    onChange={setTarget}
                    data={selectedIds.flatMap((id) => {
                      const item = numbers.get(id);
                      return item ? [{ value: id, label: `#${item.number} ${item.subject}`.slice(0, 80) }] : [];
                    })}
                  />
                  <Text size="xs" c="dimmed">
                    {t("inboxViews.mergeHelp")}
                  </Text>
                  <Button
                    size="xs"
                    color="red"
                    disabled={!target}
                    onClick={() => target && run.mutate({ mergeInto: target })}
                  >
                    {t("inboxViews.mergeConfirm", { count: count - 1 })}
                  </Button>
                </Stack>
              </Popover.Dropdown>
            </Popover>
          </Group>
        </Group>
      )}
      {run.error && (
        <Alert color="red" role="alert" p="xs" withCloseButton onClose={() => run.reset()}>
          {describeError(run.error, t)}
        </Alert>
      )}
      {report && (
        <Alert
          color={failures.length ? "orange" : "teal"}
          p="xs"
          role="status"
          withCloseButton
          onClose={() => setReport(null)}
          data-testid="bulk-report"
        >
          <Group justify="space-between" wrap="nowrap" gap="xs">
            <Text size="sm">
              {t(report.kind === "merge" ? "inboxViews.mergedReport" : "inboxViews.updatedReport", {
                count: report.outcome.succeeded,
              })}
              {failures.length > 0 && ` ${t("inboxViews.refusedReport", { count: failures.length })}`}
            </Text>
            {report.undo && (
              <Button size="compact-xs" variant="white" onClick={() => undo.mutate()} loading={undo.isPending}>
                {t("inboxViews.undo")}
              </Button>
            )}
          </Group>
          {failures.slice(0, 5).map((failure) => (
            <Text key={failure.caseId} size="xs" mt={4}>
              #{numbers.get(failure.caseId)?.number ?? "?"} — {failure.error.message}
            </Text>
          ))}
          {undo.error && (
            <Text size="xs" c="red" mt={4}>
              {describeError(undo.error, t)}
            </Text>
          )}
        </Alert>
      )}
    </Stack>
  );
}

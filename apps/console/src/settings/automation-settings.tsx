import { Alert, Badge, Button, Group, Modal, Stack, Switch, Table, Text, Tooltip } from "@mantine/core";
import { IconPlus } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { Page } from "../api.ts";
import { describeError } from "../error-message.ts";
import { formatDateTime, useLanguage } from "../format.ts";
import { inboxPath } from "../inbox/views.ts";
import { linkHandler } from "../router.ts";
import { RuleEditor } from "./rule-editor.tsx";
import {
  type ActionResult,
  bodyOf,
  deleteRule,
  fetchRuleLog,
  fetchWebhookCalls,
  type Rule,
  type RuleBody,
  rulesKeys,
  saveRule,
} from "./rules-api.ts";
import { ScenarioGallery } from "./scenario-gallery.tsx";
import { fetchRules, settingsKeys } from "./settings-api.ts";
import { EmptyState, QueryState, Section } from "./settings-parts.tsx";

const fetchRuleList = () => fetchRules() as unknown as Promise<Page<Rule>>;

function ResultBadge({ result }: { result: ActionResult }) {
  const { t } = useTranslation();
  const color = result.ok ? "green" : result.skipped ? "gray" : "red";
  const badge = (
    <Badge color={color} variant="light" data-testid="log-result">
      {t(`ruleEditor.actions.${result.action}`, { defaultValue: result.action })}
      {result.ok ? "" : result.skipped ? ` · ${t("ruleEditor.skipped")}` : ` · ${t("ruleEditor.failed")}`}
    </Badge>
  );
  return result.error ? (
    <Tooltip label={result.error} multiline w={320}>
      {badge}
    </Tooltip>
  ) : (
    badge
  );
}

/** The execution log of one rule (newest first) and its webhook calls. */
function RuleLog({ rule }: { rule: Rule }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const log = useQuery({ queryKey: rulesKeys.log(rule.id), queryFn: () => fetchRuleLog(rule.id) });
  const hasWebhook = rule.actions.some((a) => a.type === "webhook");
  const calls = useQuery({
    queryKey: rulesKeys.webhookCalls(rule.id),
    queryFn: () => fetchWebhookCalls(rule.id),
    enabled: hasWebhook,
  });
  return (
    <Stack>
      <QueryState isPending={log.isPending} error={log.error} onRetry={() => void log.refetch()}>
        {log.data?.data.length === 0 ? (
          <EmptyState>{t("ruleEditor.logEmpty")}</EmptyState>
        ) : (
          <Table striped data-testid="rule-log">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("ruleEditor.time")}</Table.Th>
                <Table.Th>{t("ruleEditor.case")}</Table.Th>
                <Table.Th>{t("ruleEditor.depth")}</Table.Th>
                <Table.Th>{t("ruleEditor.results")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {log.data?.data.map((entry) => {
                const path = entry.caseId ? inboxPath("open", entry.caseId) : null;
                return (
                  <Table.Tr key={entry.id} data-testid="log-entry">
                    <Table.Td>{formatDateTime(entry.createdAt, language)}</Table.Td>
                    <Table.Td>
                      {path ? (
                        <a href={path} onClick={linkHandler(path)}>
                          {t("ruleEditor.openCase")}
                        </a>
                      ) : (
                        t("ruleEditor.noCase")
                      )}
                    </Table.Td>
                    <Table.Td>{entry.depth}</Table.Td>
                    <Table.Td>
                      <Group gap={4}>
                        {entry.results.map((r, i) => (
                          // Results are positional: one per action, in order.
                          // biome-ignore lint/suspicious/noArrayIndexKey: the log's results have no id.
                          <ResultBadge key={i} result={r} />
                        ))}
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        )}
      </QueryState>
      {hasWebhook && (calls.data?.data.length ?? 0) > 0 && (
        <Table striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("ruleEditor.webhookCall")}</Table.Th>
              <Table.Th>{t("ruleEditor.status")}</Table.Th>
              <Table.Th>{t("ruleEditor.attempts")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {calls.data?.data.map((c) => (
              <Table.Tr key={c.id}>
                <Table.Td>
                  <Text size="xs" ff="monospace">
                    {c.url}
                  </Text>
                  {c.lastError && (
                    <Text size="xs" c="red">
                      {c.lastError}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <Badge
                    variant="light"
                    color={c.status === "delivered" ? "green" : c.status === "failed" ? "red" : "gray"}
                  >
                    {t(`ruleEditor.webhookStatus.${c.status}`)}
                  </Badge>
                </Table.Td>
                <Table.Td>{c.attempts}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}

function RuleRow({ rule, onEdit, onLog }: { rule: Rule; onEdit: () => void; onLog: () => void }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const queryClient = useQueryClient();
  const toggle = useMutation({
    mutationFn: (enabled: boolean) => saveRule({ ...bodyOf(rule), enabled }, rule.id),
    // Optimistic: the switch moves at once and goes back if the server refuses.
    onMutate: async (enabled) => {
      await queryClient.cancelQueries({ queryKey: settingsKeys.rules });
      const previous = queryClient.getQueryData<Page<Rule>>(settingsKeys.rules);
      if (previous) {
        queryClient.setQueryData<Page<Rule>>(settingsKeys.rules, {
          ...previous,
          data: previous.data.map((r) => (r.id === rule.id ? { ...r, enabled } : r)),
        });
      }
      return { previous };
    },
    onError: (_error, _enabled, context) => {
      if (context?.previous) queryClient.setQueryData(settingsKeys.rules, context.previous);
    },
    onSettled: () => void queryClient.invalidateQueries({ queryKey: settingsKeys.rules }),
  });
  return (
    <Table.Tr data-testid="rule" data-rule-name={rule.name}>
      <Table.Td>{rule.position}</Table.Td>
      <Table.Td>
        <Text size="sm" fw={500}>
          {rule.name}
        </Text>
        {rule.keywords.length > 0 && (
          <Text size="xs" c="dimmed">
            {rule.keywords.join(", ")}
          </Text>
        )}
        {rule.disabledReason && (
          <Text size="xs" c="orange" data-testid="rule-disabled-reason">
            {rule.disabledReason}
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        <Badge variant="light">{t(`ruleEditor.triggers.${rule.trigger}`, { defaultValue: rule.trigger })}</Badge>
      </Table.Td>
      <Table.Td>{formatDateTime(rule.updatedAt, language)}</Table.Td>
      <Table.Td>
        <Stack gap={2}>
          <Switch
            checked={rule.enabled}
            onChange={(event) => toggle.mutate(event.currentTarget.checked)}
            label={rule.enabled ? t("settings.automation.enabled") : t("settings.automation.disabled")}
            aria-label={t("settings.automation.toggle", { name: rule.name })}
          />
          {toggle.error && (
            <Text size="xs" c="red" role="alert">
              {describeError(toggle.error, t)}
            </Text>
          )}
        </Stack>
      </Table.Td>
      <Table.Td>
        <Group gap={4} wrap="nowrap">
          <Button
            size="compact-xs"
            variant="light"
            onClick={onEdit}
            aria-label={t("ruleEditor.editNamed", { name: rule.name })}
          >
            {t("ruleEditor.edit")}
          </Button>
          <Button
            size="compact-xs"
            variant="subtle"
            onClick={onLog}
            aria-label={t("ruleEditor.logNamed", { name: rule.name })}
          >
            {t("ruleEditor.log")}
          </Button>
        </Group>
      </Table.Td>
    </Table.Tr>
  );
}

/** Automation rules in the order they run: switched on or off, created and edited with the rule builder, with their log. */
export function AutomationSettings() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const query = useQuery({ queryKey: settingsKeys.rules, queryFn: fetchRuleList });
  const [editing, setEditing] = useState<Rule | "new" | null>(null);
  const [logOf, setLogOf] = useState<Rule | null>(null);
  const save = useMutation({
    mutationFn: ({ body, id }: { body: RuleBody; id?: string | undefined }) => saveRule(body, id),
    onSuccess: () => {
      setEditing(null);
      void queryClient.invalidateQueries({ queryKey: settingsKeys.rules });
    },
  });
  const remove = useMutation({
    mutationFn: deleteRule,
    onSuccess: () => {
      setEditing(null);
      void queryClient.invalidateQueries({ queryKey: settingsKeys.rules });
    },
  });
  const open = (rule: Rule | "new") => {
    save.reset();
    remove.reset();
    setEditing(rule);
  };
  const current = editing === "new" ? undefined : (editing ?? undefined);
  const openById = (id: string) => {
    const rule = query.data?.data.find((r) => r.id === id);
    if (rule) open(rule);
  };
  return (
    <Stack gap="xl">
      <ScenarioGallery rules={query.data?.data ?? []} onOpenRule={openById} />
      <Section title={t("settings.automation.title")} description={t("settings.automation.description")}>
        <Group mb="sm">
          <Button leftSection={<IconPlus size={16} />} onClick={() => open("new")} data-testid="new-rule">
            {t("ruleEditor.newRule")}
          </Button>
        </Group>
        <QueryState isPending={query.isPending} error={query.error} onRetry={() => void query.refetch()}>
          {query.data?.data.length === 0 ? (
            <EmptyState>{t("settings.automation.empty")}</EmptyState>
          ) : (
            <Table striped>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>#</Table.Th>
                  <Table.Th>{t("settings.automation.name")}</Table.Th>
                  <Table.Th>{t("settings.automation.trigger")}</Table.Th>
                  <Table.Th>{t("settings.automation.updated")}</Table.Th>
                  <Table.Th>{t("settings.automation.state")}</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {query.data?.data.map((rule) => (
                  <RuleRow key={rule.id} rule={rule} onEdit={() => open(rule)} onLog={() => setLogOf(rule)} />
                ))}
              </Table.Tbody>
            </Table>
          )}
        </QueryState>
        <Modal
          opened={editing !== null}
          onClose={() => setEditing(null)}
          title={current ? t("ruleEditor.editTitle", { name: current.name }) : t("ruleEditor.newRule")}
          size="xl"
        >
          {editing !== null && (
            <Stack>
              <RuleEditor
                key={current?.id ?? "new"}
                rule={current}
                saving={save.isPending}
                saveError={save.error}
                onCancel={() => setEditing(null)}
                onSave={(body) => save.mutate({ body, id: current?.id })}
              />
              {current && (
                <Group justify="flex-start">
                  <Button
                    color="red"
                    variant="subtle"
                    size="xs"
                    loading={remove.isPending}
                    onClick={() => {
                      if (window.confirm(t("ruleEditor.confirmDelete", { name: current.name })))
                        remove.mutate(current.id);
                    }}
                  >
                    {t("ruleEditor.delete")}
                  </Button>
                  {remove.error && (
                    <Alert color="red" role="alert">
                      {describeError(remove.error, t)}
                    </Alert>
                  )}
                </Group>
              )}
            </Stack>
          )}
        </Modal>
        <Modal
          opened={logOf !== null}
          onClose={() => setLogOf(null)}
          title={logOf ? t("ruleEditor.logTitle", { name: logOf.name }) : ""}
          size="xl"
        >
          {logOf && <RuleLog rule={logOf} />}
        </Modal>
      </Section>
    </Stack>
  );
}

import { Badge, Stack, Switch, Table, Text } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import type { Page } from "../api.ts";
import { describeError } from "../error-message.ts";
import { formatDateTime, useLanguage } from "../format.ts";
import { type AutomationRule, fetchRules, setRuleEnabled, settingsKeys } from "./settings-api.ts";
import { EmptyState, QueryState, Section } from "./settings-parts.tsx";

function RuleRow({ rule }: { rule: AutomationRule }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const queryClient = useQueryClient();
  const toggle = useMutation({
    mutationFn: (enabled: boolean) => setRuleEnabled(rule, enabled),
    // Optimistic: the switch moves at once and goes back if the server refuses.
    onMutate: async (enabled) => {
      await queryClient.cancelQueries({ queryKey: settingsKeys.rules });
      const previous = queryClient.getQueryData<Page<AutomationRule>>(settingsKeys.rules);
      if (previous) {
        queryClient.setQueryData<Page<AutomationRule>>(settingsKeys.rules, {
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
    <Table.Tr data-testid="rule">
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
      </Table.Td>
      <Table.Td>
        <Badge variant="light">{rule.trigger}</Badge>
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
    </Table.Tr>
  );
}

/** Automation rules in the order they run, each switched on or off. */
export function AutomationSettings() {
  const { t } = useTranslation();
  const query = useQuery({ queryKey: settingsKeys.rules, queryFn: fetchRules });
  return (
    <Section title={t("settings.automation.title")} description={t("settings.automation.description")}>
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
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {query.data?.data.map((rule) => (
                <RuleRow key={rule.id} rule={rule} />
              ))}
            </Table.Tbody>
          </Table>
        )}
      </QueryState>
    </Section>
  );
}

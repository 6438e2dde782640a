import {
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  Group,
  JsonInput,
  List,
  Modal,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  TagsInput,
  Text,
  Textarea,
  TextInput,
} from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { ApiError } from "../api.ts";
import { useMembers, useTeams } from "../directory.ts";
import { describeError } from "../error-message.ts";
import { linkHandler } from "../router.ts";
import type { Rule } from "./rules-api.ts";
import {
  fetchScenarios,
  installScenario,
  problemsByField,
  type Scenario,
  type ScenarioField,
  scenarioKeys,
  uninstallScenario,
} from "./scenarios-api.ts";
import { settingsKeys } from "./settings-api.ts";
import { QueryState, Section } from "./settings-parts.tsx";

type Values = Record<string, unknown>;

/** The WeChat menu key a scenario's parameters name (its menu button is published from the WeChat page). */
function menuKeyOf(params: Record<string, unknown>): string | undefined {
  const entry = params.entry as { menuKey?: unknown } | undefined;
  const key = params.menuKey ?? entry?.menuKey;
  return typeof key === "string" && key ? key : undefined;
}

/** The form's starting values: the scenario's example (JSON fields as text, edited as JSON). */
function initialValues(s: Scenario): Values {
  const v: Values = {};
  for (const f of s.fields) {
    const example = s.example[f.name];
    if (f.kind === "json") v[f.name] = example === undefined ? "" : JSON.stringify(example, null, 2);
    else if (example !== undefined) v[f.name] = example;
  }
  return v;
}

/** The parameters to send: empty inputs left out, JSON parsed (a JSON syntax error is reported on its field). */
function paramsOf(s: Scenario, values: Values): { params: Values; jsonErrors: Record<string, string> } {
  const params: Values = {};
  const jsonErrors: Record<string, string> = {};
  for (const f of s.fields) {
    const v = values[f.name];
    if (v === undefined || v === "" || v === null || (Array.isArray(v) && v.length === 0)) continue;
    if (f.kind === "json") {
      try {
        params[f.name] = JSON.parse(String(v));
      } catch (err) {
        jsonErrors[f.name] = err instanceof Error ? err.message : String(err);
      }
    } else if (f.kind === "entry") {
      const e = v as { menuKey?: string; keywords?: string[] };
      params[f.name] = {
        ...(e.menuKey ? { menuKey: e.menuKey } : {}),
        ...(e.keywords?.length ? { keywords: e.keywords } : {}),
      };
    } else params[f.name] = v;
  }
  return { params, jsonErrors };
}

function FieldInput({
  field,
  value,
  onChange,
  error,
}: {
  field: ScenarioField;
  value: unknown;
  onChange: (v: unknown) => void;
  error: string | undefined;
}) {
  const { t } = useTranslation();
  const members = useMembers();
  const teams = useTeams();
  const label = t(`scenarios.fields.${field.name}`, { defaultValue: field.name });
  const common = { label, error, required: field.required, "data-testid": `scenario-field-${field.name}` };
  switch (field.kind) {
    case "textarea":
      return (
        <Textarea
          {...common}
          autosize
          minRows={2}
          value={String(value ?? "")}
          onChange={(e) => onChange(e.currentTarget.value)}
        />
      );
    case "number":
      return (
        <NumberInput
          {...common}
          value={typeof value === "number" ? value : ""}
          onChange={(v) => onChange(typeof v === "number" ? v : undefined)}
        />
      );
    case "boolean":
      return (
        <Switch
          label={label}
          data-testid={common["data-testid"]}
          checked={value !== false}
          onChange={(e) => onChange(e.currentTarget.checked)}
        />
      );
    case "keywords":
      return <TagsInput {...common} value={Array.isArray(value) ? value.map(String) : []} onChange={onChange} />;
    case "agent":
      return (
        <Select
          {...common}
          searchable
          data={members.map((m) => ({ value: m.id, label: m.name || m.email }))}
          value={typeof value === "string" ? value : null}
          onChange={(v) => onChange(v ?? undefined)}
        />
      );
    case "team":
      return (
        <Select
          {...common}
          clearable
          data={teams.map((tm) => ({ value: tm.id, label: tm.name }))}
          value={typeof value === "string" ? value : null}
          onChange={(v) => onChange(v ?? undefined)}
        />
      );
    case "entry": {
      const e = (value ?? {}) as { menuKey?: string; keywords?: string[] };
      return (
        <Stack gap={4}>
          <Text size="sm" fw={500}>
            {label}
          </Text>
          <Group grow align="flex-start">
            <TextInput
              label={t("scenarios.fields.menuKey")}
              data-testid="scenario-field-entry-menuKey"
              value={e.menuKey ?? ""}
              onChange={(ev) => onChange({ ...e, menuKey: ev.currentTarget.value })}
            />
            <TagsInput
              label={t("scenarios.fields.keywords")}
              data-testid="scenario-field-entry-keywords"
              value={e.keywords ?? []}
              onChange={(keywords) => onChange({ ...e, keywords })}
            />
          </Group>
          {error && (
            <Text size="xs" c="red">
              {error}
            </Text>
          )}
        </Stack>
      );
    }
    case "json":
      return (
        <JsonInput
          {...common}
          description={t("scenarios.jsonHint")}
          autosize
          minRows={4}
          maxRows={16}
          value={String(value ?? "")}
          onChange={onChange}
        />
      );
    default:
      return <TextInput {...common} value={String(value ?? "")} onChange={(e) => onChange(e.currentTarget.value)} />;
  }
}

/** The parameter form of one scenario: install, then the rules it created. */
function InstallForm({
  scenario,
  onOpenRule,
  onDone,
}: {
  scenario: Scenario;
  onOpenRule: (id: string) => void;
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [values, setValues] = useState<Values>(() => initialValues(scenario));
  const [jsonErrors, setJsonErrors] = useState<Record<string, string>>({});
  const install = useMutation({
    mutationFn: (params: Values) => installScenario(scenario.id, params),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: scenarioKeys.all });
      void queryClient.invalidateQueries({ queryKey: settingsKeys.rules });
    },
  });
  const problems = install.error instanceof ApiError ? problemsByField(install.error.body?.details) : {};
  const submit = () => {
    const { params, jsonErrors: errors } = paramsOf(scenario, values);
    setJsonErrors(errors);
    if (Object.keys(errors).length === 0) install.mutate(params);
  };
  if (install.data) {
    return (
      <Stack data-testid="scenario-installed">
        <Alert color="green">{t("scenarios.installed", { count: install.data.rules.length })}</Alert>
        {menuKeyOf(install.data.install.params) && (
          <Text size="sm" data-testid="scenario-menu-hint">
            {t("scenarios.menuHint", { key: menuKeyOf(install.data.install.params) })}{" "}
            <Anchor href="/settings/wechat" onClick={linkHandler("/settings/wechat")}>
              {t("scenarios.menuLink")}
            </Anchor>
          </Text>
        )}
        <List>
          {install.data.rules.map((r: Rule) => (
            <List.Item key={r.id}>
              <Anchor
                component="button"
                type="button"
                onClick={() => onOpenRule(r.id)}
                data-testid="scenario-rule-link"
              >
                {r.name}
              </Anchor>
            </List.Item>
          ))}
        </List>
        <Group justify="flex-end">
          <Button onClick={onDone}>{t("scenarios.done")}</Button>
        </Group>
      </Stack>
    );
  }
  return (
    <Stack>
      <Text size="sm" c="dimmed">
        {t(`scenarios.items.${scenario.id}.description`, { defaultValue: scenario.id })}
      </Text>
      {scenario.fields.map((f) => (
        <FieldInput
          key={f.name}
          field={f}
          value={values[f.name]}
          onChange={(v) => setValues((prev) => ({ ...prev, [f.name]: v }))}
          error={jsonErrors[f.name] ?? problems[f.name]?.join("\n")}
        />
      ))}
      {install.error && (
        <Alert color="red" role="alert" data-testid="scenario-error">
          {describeError(install.error, t)}
        </Alert>
      )}
      <Group justify="flex-end">
        <Button onClick={submit} loading={install.isPending} data-testid="scenario-install">
          {t("scenarios.install")}
        </Button>
      </Group>
    </Stack>
  );
}

/** One card: what the scenario does, its installs (with links to their rules), and the button to set it up. */
function ScenarioCard({
  scenario,
  rules,
  onSetUp,
  onOpenRule,
}: {
  scenario: Scenario;
  rules: readonly Rule[];
  onSetUp: () => void;
  onOpenRule: (id: string) => void;
}) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const remove = useMutation({
    mutationFn: uninstallScenario,
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: scenarioKeys.all });
      void queryClient.invalidateQueries({ queryKey: settingsKeys.rules });
    },
  });
  const title = t(`scenarios.items.${scenario.id}.title`, { defaultValue: scenario.id });
  return (
    <Card withBorder padding="sm" data-testid="scenario-card" data-scenario={scenario.id}>
      <Stack gap="xs" h="100%">
        <Group justify="space-between" wrap="nowrap" align="flex-start">
          <Text fw={600} size="sm">
            {title}
          </Text>
          {scenario.installs.length > 0 && (
            <Badge color="green" variant="light" style={{ flexShrink: 0 }}>
              {t("scenarios.installCount", { count: scenario.installs.length })}
            </Badge>
          )}
        </Group>
        <Text size="xs" c="dimmed">
          {t(`scenarios.items.${scenario.id}.description`, { defaultValue: scenario.id })}
        </Text>
        <Badge variant="outline" size="xs">
          {scenario.trigger}
        </Badge>
        {scenario.installs.map((i) => (
          <Stack key={i.id} gap={2} data-testid="scenario-install-entry">
            <Group gap={4} justify="space-between">
              <Text size="xs" ff="monospace">
                {i.installKey}
              </Text>
              <Button
                size="compact-xs"
                variant="subtle"
                color="red"
                loading={remove.isPending && remove.variables === i.id}
                onClick={() => {
                  if (window.confirm(t("scenarios.confirmUninstall", { name: title }))) remove.mutate(i.id);
                }}
              >
                {t("scenarios.uninstall")}
              </Button>
            </Group>
            <Group gap={4}>
              {i.ruleIds.map((id) => (
                <Anchor key={id} size="xs" component="button" type="button" onClick={() => onOpenRule(id)}>
                  {rules.find((r) => r.id === id)?.name ?? t("scenarios.rule")}
                </Anchor>
              ))}
            </Group>
          </Stack>
        ))}
        {remove.error && (
          <Text size="xs" c="red" role="alert">
            {describeError(remove.error, t)}
          </Text>
        )}
        <Group justify="flex-end" mt="auto">
          <Button size="xs" variant="light" onClick={onSetUp} aria-label={t("scenarios.setUpNamed", { name: title })}>
            {t("scenarios.setUp")}
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}

/** The gallery of ready-made WeChat service scenarios (issue #8): pick one, fill its short form, install its rules. */
export function ScenarioGallery({ rules, onOpenRule }: { rules: readonly Rule[]; onOpenRule: (id: string) => void }) {
  const { t } = useTranslation();
  const query = useQuery({ queryKey: scenarioKeys.all, queryFn: fetchScenarios });
  const [setUp, setSetUp] = useState<Scenario | null>(null);
  return (
    <Section title={t("scenarios.title")} description={t("scenarios.description")}>
      <QueryState isPending={query.isPending} error={query.error} onRetry={() => void query.refetch()}>
        <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }} data-testid="scenario-gallery">
          {query.data?.data.map((s) => (
            <ScenarioCard key={s.id} scenario={s} rules={rules} onSetUp={() => setSetUp(s)} onOpenRule={onOpenRule} />
          ))}
        </SimpleGrid>
      </QueryState>
      <Modal
        opened={setUp !== null}
        onClose={() => setSetUp(null)}
        title={setUp ? t(`scenarios.items.${setUp.id}.title`, { defaultValue: setUp.id }) : ""}
        size="lg"
      >
        {setUp && (
          <InstallForm
            key={setUp.id}
            scenario={setUp}
            onDone={() => setSetUp(null)}
            onOpenRule={(id) => {
              setSetUp(null);
              onOpenRule(id);
            }}
          />
        )}
      </Modal>
    </Section>
  );
}

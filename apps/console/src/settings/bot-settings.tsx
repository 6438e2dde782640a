import {
  ActionIcon,
  Badge,
  Button,
  Card,
  Group,
  Loader,
  NumberInput,
  Progress,
  Radio,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Table,
  Tabs,
  Text,
  Textarea,
  TextInput,
} from "@mantine/core";
import { IconPencil, IconPlus, IconTrash } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { fetchTeams } from "../api.ts";
import { describeError } from "../error-message.ts";
import { formatDateTime, useLanguage } from "../format.ts";
import {
  type BotLang,
  type BotSettings,
  botKeys,
  botLangs,
  createIntent,
  deleteFlow,
  deleteIntent,
  type Flow,
  fetchBotSettings,
  fetchFlows,
  fetchIntents,
  fetchTemplates,
  type Intent,
  type IntentInput,
  installTemplate,
  saveBotSettings,
  type Training,
  trainBot,
  updateIntent,
} from "./bot-api.ts";
import { FlowEditor } from "./bot-flow-editor.tsx";
import { errorFor, fieldErrors } from "./field-errors.ts";
import { I18nTextFields, i18nTextOf, langTextsOf } from "./i18n-text-fields.tsx";
import { settingsKeys } from "./settings-api.ts";
import { EmptyState, FormError, QueryState, Section, SettingsForm, SubmitRow } from "./settings-parts.tsx";

const NO_TEAM = "__none__";
const settingsFields = [
  "enabled",
  "threshold",
  "fallbackText",
  "handoverText",
  "maxFallbacks",
  "timeoutMinutes",
  "handoverTeamId",
];

/** A whole number within bounds, or null (the field then says so). */
function inRange(value: number | string, min: number, max: number, integer = true): number | null {
  if (typeof value !== "number" || Number.isNaN(value) || value < min || value > max) return null;
  return integer && !Number.isInteger(value) ? null : value;
}

function BotSettingsForm({ settings }: { settings: BotSettings }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const teams = useQuery({ queryKey: settingsKeys.teams, queryFn: fetchTeams });
  const [enabled, setEnabled] = useState(settings.enabled);
  const [threshold, setThreshold] = useState<number | string>(settings.threshold);
  const [maxFallbacks, setMaxFallbacks] = useState<number | string>(settings.maxFallbacks);
  const [timeoutMinutes, setTimeoutMinutes] = useState<number | string>(settings.timeoutMinutes);
  const [teamId, setTeamId] = useState(settings.handoverTeamId ?? NO_TEAM);
  const [fallbackText, setFallbackText] = useState(langTextsOf(settings.fallbackText));
  const [handoverText, setHandoverText] = useState(langTextsOf(settings.handoverText));
  const [local, setLocal] = useState<Record<string, string>>({});
  const save = useMutation({
    mutationFn: saveBotSettings,
    onSuccess: (saved) => queryClient.setQueryData(botKeys.settings, saved),
  });
  const errors = { ...fieldErrors(save.error), ...local };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const problems: Record<string, string> = {};
    const th = inRange(threshold, 0, 1, false);
    const mf = inRange(maxFallbacks, 1, 10);
    const tm = inRange(timeoutMinutes, 1, 10080);
    if (th === null) problems.threshold = t("botAdmin.settings.thresholdRange");
    if (mf === null) problems.maxFallbacks = t("botAdmin.settings.maxFallbacksRange");
    if (tm === null) problems.timeoutMinutes = t("botAdmin.settings.timeoutRange");
    setLocal(problems);
    if (th === null || mf === null || tm === null) return;
    const fallback = i18nTextOf(fallbackText);
    const handover = i18nTextOf(handoverText);
    save.mutate({
      enabled,
      threshold: th,
      maxFallbacks: mf,
      timeoutMinutes: tm,
      handoverTeamId: teamId === NO_TEAM ? null : teamId,
      ...(fallback ? { fallbackText: fallback } : {}),
      ...(handover ? { handoverText: handover } : {}),
    });
  };
  return (
    <SettingsForm title={t("botAdmin.settings.title")} onSubmit={submit} maw={760}>
      <Switch
        label={t("botAdmin.settings.enabled")}
        description={t("botAdmin.settings.enabledHelp")}
        checked={enabled}
        onChange={(event) => setEnabled(event.currentTarget.checked)}
        error={errorFor(errors, "enabled")}
      />
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
        <NumberInput
          label={t("botAdmin.settings.threshold")}
          description={t("botAdmin.settings.thresholdHelp")}
          min={0}
          max={1}
          step={0.05}
          decimalScale={2}
          value={threshold}
          onChange={setThreshold}
          error={errorFor(errors, "threshold")}
        />
        <NumberInput
          label={t("botAdmin.settings.maxFallbacks")}
          description={t("botAdmin.settings.maxFallbacksHelp")}
          min={1}
          max={10}
          allowDecimal={false}
          value={maxFallbacks}
          onChange={setMaxFallbacks}
          error={errorFor(errors, "maxFallbacks")}
        />
        <NumberInput
          label={t("botAdmin.settings.timeout")}
          description={t("botAdmin.settings.timeoutHelp")}
          min={1}
          max={10080}
          allowDecimal={false}
          value={timeoutMinutes}
          onChange={setTimeoutMinutes}
          error={errorFor(errors, "timeoutMinutes")}
        />
        <Select
          label={t("botAdmin.settings.handoverTeam")}
          description={t("botAdmin.settings.handoverTeamHelp")}
          data={[
            { value: NO_TEAM, label: t("botAdmin.settings.noTeam") },
            ...(teams.data?.data ?? []).map((team) => ({ value: team.id, label: team.name })),
          ]}
          value={teamId}
          allowDeselect={false}
          onChange={(value) => value && setTeamId(value)}
          error={errorFor(errors, "handoverTeamId")}
        />
      </SimpleGrid>
      <I18nTextFields
        label={t("botAdmin.settings.fallbackText")}
        description={t("botAdmin.settings.fallbackTextHelp")}
        value={fallbackText}
        onChange={setFallbackText}
        errors={errors}
        errorKey="fallbackText"
      />
      <I18nTextFields
        label={t("botAdmin.settings.handoverText")}
        value={handoverText}
        onChange={setHandoverText}
        errors={errors}
        errorKey="handoverText"
      />
      <FormError error={save.error} errors={errors} fields={settingsFields} />
      <SubmitRow label={t("settings.save")} pending={save.isPending} saved={save.isSuccess} />
    </SettingsForm>
  );
}

type IntentAction = "answer" | "flow" | "handover";
const linesOf = (text: string) =>
  text
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean);
const INTENT_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/i;
const intentFields = ["name", "utterances", "answer", "flowId", "handover"];

function IntentForm({ editing, flows, onDone }: { editing: Intent | null; flows: Flow[]; onDone: () => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [name, setName] = useState(editing?.name ?? "");
  const [utterances, setUtterances] = useState<Record<BotLang, string>>(() => ({
    en: (editing?.utterances.en ?? []).join("\n"),
    fr: (editing?.utterances.fr ?? []).join("\n"),
    es: (editing?.utterances.es ?? []).join("\n"),
    zh: (editing?.utterances.zh ?? []).join("\n"),
  }));
  const [action, setAction] = useState<IntentAction>(
    editing?.handover ? "handover" : editing?.flowId ? "flow" : "answer",
  );
  const [answer, setAnswer] = useState(langTextsOf(editing?.answer));
  const [flowId, setFlowId] = useState<string | null>(editing?.flowId ?? null);
  const [local, setLocal] = useState<Record<string, string>>({});
  const save = useMutation({
    mutationFn: (input: IntentInput) => (editing ? updateIntent(editing.id, input) : createIntent(input)),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: botKeys.intents });
      onDone();
    },
  });
  const errors = { ...fieldErrors(save.error), ...local };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const problems: Record<string, string> = {};
    if (!INTENT_NAME.test(name.trim())) problems.name = t("botAdmin.intents.nameRule");
    const lists = Object.fromEntries(
      botLangs.map((lang) => [lang, linesOf(utterances[lang])] as const).filter(([, list]) => list.length > 0),
    ) as Partial<Record<BotLang, string[]>>;
    if (Object.values(lists).reduce((n, list) => n + list.length, 0) < 2)
      problems.utterances = t("botAdmin.intents.atLeastTwo");
    const text = i18nTextOf(answer);
    if (action === "answer" && !text) problems.answer = t("settings.required");
    if (action === "flow" && !flowId) problems.flowId = t("settings.required");
    setLocal(problems);
    if (Object.keys(problems).length) return;
    save.mutate({
      name: name.trim(),
      utterances: lists,
      handover: action === "handover",
      ...(action === "answer" && text ? { answer: text } : {}),
      ...(action === "flow" && flowId ? { flowId } : {}),
    });
  };
  return (
    <SettingsForm
      title={editing ? t("botAdmin.intents.editTitle", { name: editing.name }) : t("botAdmin.intents.create")}
      onSubmit={submit}
      maw={760}
    >
      <TextInput
        label={t("botAdmin.intents.name")}
        description={t("botAdmin.intents.nameRule")}
        value={name}
        maxLength={64}
        required
        onChange={(event) => setName(event.currentTarget.value)}
        error={errorFor(errors, "name")}
      />
      <Text size="sm" fw={500}>
        {t("botAdmin.intents.utterances")}
      </Text>
      <Text size="xs" c="dimmed" mt={-8}>
        {t("botAdmin.intents.utterancesHelp")}
      </Text>
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xs">
        {botLangs.map((lang) => (
          <Textarea
            key={lang}
            label={t(`botAdmin.langs.${lang}`)}
            aria-label={`${t("botAdmin.intents.utterances")} — ${t(`botAdmin.langs.${lang}`)}`}
            value={utterances[lang]}
            autosize
            minRows={3}
            onChange={(event) => setUtterances({ ...utterances, [lang]: event.currentTarget.value })}
            error={errorFor(errors, `utterances.${lang}`)}
          />
        ))}
      </SimpleGrid>
      {errors.utterances && (
        <Text c="red" size="sm" role="alert">
          {errors.utterances}
        </Text>
      )}
      <Radio.Group
        label={t("botAdmin.intents.action")}
        value={action}
        onChange={(value) => setAction(value as IntentAction)}
      >
        <Group gap="md" mt={4}>
          {(["answer", "flow", "handover"] as const).map((value) => (
            <Radio key={value} value={value} label={t(`botAdmin.intents.actions.${value}`)} />
          ))}
        </Group>
      </Radio.Group>
      {action === "answer" && (
        <I18nTextFields
          label={t("botAdmin.intents.answer")}
          value={answer}
          onChange={setAnswer}
          errors={errors}
          errorKey="answer"
          multiline
        />
      )}
      {action === "flow" && (
        <Select
          label={t("botAdmin.intents.flow")}
          data={flows.map((flow) => ({ value: flow.id, label: flow.name }))}
          value={flowId}
          onChange={setFlowId}
          error={errorFor(errors, "flowId")}
          nothingFoundMessage={t("botAdmin.flows.empty")}
        />
      )}
      {action === "handover" && (
        <Text size="sm" c="dimmed">
          {t("botAdmin.intents.handoverHelp")}
        </Text>
      )}
      {action !== "answer" && errors.answer && (
        <Text c="red" size="sm" role="alert">
          {errors.answer}
        </Text>
      )}
      <FormError error={save.error} errors={errors} fields={intentFields} />
      <Group>
        <SubmitRow label={editing ? t("settings.save") : t("botAdmin.intents.create")} pending={save.isPending} />
        {editing && (
          <Button variant="subtle" onClick={onDone}>
            {t("admin.cancel")}
          </Button>
        )}
      </Group>
    </SettingsForm>
  );
}

/** A row's delete button: asks first, shows the server's refusal (e.g. a flow an intent starts) beside it. */
function DeleteButton({
  name,
  onDelete,
  invalidate,
}: {
  name: string;
  onDelete: () => Promise<void>;
  invalidate: readonly string[];
}) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const remove = useMutation({
    mutationFn: onDelete,
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: invalidate }),
  });
  return (
    <>
      {remove.error && (
        <Text size="xs" c="red" role="alert">
          {describeError(remove.error, t)}
        </Text>
      )}
      <ActionIcon
        variant="subtle"
        color="red"
        loading={remove.isPending}
        aria-label={t("admin.delete", { name })}
        onClick={() => window.confirm(t("admin.confirmDelete", { name })) && remove.mutate()}
      >
        <IconTrash size={16} />
      </ActionIcon>
    </>
  );
}

function IntentsTab() {
  const { t } = useTranslation();
  const intents = useQuery({ queryKey: botKeys.intents, queryFn: fetchIntents });
  const flows = useQuery({ queryKey: botKeys.flows, queryFn: fetchFlows });
  const [editing, setEditing] = useState<Intent | null>(null);
  // A new form after each save: the next intent starts empty.
  const [saves, setSaves] = useState(0);
  const flowName = (id: string | null) => flows.data?.data.find((flow) => flow.id === id)?.name ?? "—";
  return (
    <Stack gap="lg">
      <QueryState isPending={intents.isPending} error={intents.error} onRetry={() => void intents.refetch()}>
        {intents.data?.data.length === 0 ? (
          <EmptyState>{t("botAdmin.intents.empty")}</EmptyState>
        ) : (
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("botAdmin.intents.name")}</Table.Th>
                <Table.Th>{t("botAdmin.intents.utterances")}</Table.Th>
                <Table.Th>{t("botAdmin.intents.action")}</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {intents.data?.data.map((intent) => (
                <Table.Tr key={intent.id} data-testid="bot-intent" data-intent={intent.name}>
                  <Table.Td>
                    <Text size="sm" fw={500} ff="monospace">
                      {intent.name}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Group gap={4}>
                      {botLangs
                        .filter((lang) => intent.utterances[lang]?.length)
                        .map((lang) => (
                          <Badge key={lang} variant="light" size="sm">
                            {lang} · {intent.utterances[lang]?.length}
                          </Badge>
                        ))}
                    </Group>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">
                      {intent.handover
                        ? t("botAdmin.intents.actions.handover")
                        : intent.flowId
                          ? `${t("botAdmin.intents.actions.flow")}: ${flowName(intent.flowId)}`
                          : t("botAdmin.intents.actions.answer")}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Group gap={4} justify="flex-end" wrap="nowrap">
                      <ActionIcon
                        variant="subtle"
                        aria-label={t("admin.edit", { name: intent.name })}
                        onClick={() => setEditing(intent)}
                      >
                        <IconPencil size={16} />
                      </ActionIcon>
                      <DeleteButton
                        name={intent.name}
                        onDelete={() => deleteIntent(intent.id)}
                        invalidate={botKeys.intents}
                      />
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </QueryState>
      <IntentForm
        key={editing?.id ?? `new-${saves}`}
        editing={editing}
        flows={flows.data?.data ?? []}
        onDone={() => {
          setEditing(null);
          setSaves((n) => n + 1);
        }}
      />
    </Stack>
  );
}

function FlowsTab() {
  const { t } = useTranslation();
  const language = useLanguage();
  const flows = useQuery({ queryKey: botKeys.flows, queryFn: fetchFlows });
  const [editing, setEditing] = useState<Flow | "new" | null>(null);
  if (editing)
    return (
      <FlowEditor
        key={editing === "new" ? "new" : editing.id}
        editing={editing === "new" ? null : editing}
        onDone={() => setEditing(null)}
      />
    );
  return (
    <Stack gap="md">
      <Group>
        <Button leftSection={<IconPlus size={14} />} onClick={() => setEditing("new")}>
          {t("botAdmin.flows.create")}
        </Button>
      </Group>
      <QueryState isPending={flows.isPending} error={flows.error} onRetry={() => void flows.refetch()}>
        {flows.data?.data.length === 0 ? (
          <EmptyState>{t("botAdmin.flows.empty")}</EmptyState>
        ) : (
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("botAdmin.flows.name")}</Table.Th>
                <Table.Th>{t("botAdmin.flows.start")}</Table.Th>
                <Table.Th>{t("botAdmin.flows.steps")}</Table.Th>
                <Table.Th>{t("botAdmin.updated")}</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {flows.data?.data.map((flow) => (
                <Table.Tr key={flow.id} data-testid="bot-flow" data-flow={flow.name}>
                  <Table.Td>
                    <Text size="sm" fw={500}>
                      {flow.name}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" ff="monospace">
                      {flow.start}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{flow.steps.map((step) => step.id).join(" · ")}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{formatDateTime(flow.updatedAt, language)}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Group gap={4} justify="flex-end" wrap="nowrap">
                      <ActionIcon
                        variant="subtle"
                        aria-label={t("admin.edit", { name: flow.name })}
                        onClick={() => setEditing(flow)}
                      >
                        <IconPencil size={16} />
                      </ActionIcon>
                      <DeleteButton name={flow.name} onDelete={() => deleteFlow(flow.id)} invalidate={botKeys.flows} />
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </QueryState>
    </Stack>
  );
}

function TemplateCard({ templateKey, intent, flow }: { templateKey: string; intent: string; flow: string }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const install = useMutation({
    mutationFn: () => installTemplate(templateKey),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: botKeys.intents });
      void queryClient.invalidateQueries({ queryKey: botKeys.flows });
    },
  });
  return (
    <Card withBorder padding="sm" data-testid="bot-template" data-template={templateKey} aria-label={flow}>
      <Text fw={600}>{flow}</Text>
      <Text size="sm" c="dimmed">
        {t("botAdmin.templates.contains", { intent, flow })}
      </Text>
      <Group mt="xs">
        <Button size="xs" loading={install.isPending} disabled={install.isSuccess} onClick={() => install.mutate()}>
          {t("botAdmin.templates.install")}
        </Button>
        {install.isSuccess && (
          <Text role="status" size="sm" c="teal">
            {t("botAdmin.templates.installed")}
          </Text>
        )}
        {install.error && (
          <Text role="alert" size="sm" c="red">
            {describeError(install.error, t)}
          </Text>
        )}
      </Group>
    </Card>
  );
}

function TrainingCard() {
  const { t } = useTranslation();
  const language = useLanguage();
  const queryClient = useQueryClient();
  // The last training asked for from this console (the server keeps no history of its trainings).
  const last = useQuery<Training | null>({ queryKey: botKeys.training, queryFn: () => null, staleTime: Infinity });
  const train = useMutation({
    mutationFn: trainBot,
    onSuccess: (result) =>
      queryClient.setQueryData<Training>(botKeys.training, { ...result, at: new Date().toISOString() }),
  });
  return (
    <Card withBorder padding="sm" aria-label={t("botAdmin.training.title")}>
      <Text fw={600}>{t("botAdmin.training.title")}</Text>
      <Text size="sm" c="dimmed">
        {t("botAdmin.training.help")}
      </Text>
      <Group mt="xs">
        <Button size="xs" loading={train.isPending} onClick={() => train.mutate()}>
          {t("botAdmin.training.train")}
        </Button>
      </Group>
      <div aria-live="polite">
        {train.isPending && (
          <Stack gap={4} mt="xs">
            <Group gap="xs">
              <Loader size="xs" />
              <Text size="sm">{t("botAdmin.training.running")}</Text>
            </Group>
            <Progress value={100} animated striped aria-label={t("botAdmin.training.running")} />
          </Stack>
        )}
        {train.error && (
          <Text role="alert" size="sm" c="red" mt="xs">
            {describeError(train.error, t)}
          </Text>
        )}
        {last.data && !train.isPending && (
          <Text size="sm" mt="xs" data-testid="last-training">
            {t("botAdmin.training.last", {
              at: formatDateTime(last.data.at, language),
              intents: last.data.intents,
              languages: last.data.languages.join(", ") || "—",
              ms: Math.round(last.data.trainedMs),
              thread: t(last.data.thread === "worker" ? "botAdmin.training.worker" : "botAdmin.training.main"),
            })}
          </Text>
        )}
      </div>
    </Card>
  );
}

function TemplatesTab() {
  const { t } = useTranslation();
  const templates = useQuery({ queryKey: botKeys.templates, queryFn: fetchTemplates });
  return (
    <Stack gap="md" maw={760}>
      <TrainingCard />
      <Text fw={600}>{t("botAdmin.templates.title")}</Text>
      <QueryState isPending={templates.isPending} error={templates.error} onRetry={() => void templates.refetch()}>
        {templates.data?.data.length === 0 ? (
          <EmptyState>{t("botAdmin.templates.empty")}</EmptyState>
        ) : (
          templates.data?.data.map((tpl) => (
            <TemplateCard key={tpl.key} templateKey={tpl.key} intent={tpl.intent.name} flow={tpl.flow.name} />
          ))
        )}
      </QueryState>
    </Stack>
  );
}

const tabs = ["settings", "intents", "flows", "templates"] as const;

/** The bot: its settings, intents with example utterances, flows, templates and training. */
export default function BotAdminSettings() {
  const { t } = useTranslation();
  const settings = useQuery({ queryKey: botKeys.settings, queryFn: fetchBotSettings });
  return (
    <Section title={t("botAdmin.title")} description={t("botAdmin.description")}>
      <Tabs defaultValue="settings" keepMounted={false}>
        <Tabs.List>
          {tabs.map((tab) => (
            <Tabs.Tab key={tab} value={tab}>
              {t(`botAdmin.tabs.${tab}`)}
            </Tabs.Tab>
          ))}
        </Tabs.List>
        <Tabs.Panel value="settings" pt="md">
          <QueryState isPending={settings.isPending} error={settings.error} onRetry={() => void settings.refetch()}>
            {settings.data && <BotSettingsForm settings={settings.data} />}
          </QueryState>
        </Tabs.Panel>
        <Tabs.Panel value="intents" pt="md">
          <IntentsTab />
        </Tabs.Panel>
        <Tabs.Panel value="flows" pt="md">
          <FlowsTab />
        </Tabs.Panel>
        <Tabs.Panel value="templates" pt="md">
          <TemplatesTab />
        </Tabs.Panel>
      </Tabs>
    </Section>
  );
}

import {
  Alert,
  Badge,
  Checkbox,
  Group,
  NumberInput,
  PasswordInput,
  Stack,
  Switch,
  Table,
  TagsInput,
  Text,
  TextInput,
  Tooltip,
} from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { formatDateTime, useLanguage } from "../format.ts";
import {
  type AlertDelivery,
  aiAdminKeys,
  fetchAlertDelivery,
  fetchAlerts,
  fetchProvider,
  fetchSpikeSettings,
  type ProviderInput,
  type ProviderView,
  type SpikeSettings,
  saveAlertDelivery,
  saveProvider,
  saveSpikeSettings,
} from "./ai-admin-api.ts";
import { errorFor, fieldErrors } from "./field-errors.ts";
import { CopyField, EmptyState, FormError, QueryState, Section, SettingsForm, SubmitRow } from "./settings-parts.tsx";

/** An absolute http(s) URL, as the server's z.url() wants it. */
function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

function TriageForm({ settings }: { settings: SpikeSettings }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [keywords, setKeywords] = useState(settings.watchedKeywords);
  const [minCount, setMinCount] = useState<number | string>(settings.minCount);
  const [factor, setFactor] = useState<number | string>(settings.factor);
  const [local, setLocal] = useState<Record<string, string>>({});
  const save = useMutation({
    mutationFn: saveSpikeSettings,
    onSuccess: (saved) => queryClient.setQueryData(aiAdminKeys.settings, saved),
  });
  const errors = { ...fieldErrors(save.error), ...local };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const problems: Record<string, string> = {};
    if (typeof minCount !== "number" || !Number.isInteger(minCount) || minCount < 1 || minCount > 10_000)
      problems.minCount = t("aiAdmin.triage.minCountRange");
    if (typeof factor !== "number" || factor < 1 || factor > 100) problems.factor = t("aiAdmin.triage.factorRange");
    if (keywords.length > 20 || keywords.some((k) => k.length > 50))
      problems.watchedKeywords = t("aiAdmin.triage.keywordsRule");
    setLocal(problems);
    if (Object.keys(problems).length || typeof minCount !== "number" || typeof factor !== "number") return;
    save.mutate({ watchedKeywords: keywords, minCount, factor });
  };
  return (
    <SettingsForm title={t("aiAdmin.triage.title")} onSubmit={submit} maw={640}>
      <Text size="sm" c="dimmed">
        {t("aiAdmin.triage.help")}
      </Text>
      <TagsInput
        label={t("aiAdmin.triage.keywords")}
        description={t("aiAdmin.triage.keywordsHelp")}
        value={keywords}
        onChange={setKeywords}
        maxTags={20}
        error={errorFor(errors, "watchedKeywords")}
      />
      <Group grow align="flex-start">
        <NumberInput
          label={t("aiAdmin.triage.minCount")}
          description={t("aiAdmin.triage.minCountHelp")}
          min={1}
          max={10_000}
          allowDecimal={false}
          value={minCount}
          onChange={setMinCount}
          error={errorFor(errors, "minCount")}
        />
        <NumberInput
          label={t("aiAdmin.triage.factor")}
          description={t("aiAdmin.triage.factorHelp")}
          min={1}
          max={100}
          step={0.5}
          value={factor}
          onChange={setFactor}
          error={errorFor(errors, "factor")}
        />
      </Group>
      <FormError error={save.error} errors={errors} fields={["watchedKeywords", "minCount", "factor"]} />
      <SubmitRow label={t("settings.save")} pending={save.isPending} saved={save.isSuccess} />
    </SettingsForm>
  );
}

function AlertDeliveryForm({ delivery }: { delivery: AlertDelivery }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [email, setEmail] = useState(delivery.email);
  const [webhookUrl, setWebhookUrl] = useState(delivery.webhookUrl ?? "");
  const [allowPrivate, setAllowPrivate] = useState(delivery.allowPrivateNetwork);
  const [local, setLocal] = useState<Record<string, string>>({});
  const save = useMutation({
    mutationFn: saveAlertDelivery,
    onSuccess: ({ webhookSecret: _secret, ...saved }) => queryClient.setQueryData(aiAdminKeys.alertDelivery, saved),
  });
  const errors = { ...fieldErrors(save.error), ...local };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const url = webhookUrl.trim();
    if (url && !isHttpUrl(url)) return setLocal({ webhookUrl: t("aiAdmin.urlInvalid") });
    setLocal({});
    save.mutate({ email, webhookUrl: url || null, allowPrivateNetwork: allowPrivate });
  };
  const secret = save.data?.webhookSecret;
  return (
    <SettingsForm title={t("aiAdmin.delivery.title")} onSubmit={submit} maw={640}>
      <Switch
        label={t("aiAdmin.delivery.email")}
        description={t("aiAdmin.delivery.emailHelp")}
        checked={email}
        onChange={(event) => setEmail(event.currentTarget.checked)}
      />
      <TextInput
        label={t("aiAdmin.delivery.webhookUrl")}
        description={t("aiAdmin.delivery.webhookUrlHelp")}
        placeholder="https://example.com/hooks/rapport"
        value={webhookUrl}
        maxLength={2000}
        onChange={(event) => setWebhookUrl(event.currentTarget.value)}
        error={errorFor(errors, "webhookUrl", "url")}
      />
      <Checkbox
        label={t("aiAdmin.allowPrivate")}
        description={t("aiAdmin.allowPrivateHelp")}
        checked={allowPrivate}
        onChange={(event) => setAllowPrivate(event.currentTarget.checked)}
      />
      {secret && (
        <Alert color="yellow" title={t("aiAdmin.delivery.secret")}>
          <Text size="sm">{t("aiAdmin.delivery.secretOnce")}</Text>
          <CopyField value={secret} label={t("aiAdmin.delivery.secret")} testId="webhook-secret" />
        </Alert>
      )}
      <FormError error={save.error} errors={errors} fields={["webhookUrl", "url", "email", "allowPrivateNetwork"]} />
      <SubmitRow label={t("settings.save")} pending={save.isPending} saved={save.isSuccess} />
    </SettingsForm>
  );
}

function ProviderForm({ provider }: { provider: ProviderView }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const own = provider.source === "workspace";
  const [url, setUrl] = useState(own ? (provider.url ?? "") : "");
  const [model, setModel] = useState(own ? (provider.model ?? "") : "");
  // The stored key is never sent to the console: this field only ever holds a new key.
  const [apiKey, setApiKey] = useState("");
  const [removeKey, setRemoveKey] = useState(false);
  const [allowPrivate, setAllowPrivate] = useState(own && provider.allowPrivateNetwork);
  const [local, setLocal] = useState<Record<string, string>>({});
  const save = useMutation({
    mutationFn: saveProvider,
    onSuccess: (saved) => {
      queryClient.setQueryData(aiAdminKeys.provider, saved);
      setApiKey("");
      setRemoveKey(false);
    },
  });
  const errors = { ...fieldErrors(save.error), ...local };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const trimmed = url.trim();
    if (trimmed && !isHttpUrl(trimmed)) return setLocal({ url: t("aiAdmin.urlInvalid") });
    setLocal({});
    const input: ProviderInput = { url: trimmed || null, allowPrivateNetwork: allowPrivate };
    if (trimmed && model.trim()) input.model = model.trim();
    if (removeKey) input.apiKey = null;
    else if (apiKey) input.apiKey = apiKey;
    save.mutate(input);
  };
  const current = save.data ?? provider;
  return (
    <SettingsForm title={t("aiAdmin.provider.title")} onSubmit={submit} maw={640}>
      <Text size="sm" c="dimmed">
        {t("aiAdmin.provider.help")}
      </Text>
      <Text size="sm" data-testid="provider-status" role="status">
        {current.source === "workspace"
          ? t("aiAdmin.provider.usingOwn", { model: current.model ?? "" })
          : current.source === "server"
            ? t("aiAdmin.provider.usingServer", { model: current.model ?? "" })
            : t("aiAdmin.provider.off")}
      </Text>
      <TextInput
        label={t("aiAdmin.provider.url")}
        description={t("aiAdmin.provider.urlHelp")}
        placeholder="https://api.openai.com/v1"
        value={url}
        maxLength={2000}
        onChange={(event) => setUrl(event.currentTarget.value)}
        error={errorFor(errors, "url")}
      />
      <TextInput
        label={t("aiAdmin.provider.model")}
        description={t("aiAdmin.provider.modelHelp")}
        placeholder="gpt-4o-mini"
        value={model}
        maxLength={200}
        onChange={(event) => setModel(event.currentTarget.value)}
        error={errorFor(errors, "model")}
      />
      <PasswordInput
        label={t("aiAdmin.provider.apiKey")}
        description={
          current.source === "workspace" && current.hasApiKey
            ? t("aiAdmin.provider.apiKeyStored")
            : t("aiAdmin.provider.apiKeyHelp")
        }
        value={apiKey}
        autoComplete="new-password"
        maxLength={1000}
        disabled={removeKey}
        onChange={(event) => setApiKey(event.currentTarget.value)}
        error={errorFor(errors, "apiKey")}
      />
      {current.source === "workspace" && current.hasApiKey && (
        <Checkbox
          label={t("aiAdmin.provider.removeKey")}
          checked={removeKey}
          onChange={(event) => setRemoveKey(event.currentTarget.checked)}
        />
      )}
      <Checkbox
        label={t("aiAdmin.allowPrivate")}
        description={t("aiAdmin.allowPrivateHelp")}
        checked={allowPrivate}
        onChange={(event) => setAllowPrivate(event.currentTarget.checked)}
      />
      <FormError error={save.error} errors={errors} fields={["url", "model", "apiKey", "allowPrivateNetwork"]} />
      <SubmitRow label={t("settings.save")} pending={save.isPending} saved={save.isSuccess} />
    </SettingsForm>
  );
}

const deliveryColor: Record<string, string> = { delivered: "teal", failed: "red", retrying: "yellow", skipped: "gray" };

function RecentAlerts() {
  const { t } = useTranslation();
  const language = useLanguage();
  const alerts = useQuery({ queryKey: aiAdminKeys.alerts, queryFn: fetchAlerts });
  return (
    <Stack gap="xs">
      <Text fw={600} component="h3" size="md" m={0}>
        {t("aiAdmin.alerts.title")}
      </Text>
      <QueryState isPending={alerts.isPending} error={alerts.error} onRetry={() => void alerts.refetch()}>
        {alerts.data?.data.length === 0 ? (
          <EmptyState>{t("aiAdmin.alerts.empty")}</EmptyState>
        ) : (
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("aiAdmin.alerts.when")}</Table.Th>
                <Table.Th>{t("aiAdmin.alerts.metric")}</Table.Th>
                <Table.Th>{t("aiAdmin.alerts.count")}</Table.Th>
                <Table.Th>{t("aiAdmin.alerts.deliveries")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {alerts.data?.data.map((alert) => (
                <Table.Tr key={alert.id} data-testid="ai-alert">
                  <Table.Td>{formatDateTime(alert.createdAt, language)}</Table.Td>
                  <Table.Td>
                    <Text size="sm" ff="monospace">
                      {alert.metric}
                    </Text>
                  </Table.Td>
                  <Table.Td>{t("aiAdmin.alerts.countOf", { n: alert.count, baseline: alert.baseline })}</Table.Td>
                  <Table.Td>
                    <Group gap={4}>
                      {alert.deliveries.length === 0 && "—"}
                      {alert.deliveries.map((d) => (
                        <Tooltip
                          key={d.channel}
                          label={d.lastError ?? t("aiAdmin.alerts.attempts", { count: d.attempts })}
                          multiline
                          maw={320}
                        >
                          <Badge
                            variant="light"
                            color={deliveryColor[d.status] ?? "gray"}
                            tabIndex={0}
                            aria-label={`${d.channel}: ${d.status}${d.lastError ? ` — ${d.lastError}` : ""}`}
                          >
                            {d.channel}: {d.status}
                          </Badge>
                        </Tooltip>
                      ))}
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

/** AI: spike triage, where alerts go (email, signed webhook), the optional external provider, recent alerts. */
export default function AiAdminSettings() {
  const { t } = useTranslation();
  const settings = useQuery({ queryKey: aiAdminKeys.settings, queryFn: fetchSpikeSettings });
  const delivery = useQuery({ queryKey: aiAdminKeys.alertDelivery, queryFn: fetchAlertDelivery });
  const provider = useQuery({ queryKey: aiAdminKeys.provider, queryFn: fetchProvider });
  return (
    <Section title={t("aiAdmin.title")} description={t("aiAdmin.description")}>
      <QueryState isPending={settings.isPending} error={settings.error} onRetry={() => void settings.refetch()}>
        {settings.data && <TriageForm settings={settings.data} />}
      </QueryState>
      <QueryState isPending={delivery.isPending} error={delivery.error} onRetry={() => void delivery.refetch()}>
        {delivery.data && <AlertDeliveryForm delivery={delivery.data} />}
      </QueryState>
      <QueryState isPending={provider.isPending} error={provider.error} onRetry={() => void provider.refetch()}>
        {provider.data && <ProviderForm provider={provider.data} />}
      </QueryState>
      <RecentAlerts />
    </Section>
  );
}

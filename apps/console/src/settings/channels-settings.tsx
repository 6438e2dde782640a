import {
  Alert,
  Badge,
  Button,
  Checkbox,
  ColorInput,
  Group,
  Paper,
  PasswordInput,
  Select,
  SimpleGrid,
  Stack,
  TagsInput,
  Text,
  TextInput,
} from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { describeError } from "../error-message.ts";
import { updateChannel } from "./admin-api.ts";
import { errorFor, fieldErrors } from "./field-errors.ts";
import {
  type Channel,
  type ChannelType,
  channelTypes,
  createChannel,
  fetchChannels,
  settingsKeys,
  testChannel,
} from "./settings-api.ts";
import { CopyField, EmptyState, FormError, QueryState, Section, SettingsForm, SubmitRow } from "./settings-parts.tsx";
import { WebchatFormsSettings } from "./webchat-forms-settings.tsx";

type FieldKind = "text" | "password" | "number" | "boolean" | "tags" | "colour" | "select";
type FieldSpec = { key: string; kind: FieldKind; required?: boolean; options?: string[] };
type Value = string | boolean | string[];

/** The config fields of each channel type, as its adapter on the server accepts them. */
const configFields: Record<ChannelType, FieldSpec[]> = {
  api: [
    { key: "webhookUrl", kind: "text" },
    { key: "allowPrivateNetwork", kind: "boolean" },
  ],
  webchat: [
    { key: "allowedOrigins", kind: "tags" },
    { key: "primaryColour", kind: "colour" },
    { key: "position", kind: "select", options: ["bottom-right", "bottom-left"] },
  ],
  email: [
    { key: "fromAddress", kind: "text", required: true },
    { key: "fromName", kind: "text" },
    { key: "smtpHost", kind: "text" },
    { key: "smtpPort", kind: "number" },
    { key: "smtpUser", kind: "text" },
    { key: "smtpPassword", kind: "password" },
    { key: "smtpTls", kind: "boolean" },
    { key: "sendsPerMinute", kind: "number" },
    { key: "imapHost", kind: "text" },
    { key: "imapPort", kind: "number" },
    { key: "imapUser", kind: "text" },
    { key: "imapPassword", kind: "password" },
    { key: "imapTls", kind: "boolean" },
    { key: "allowPrivateNetwork", kind: "boolean" },
  ],
  wechat: [
    { key: "appId", kind: "text", required: true },
    { key: "appSecret", kind: "password", required: true },
    { key: "token", kind: "password", required: true },
    { key: "encodingAesKey", kind: "password" },
    { key: "messageMode", kind: "select", options: ["safe", "compat", "plain"] },
    { key: "originalId", kind: "text" },
  ],
};

/** The config to send: only what was filled in, numbers as numbers. */
function configOf(type: ChannelType, values: Record<string, Value>): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  for (const field of configFields[type]) {
    const value = values[field.key];
    if (value === undefined || value === "" || (Array.isArray(value) && value.length === 0)) continue;
    if (field.kind === "boolean") {
      if (value === true) config[field.key] = true;
    } else if (field.kind === "number") {
      config[field.key] = Number(value);
    } else {
      config[field.key] = typeof value === "string" ? value.trim() : value;
    }
  }
  return config;
}

/** A channel's saved config as form values (secrets are never sent back, so their fields start empty). */
function valuesOf(type: ChannelType, config: Record<string, unknown>): Record<string, Value> {
  const values: Record<string, Value> = {};
  for (const field of configFields[type]) {
    const value = config[field.key];
    if (field.kind === "password" || value === undefined || value === null) continue;
    if (typeof value === "boolean" || Array.isArray(value)) values[field.key] = value as Value;
    else values[field.key] = String(value);
  }
  return values;
}

/** The config patch of an edit: only the fields that changed; a secret only when a new one was typed. */
function changedConfig(
  type: ChannelType,
  before: Record<string, Value>,
  after: Record<string, Value>,
): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  for (const field of configFields[type]) {
    const next = after[field.key];
    const previous = before[field.key];
    if (JSON.stringify(next ?? null) === JSON.stringify(previous ?? null)) continue;
    if (field.kind === "boolean") patch[field.key] = next === true;
    else if (next === undefined || next === "" || (Array.isArray(next) && next.length === 0)) continue;
    else if (field.kind === "number") patch[field.key] = Number(next);
    else patch[field.key] = typeof next === "string" ? next.trim() : next;
  }
  return patch;
}

function ConfigField({
  type,
  field,
  value,
  error,
  onChange,
  editing,
}: {
  type: ChannelType;
  field: FieldSpec;
  value: Value | undefined;
  error: string | undefined;
  onChange: (value: Value) => void;
  editing?: boolean;
}) {
  const { t } = useTranslation();
  const label = t(`settings.channels.fields.${field.key}` as "settings.channels.fields.webhookUrl");
  // When editing, a secret left empty keeps the saved one; so it is never required there.
  const common = { label, error, required: field.required && !(editing && field.kind === "password") };
  switch (field.kind) {
    case "boolean":
      return (
        <Checkbox
          label={label}
          checked={value === true}
          onChange={(event) => onChange(event.currentTarget.checked)}
          error={error}
          mt="md"
        />
      );
    case "password":
      return (
        <PasswordInput
          {...common}
          {...(editing ? { placeholder: t("admin.channels.secretUnchanged") } : {})}
          autoComplete="new-password"
          value={String(value ?? "")}
          onChange={(e) => onChange(e.currentTarget.value)}
        />
      );
    case "tags":
      return (
        <TagsInput
          {...common}
          description={t("settings.channels.originsHelp")}
          value={Array.isArray(value) ? value : []}
          onChange={onChange}
        />
      );
    case "colour":
      return <ColorInput {...common} format="hex" value={String(value ?? "")} onChange={onChange} />;
    case "select":
      return (
        <Select
          {...common}
          data={field.options ?? []}
          value={typeof value === "string" && value ? value : null}
          onChange={(next) => onChange(next ?? "")}
          clearable
        />
      );
    default:
      return (
        <TextInput
          {...common}
          type={field.kind === "number" ? "number" : "text"}
          inputMode={field.kind === "number" ? "numeric" : undefined}
          value={String(value ?? "")}
          onChange={(e) => onChange(e.currentTarget.value)}
          data-channel-type={type}
        />
      );
  }
}

function AddChannelForm() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [type, setType] = useState<ChannelType>("api");
  const [name, setName] = useState("");
  const [values, setValues] = useState<Record<string, Value>>({});
  const [local, setLocal] = useState<Record<string, string>>({});
  const create = useMutation({
    mutationFn: createChannel,
    onSuccess: () => {
      setName("");
      setValues({});
      void queryClient.invalidateQueries({ queryKey: settingsKeys.channels });
    },
  });
  const errors = { ...fieldErrors(create.error), ...local };
  const fields = configFields[type];
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const problems: Record<string, string> = {};
    if (!name.trim()) problems.name = t("settings.required");
    for (const field of fields) {
      const value = values[field.key];
      if (field.required && (value === undefined || value === ""))
        problems[`config.${field.key}`] = t("settings.required");
    }
    setLocal(problems);
    if (Object.keys(problems).length > 0) return;
    create.mutate({ type, name: name.trim(), config: configOf(type, values) });
  };
  const shownOnce = create.data
    ? Object.entries(create.data).filter(
        (entry): entry is [string, string] =>
          entry[0] !== "channel" && entry[0] !== "webhookUrl" && typeof entry[1] === "string",
      )
    : [];
  return (
    <SettingsForm title={t("settings.channels.add")} onSubmit={submit}>
      <SimpleGrid cols={{ base: 1, sm: 2 }} maw={720}>
        <Select
          label={t("settings.channels.type")}
          data={channelTypes.map((value) => ({ value, label: t(`channelTypes.${value}`) }))}
          value={type}
          onChange={(value) => {
            if (!value) return;
            setType(value as ChannelType);
            setValues({});
            setLocal({});
            create.reset();
          }}
          allowDeselect={false}
        />
        <TextInput
          label={t("settings.channels.name")}
          value={name}
          maxLength={100}
          required
          onChange={(event) => setName(event.currentTarget.value)}
          error={errorFor(errors, "name")}
        />
        {fields.map((field) => (
          <ConfigField
            key={`${type}-${field.key}`}
            type={type}
            field={field}
            value={values[field.key]}
            error={errorFor(errors, `config.${field.key}`)}
            onChange={(value) => setValues((current) => ({ ...current, [field.key]: value }))}
          />
        ))}
      </SimpleGrid>
      <FormError
        error={create.error}
        errors={errors}
        fields={["name", ...fields.map((field) => `config.${field.key}`)]}
      />
      {create.data && (
        <Alert color="teal" role="status" title={t("settings.channels.created", { name: create.data.channel.name })}>
          <Stack gap={6}>
            {create.data.channel.webhookUrl && (
              <>
                <Text size="sm">{t("settings.channels.webhookUrl")}</Text>
                <CopyField value={create.data.channel.webhookUrl} label={t("settings.channels.webhookUrl")} />
              </>
            )}
            {shownOnce.length > 0 && <Text size="sm">{t("settings.channels.shownOnce")}</Text>}
            {shownOnce.map(([key, value]) => (
              <CopyField key={key} value={value} label={key} testId={`secret-${key}`} />
            ))}
          </Stack>
        </Alert>
      )}
      <SubmitRow label={t("settings.channels.add")} pending={create.isPending} />
    </SettingsForm>
  );
}

function EditChannelForm({ channel, onDone }: { channel: Channel; onDone: () => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const type = channelTypes.find((known) => known === channel.type);
  const fields = type ? configFields[type] : [];
  const [initial] = useState(() => (type ? valuesOf(type, channel.config) : {}));
  const [name, setName] = useState(channel.name);
  const [values, setValues] = useState<Record<string, Value>>(initial);
  const [local, setLocal] = useState<Record<string, string>>({});
  const save = useMutation({
    mutationFn: (input: { name?: string; config?: Record<string, unknown> }) => updateChannel(channel.id, input),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: settingsKeys.channels });
      onDone();
    },
  });
  const errors = { ...fieldErrors(save.error), ...local };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const problems: Record<string, string> = {};
    if (!name.trim()) problems.name = t("settings.required");
    for (const field of fields) {
      const value = values[field.key];
      if (field.required && field.kind !== "password" && (value === undefined || value === ""))
        problems[`config.${field.key}`] = t("settings.required");
    }
    setLocal(problems);
    if (Object.keys(problems).length > 0) return;
    const config = type ? changedConfig(type, initial, values) : {};
    const input = {
      ...(name.trim() !== channel.name ? { name: name.trim() } : {}),
      ...(Object.keys(config).length > 0 ? { config } : {}),
    };
    if (Object.keys(input).length === 0) return onDone();
    save.mutate(input);
  };
  return (
    <SettingsForm title={t("admin.channels.editTitle", { name: channel.name })} onSubmit={submit}>
      <SimpleGrid cols={{ base: 1, sm: 2 }} maw={720}>
        <TextInput
          label={t("settings.channels.name")}
          value={name}
          maxLength={100}
          required
          onChange={(event) => setName(event.currentTarget.value)}
          error={errorFor(errors, "name")}
        />
        {type &&
          fields.map((field) => (
            <ConfigField
              key={field.key}
              type={type}
              field={field}
              editing
              value={values[field.key]}
              error={errorFor(errors, `config.${field.key}`, field.key === "webhookUrl" ? "url" : field.key)}
              onChange={(value) => setValues((current) => ({ ...current, [field.key]: value }))}
            />
          ))}
      </SimpleGrid>
      {fields.some((field) => field.kind === "password") && (
        <Text size="xs" c="dimmed">
          {t("admin.channels.secretsHelp")}
        </Text>
      )}
      <FormError
        error={save.error}
        errors={errors}
        fields={["name", "url", ...fields.map((field) => `config.${field.key}`)]}
      />
      <Group>
        <SubmitRow label={t("settings.save")} pending={save.isPending} />
        <Button variant="subtle" onClick={onDone}>
          {t("admin.cancel")}
        </Button>
      </Group>
    </SettingsForm>
  );
}

function ChannelCard({ channel }: { channel: Channel }) {
  const { t } = useTranslation();
  const [editing, setEditing] = useState(false);
  const test = useMutation({ mutationFn: () => testChannel(channel.id) });
  return (
    <Paper withBorder p="sm" data-testid="channel" data-channel-id={channel.id}>
      <Group justify="space-between" wrap="nowrap">
        <Group gap="xs">
          <Text fw={600}>{channel.name}</Text>
          <Badge variant="light">
            {channelTypes.includes(channel.type as ChannelType)
              ? t(`channelTypes.${channel.type as ChannelType}`)
              : channel.type}
          </Badge>
          {channel.disabledAt && <Badge color="gray">{t("settings.channels.disabled")}</Badge>}
        </Group>
        <Group gap="xs" wrap="nowrap">
          <Button
            size="xs"
            variant="default"
            onClick={() => setEditing((open) => !open)}
            aria-expanded={editing}
            aria-label={t("admin.channels.edit", { name: channel.name })}
          >
            {t("admin.channels.editShort")}
          </Button>
          <Button size="xs" variant="default" loading={test.isPending} onClick={() => test.mutate()}>
            {t("settings.channels.test")}
          </Button>
        </Group>
      </Group>
      {editing && (
        <Paper withBorder p="sm" mt="sm">
          <EditChannelForm
            channel={channel}
            onDone={() => {
              setEditing(false);
              test.reset();
            }}
          />
        </Paper>
      )}
      {channel.webhookUrl && (
        <Stack gap={2} mt="xs">
          <Text size="xs" c="dimmed">
            {t("settings.channels.webhookUrl")}
          </Text>
          <CopyField value={channel.webhookUrl} label={t("settings.channels.webhookUrl")} testId="webhook-url" />
        </Stack>
      )}
      {channel.type === "webchat" && (
        <Stack gap={2} mt="xs">
          <Text size="xs" c="dimmed">
            {t("settings.channels.embedSnippet")}
          </Text>
          <CopyField
            value={`<script src="${window.location.origin}/widget.js" data-channel="${channel.id}" async></script>`}
            label={t("settings.channels.embedSnippet")}
            testId="embed-snippet"
          />
        </Stack>
      )}
      {channel.type === "webchat" && editing && (
        <Paper withBorder p="sm" mt="sm">
          <WebchatFormsSettings channel={channel} />
        </Paper>
      )}
      {channel.type === "api" && (
        <Stack gap={2} mt="xs">
          <Text size="xs" c="dimmed">
            {t("settings.channels.inboundUrl")}
          </Text>
          <CopyField
            value={`${window.location.origin}/api/v1/channels/${channel.id}/inbound`}
            label={t("settings.channels.inboundUrl")}
          />
        </Stack>
      )}
      {test.data && (
        <Text size="sm" c="teal" mt="xs" role="status">
          {t("settings.channels.testOk")} {test.data.detail ?? ""}
        </Text>
      )}
      {test.error && (
        <Text size="sm" c="red" mt="xs" role="alert">
          {describeError(test.error, t)}
        </Text>
      )}
    </Paper>
  );
}

/** The workspace's channels, with their webhook URLs; adding a channel of each type. */
export function ChannelsSettings() {
  const { t } = useTranslation();
  const query = useQuery({ queryKey: settingsKeys.channels, queryFn: fetchChannels });
  return (
    <Section title={t("settings.channels.title")} description={t("settings.channels.description")}>
      <QueryState isPending={query.isPending} error={query.error} onRetry={() => void query.refetch()}>
        {query.data?.data.length === 0 && <EmptyState>{t("settings.channels.empty")}</EmptyState>}
        <Stack gap="sm">
          {query.data?.data.map((channel) => (
            <ChannelCard key={channel.id} channel={channel} />
          ))}
        </Stack>
      </QueryState>
      <AddChannelForm />
    </Section>
  );
}

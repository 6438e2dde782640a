import {
  ActionIcon,
  Alert,
  Button,
  Checkbox,
  Group,
  NumberInput,
  Select,
  Stack,
  TagsInput,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { IconTrash } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { describeError } from "../error-message.ts";
import { updateChannel } from "./admin-api.ts";
import { fieldErrors } from "./field-errors.ts";
import { type Channel, fetchChannels, settingsKeys } from "./settings-api.ts";

const KINDS = ["name", "email", "phone", "custom"] as const;
type Kind = (typeof KINDS)[number];
/** A pre-chat question as the form edits it (labels in other languages are kept as saved). */
type FieldRow = { kind: Kind; key: string; label: Record<string, string>; required: boolean };

const MB = 1024 * 1024;
const DEFAULT_TYPES = [
  "image/jpeg",
  "image/png",
  "image/gif",
  "image/webp",
  "application/pdf",
  "text/plain",
  "text/csv",
  "application/msword",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  "application/vnd.ms-excel",
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
];

type Saved = {
  uploads?: { enabled?: boolean; maxBytes?: number; types?: string[] };
  preChatForm?: {
    enabled?: boolean;
    fields?: { kind: Kind; key?: string; label?: Record<string, string>; required?: boolean }[];
  };
  offlineForm?: { enabled?: boolean; emailChannelId?: string };
  transcript?: { enabled?: boolean };
};

/** The form's starting values: the channel's saved config with the server's defaults filled in. */
export function formValuesOf(config: Record<string, unknown>) {
  const saved = config as Saved;
  return {
    uploadsEnabled: saved.uploads?.enabled ?? true,
    maxMb: (saved.uploads?.maxBytes ?? 10 * MB) / MB,
    types: saved.uploads?.types ?? DEFAULT_TYPES,
    preChatEnabled: saved.preChatForm?.enabled ?? false,
    fields: (
      saved.preChatForm?.fields ?? [
        { kind: "name" as const, required: true },
        { kind: "email" as const, required: true },
      ]
    ).map((f) => ({ kind: f.kind, key: f.key ?? "", label: f.label ?? {}, required: f.required ?? false })),
    offlineEnabled: saved.offlineForm?.enabled ?? false,
    emailChannelId: saved.offlineForm?.emailChannelId ?? null,
    transcriptEnabled: saved.transcript?.enabled ?? true,
  };
}
type Values = ReturnType<typeof formValuesOf>;

/** The config patch the form saves: the four parts whole (the server fills in what is left out). */
export function configPatchOf(v: Values): Record<string, unknown> {
  return {
    uploads: { enabled: v.uploadsEnabled, maxBytes: Math.round(v.maxMb * MB), types: v.types },
    preChatForm: {
      enabled: v.preChatEnabled,
      fields: v.fields.map((f) => {
        const label = Object.fromEntries(Object.entries(f.label).filter(([, text]) => text.trim()));
        return { kind: f.kind, ...(f.kind === "custom" ? { key: f.key.trim() } : {}), label, required: f.required };
      }),
    },
    offlineForm: { enabled: v.offlineEnabled, ...(v.emailChannelId ? { emailChannelId: v.emailChannelId } : {}) },
    transcript: { enabled: v.transcriptEnabled },
  };
}

/**
 * A web chat channel's visitor files and forms: what visitors may attach, the pre-chat questions, the offline
 * form and the emailed transcript, with the mailbox those use (and a clear warning when there is none).
 */
export function WebchatFormsSettings({ channel }: { channel: Channel }) {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const channels = useQuery({ queryKey: settingsKeys.channels, queryFn: fetchChannels });
  const mailboxes = (channels.data?.data ?? []).filter((c) => c.type === "email" && !c.disabledAt);
  const [values, setValues] = useState<Values>(() => formValuesOf(channel.config));
  const set = (patch: Partial<Values>) => setValues((v) => ({ ...v, ...patch }));
  const setField = (index: number, patch: Partial<FieldRow>) =>
    set({ fields: values.fields.map((f, i) => (i === index ? { ...f, ...patch } : f)) });
  const language = i18n.language.startsWith("zh") ? "zh-CN" : i18n.language.slice(0, 2);

  const save = useMutation({
    mutationFn: () => updateChannel(channel.id, { config: configPatchOf(values) }),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: settingsKeys.channels }),
  });
  const errors = fieldErrors(save.error);
  const errorOf = (field: string) => errors[`config.${field}`];
  const shown = Object.keys(errors).some((f) => f.startsWith("config."));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };

  return (
    <form onSubmit={submit} aria-label={t("webchatForms.title")} data-testid="webchat-forms">
      <Stack gap="sm">
        <Title order={4}>{t("webchatForms.title")}</Title>

        <Checkbox
          label={t("webchatForms.uploads.enabled")}
          checked={values.uploadsEnabled}
          onChange={(e) => set({ uploadsEnabled: e.currentTarget.checked })}
        />
        {values.uploadsEnabled && (
          <Group grow align="flex-start">
            <NumberInput
              label={t("webchatForms.uploads.maxMb")}
              min={0.01}
              max={25}
              decimalScale={2}
              value={values.maxMb}
              onChange={(v) => set({ maxMb: typeof v === "number" ? v : Number(v) || 0 })}
              error={errorOf("uploads.maxBytes")}
            />
            <TagsInput
              label={t("webchatForms.uploads.types")}
              description={t("webchatForms.uploads.typesHelp")}
              value={values.types}
              onChange={(types) => set({ types })}
              error={Object.entries(errors).find(([f]) => f.startsWith("config.uploads.types"))?.[1]}
            />
          </Group>
        )}

        <Checkbox
          label={t("webchatForms.preChat.enabled")}
          description={t("webchatForms.preChat.help")}
          checked={values.preChatEnabled}
          onChange={(e) => set({ preChatEnabled: e.currentTarget.checked })}
        />
        {values.preChatEnabled && (
          <Stack gap="xs">
            {values.fields.map((field, index) => {
              const at = `preChatForm.fields[${index}]`;
              return (
                // biome-ignore lint/suspicious/noArrayIndexKey: rows have no id of their own; they are edited in place.
                <Group key={index} align="flex-end" wrap="nowrap" data-testid="prechat-field">
                  <Select
                    label={t("webchatForms.preChat.kind")}
                    data={KINDS.map((k) => ({ value: k, label: t(`webchatForms.kinds.${k}`) }))}
                    value={field.kind}
                    onChange={(kind) => kind && setField(index, { kind: kind as Kind })}
                    allowDeselect={false}
                    error={errorOf(at)}
                    w={130}
                  />
                  {field.kind === "custom" && (
                    <TextInput
                      label={t("webchatForms.preChat.key")}
                      value={field.key}
                      onChange={(e) => setField(index, { key: e.currentTarget.value })}
                      error={errorOf(`${at}.key`)}
                      w={130}
                    />
                  )}
                  <TextInput
                    label={t("webchatForms.preChat.label")}
                    placeholder={field.kind === "custom" ? "" : t(`webchatForms.kinds.${field.kind}`)}
                    value={field.label[language] ?? ""}
                    onChange={(e) => setField(index, { label: { ...field.label, [language]: e.currentTarget.value } })}
                    error={errorOf(`${at}.label`)}
                    style={{ flex: 1 }}
                  />
                  <Checkbox
                    label={t("webchatForms.preChat.required")}
                    checked={field.required}
                    onChange={(e) => setField(index, { required: e.currentTarget.checked })}
                    mb={8}
                  />
                  <ActionIcon
                    variant="subtle"
                    color="red"
                    aria-label={t("webchatForms.preChat.remove")}
                    onClick={() => set({ fields: values.fields.filter((_, i) => i !== index) })}
                    mb={4}
                  >
                    <IconTrash size={16} />
                  </ActionIcon>
                </Group>
              );
            })}
            <Group>
              <Button
                size="xs"
                variant="default"
                disabled={values.fields.length >= 10}
                onClick={() =>
                  set({ fields: [...values.fields, { kind: "custom", key: "", label: {}, required: false }] })
                }
              >
                {t("webchatForms.preChat.add")}
              </Button>
            </Group>
          </Stack>
        )}

        <Checkbox
          label={t("webchatForms.offline.enabled")}
          description={t("webchatForms.offline.help")}
          checked={values.offlineEnabled}
          onChange={(e) => set({ offlineEnabled: e.currentTarget.checked })}
        />
        <Checkbox
          label={t("webchatForms.transcript.enabled")}
          checked={values.transcriptEnabled}
          onChange={(e) => set({ transcriptEnabled: e.currentTarget.checked })}
        />
        {(values.offlineEnabled || values.transcriptEnabled) &&
          (mailboxes.length === 0 && channels.isSuccess ? (
            <Alert color="orange" data-testid="no-mailbox">
              {t("webchatForms.noMailbox")}
            </Alert>
          ) : (
            <Select
              label={t("webchatForms.mailbox")}
              placeholder={t("webchatForms.mailboxDefault")}
              data={mailboxes.map((m) => ({ value: m.id, label: m.name }))}
              value={values.emailChannelId}
              onChange={(emailChannelId) => set({ emailChannelId })}
              clearable
              error={errorOf("offlineForm.emailChannelId")}
            />
          ))}

        {save.error && !shown && (
          <Text c="red" size="sm" role="alert">
            {describeError(save.error, t)}
          </Text>
        )}
        {save.error && shown && (
          <Text c="red" size="sm" role="alert">
            {t("webchatForms.fixFields")}
          </Text>
        )}
        {save.isSuccess && (
          <Text c="teal" size="sm" role="status">
            {t("webchatForms.saved")}
          </Text>
        )}
        <Group>
          <Button type="submit" loading={save.isPending}>
            {t("webchatForms.save")}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

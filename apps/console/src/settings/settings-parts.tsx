import {
  ActionIcon,
  Alert,
  Button,
  CopyButton,
  Group,
  Loader,
  Select,
  Stack,
  Text,
  Title,
  Tooltip,
} from "@mantine/core";
import { IconCheck, IconCopy } from "@tabler/icons-react";
import type { FormEvent, ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { ErrorAlert } from "../error-alert.tsx";
import { describeError } from "../error-message.ts";
import { isShownOnField } from "./field-errors.ts";
import { type Role, roles } from "./settings-api.ts";

/** A settings section: title, one-line description, body. */
export function Section({ title, description, children }: { title: string; description: string; children: ReactNode }) {
  return (
    <Stack gap="md" maw={960}>
      <div>
        <Title order={2} size="h3">
          {title}
        </Title>
        <Text c="dimmed" size="sm">
          {description}
        </Text>
      </div>
      {children}
    </Stack>
  );
}

/** Loading and error states of a section's query; renders children once the data is there. */
export function QueryState({
  isPending,
  error,
  onRetry,
  children,
}: {
  isPending: boolean;
  error: unknown;
  onRetry: () => void;
  children: ReactNode;
}) {
  const { t } = useTranslation();
  if (isPending) return <Loader size="sm" aria-label={t("app.loading")} />;
  if (error) {
    return <ErrorAlert title={t("settings.loadFailed")} error={error} onRetry={onRetry} />;
  }
  return <>{children}</>;
}

/** The error of a form's submission that no field shows. */
export function FormError({
  error,
  errors,
  fields,
}: {
  error: unknown;
  errors: Record<string, string>;
  fields: readonly string[];
}) {
  const { t } = useTranslation();
  if (!error || isShownOnField(errors, fields)) return null;
  return (
    <Alert color="red" role="alert" title={t("settings.saveFailed")}>
      {describeError(error, t)}
    </Alert>
  );
}

/** A value to copy (webhook URL, secret) with a copy button. */
export function CopyField({ value, label, testId }: { value: string; label: string; testId?: string }) {
  const { t } = useTranslation();
  return (
    <Group gap="xs" wrap="nowrap">
      <Text size="sm" ff="monospace" style={{ overflowWrap: "anywhere" }} data-testid={testId} aria-label={label}>
        {value}
      </Text>
      <CopyButton value={value}>
        {({ copied, copy }) => (
          <Tooltip label={copied ? t("settings.copied") : t("settings.copy")}>
            <ActionIcon
              variant="subtle"
              color={copied ? "teal" : "gray"}
              onClick={copy}
              aria-label={`${t("settings.copy")}: ${label}`}
            >
              {copied ? <IconCheck size={16} /> : <IconCopy size={16} />}
            </ActionIcon>
          </Tooltip>
        )}
      </CopyButton>
    </Group>
  );
}

/** An empty list's message. */
export function EmptyState({ children }: { children: ReactNode }) {
  return (
    <Text c="dimmed" size="sm" py="md" data-testid="empty-state">
      {children}
    </Text>
  );
}

/** A form's submit button, with "Saved" beside it after a successful save. */
export function SubmitRow({ label, pending, saved }: { label: string; pending: boolean; saved?: boolean }) {
  const { t } = useTranslation();
  return (
    <Group>
      <Button type="submit" loading={pending}>
        {label}
      </Button>
      {saved && !pending && (
        <span role="status" style={{ color: "var(--mantine-color-teal-text)" }}>
          {t("settings.saved")}
        </span>
      )}
    </Group>
  );
}

/** A role picker (members, API tokens). */
export function RolePicker({
  value,
  onChange,
  error,
}: {
  value: Role;
  onChange: (role: Role) => void;
  error?: string | undefined;
}) {
  const { t } = useTranslation();
  return (
    <Select
      label={t("settings.members.role")}
      data={roles.map((role) => ({ value: role, label: t(`roles.${role}`) }))}
      value={value}
      onChange={(next) => next && onChange(next as Role)}
      allowDeselect={false}
      error={error}
    />
  );
}

/** A settings form with its heading (the heading also names the form for assistive technology). */
export function SettingsForm({
  title,
  onSubmit,
  maw,
  children,
}: {
  title: string;
  onSubmit: (event: FormEvent) => void;
  maw?: number;
  children: ReactNode;
}) {
  return (
    <form onSubmit={onSubmit} noValidate aria-label={title}>
      <Stack gap="sm" maw={maw}>
        <Title order={3} size="h5">
          {title}
        </Title>
        {children}
      </Stack>
    </form>
  );
}

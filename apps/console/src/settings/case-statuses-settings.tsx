import {
  ActionIcon,
  Badge,
  Button,
  Group,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  Table,
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
import {
  adminKeys,
  type CaseField,
  type CaseFieldType,
  type CaseStatusType,
  type CustomStatus,
  createField,
  createStatus,
  deleteField,
  deleteStatus,
  fetchFields,
  fetchStatuses,
  fieldTypes,
  statusTypes,
  updateStatus,
} from "./admin-api.ts";
import { errorFor, fieldErrors } from "./field-errors.ts";
import { EmptyState, FormError, QueryState, Section, SettingsForm, SubmitRow } from "./settings-parts.tsx";

const KEY = /^[a-z][a-z0-9_]{0,49}$/;

function CreateStatusForm() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [type, setType] = useState<CaseStatusType>("open");
  const [position, setPosition] = useState<number | "">("");
  const [local, setLocal] = useState<Record<string, string>>({});
  const create = useMutation({
    mutationFn: createStatus,
    onSuccess: () => {
      setName("");
      setPosition("");
      void queryClient.invalidateQueries({ queryKey: adminKeys.statuses });
    },
  });
  const errors = { ...fieldErrors(create.error), ...local };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const problems: Record<string, string> = {};
    if (!name.trim()) problems.name = t("settings.required");
    if (position !== "" && (!Number.isInteger(position) || position < 0 || position > 1000))
      problems.position = t("admin.statuses.positionRange");
    setLocal(problems);
    if (Object.keys(problems).length > 0) return;
    create.mutate({ name: name.trim(), type, ...(position === "" ? {} : { position }) });
  };
  return (
    <SettingsForm title={t("admin.statuses.create")} onSubmit={submit}>
      <SimpleGrid cols={{ base: 1, sm: 3 }} maw={720}>
        <TextInput
          label={t("admin.statuses.name")}
          value={name}
          maxLength={60}
          required
          onChange={(event) => setName(event.currentTarget.value)}
          error={errorFor(errors, "name")}
        />
        <Select
          label={t("admin.statuses.type")}
          description={t("admin.statuses.typeHelp")}
          data={statusTypes.map((value) => ({ value, label: t(`status.${value}`) }))}
          value={type}
          onChange={(value) => value && setType(value as CaseStatusType)}
          allowDeselect={false}
          error={errorFor(errors, "type")}
        />
        <NumberInput
          label={t("admin.statuses.position")}
          description={t("admin.statuses.positionHelp")}
          min={0}
          max={1000}
          allowDecimal={false}
          clampBehavior="none"
          value={position}
          onChange={(value) => setPosition(value === "" ? "" : Number(value))}
          error={errorFor(errors, "position")}
        />
      </SimpleGrid>
      <FormError error={create.error} errors={errors} fields={["name", "type", "position"]} />
      <SubmitRow label={t("admin.statuses.create")} pending={create.isPending} />
    </SettingsForm>
  );
}

function StatusRow({ status }: { status: CustomStatus }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [name, setName] = useState(status.name);
  const [position, setPosition] = useState<number | "">(status.position);
  const invalidate = () => void queryClient.invalidateQueries({ queryKey: adminKeys.statuses });
  const save = useMutation({
    mutationFn: () => updateStatus(status.id, { name: name.trim(), position: Number(position) }),
    onSuccess: invalidate,
  });
  const remove = useMutation({ mutationFn: () => deleteStatus(status.id), onSuccess: invalidate });
  const errors = fieldErrors(save.error);
  const invalid = !name.trim() || position === "" || position < 0 || position > 1000;
  const changed = name.trim() !== status.name || position !== status.position;
  // Optimistic: the row goes at once, and comes back with the server's reason if the deletion fails.
  if (remove.isPending || remove.isSuccess) return null;
  return (
    <Table.Tr data-testid="custom-status" data-status={status.name}>
      <Table.Td>
        <TextInput
          size="xs"
          aria-label={t("admin.statuses.nameOf", { name: status.name })}
          value={name}
          maxLength={60}
          onChange={(event) => setName(event.currentTarget.value)}
          error={!name.trim() ? t("settings.required") : errorFor(errors, "name")}
        />
      </Table.Td>
      <Table.Td>
        <Badge variant="light">{t(`status.${status.type}`)}</Badge>
      </Table.Td>
      <Table.Td w={110}>
        <NumberInput
          size="xs"
          aria-label={t("admin.statuses.positionOf", { name: status.name })}
          min={0}
          max={1000}
          allowDecimal={false}
          clampBehavior="none"
          value={position}
          onChange={(value) => setPosition(value === "" ? "" : Number(value))}
          error={errorFor(errors, "position")}
        />
      </Table.Td>
      <Table.Td>
        <Group gap="xs" wrap="nowrap" justify="flex-end">
          {(save.error ?? remove.error) && !errors.name && (
            <Text size="xs" c="red" role="alert">
              {describeError(save.error ?? remove.error, t)}
            </Text>
          )}
          <Button
            size="xs"
            variant="light"
            disabled={!changed || invalid}
            loading={save.isPending}
            onClick={() => save.mutate()}
          >
            {t("settings.save")}
          </Button>
          <ActionIcon
            variant="subtle"
            color="red"
            loading={remove.isPending}
            aria-label={t("admin.statuses.delete", { name: status.name })}
            onClick={() => window.confirm(t("admin.statuses.confirmDelete", { name: status.name })) && remove.mutate()}
          >
            <IconTrash size={16} />
          </ActionIcon>
        </Group>
      </Table.Td>
    </Table.Tr>
  );
}

function CreateFieldForm() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [label, setLabel] = useState("");
  const [key, setKey] = useState("");
  const [type, setType] = useState<CaseFieldType>("text");
  const [options, setOptions] = useState<string[]>([]);
  const [local, setLocal] = useState<Record<string, string>>({});
  const create = useMutation({
    mutationFn: createField,
    onSuccess: () => {
      setLabel("");
      setKey("");
      setOptions([]);
      void queryClient.invalidateQueries({ queryKey: adminKeys.fields });
    },
  });
  const errors = { ...fieldErrors(create.error), ...local };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const problems: Record<string, string> = {};
    if (!label.trim()) problems.label = t("settings.required");
    if (!KEY.test(key)) problems.key = t("admin.fields.keyRule");
    if (type === "select" && options.length === 0) problems.options = t("admin.fields.optionsRequired");
    setLocal(problems);
    if (Object.keys(problems).length > 0) return;
    create.mutate({ key, label: label.trim(), type, ...(type === "select" ? { options } : {}) });
  };
  return (
    <SettingsForm title={t("admin.fields.create")} onSubmit={submit}>
      <SimpleGrid cols={{ base: 1, sm: 3 }} maw={720}>
        <TextInput
          label={t("admin.fields.label")}
          value={label}
          maxLength={60}
          required
          onChange={(event) => {
            const next = event.currentTarget.value;
            // Suggest a key from the label until the admin types one.
            if (!key || key === keyOf(label)) setKey(keyOf(next));
            setLabel(next);
          }}
          error={errorFor(errors, "label")}
        />
        <TextInput
          label={t("admin.fields.key")}
          description={t("admin.fields.keyHelp")}
          value={key}
          maxLength={50}
          required
          onChange={(event) => setKey(event.currentTarget.value)}
          error={errorFor(errors, "key")}
        />
        <Select
          label={t("admin.fields.type")}
          data={fieldTypes.map((value) => ({ value, label: t(`admin.fields.types.${value}`) }))}
          value={type}
          onChange={(value) => value && setType(value as CaseFieldType)}
          allowDeselect={false}
          error={errorFor(errors, "type")}
        />
      </SimpleGrid>
      {type === "select" && (
        <TagsInput
          label={t("admin.fields.options")}
          description={t("admin.fields.optionsHelp")}
          value={options}
          onChange={setOptions}
          maw={720}
          error={errorFor(errors, "options")}
        />
      )}
      <FormError error={create.error} errors={errors} fields={["key", "label", "type", "options"]} />
      <SubmitRow label={t("admin.fields.create")} pending={create.isPending} />
    </SettingsForm>
  );
}

/** A field key suggested from its label: "Order number" → "order_number". */
function keyOf(label: string): string {
  const key = label
    .normalize("NFKD")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^[^a-z]+|_+$/g, "")
    .slice(0, 50);
  return key;
}

function FieldRow({ field }: { field: CaseField }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const remove = useMutation({
    mutationFn: () => deleteField(field.id),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: adminKeys.fields }),
  });
  // Optimistic: the row goes at once, and comes back with the server's reason if the deletion fails.
  if (remove.isPending || remove.isSuccess) return null;
  return (
    <Table.Tr data-testid="case-field">
      <Table.Td>{field.label}</Table.Td>
      <Table.Td>
        <Text ff="monospace" size="sm">
          {field.key}
        </Text>
      </Table.Td>
      <Table.Td>{t(`admin.fields.types.${field.type}`)}</Table.Td>
      <Table.Td>{field.options?.join(", ")}</Table.Td>
      <Table.Td>
        <Group gap="xs" justify="flex-end" wrap="nowrap">
          {remove.error && (
            <Text size="xs" c="red" role="alert">
              {describeError(remove.error, t)}
            </Text>
          )}
          <ActionIcon
            variant="subtle"
            color="red"
            loading={remove.isPending}
            aria-label={t("admin.fields.delete", { name: field.label })}
            onClick={() => window.confirm(t("admin.fields.confirmDelete", { name: field.label })) && remove.mutate()}
          >
            <IconTrash size={16} />
          </ActionIcon>
        </Group>
      </Table.Td>
    </Table.Tr>
  );
}

/** Custom case statuses (each refines one of the five base statuses) and custom case fields. */
export function CaseStatusesSettings() {
  const { t } = useTranslation();
  const statuses = useQuery({ queryKey: adminKeys.statuses, queryFn: fetchStatuses });
  const fields = useQuery({ queryKey: adminKeys.fields, queryFn: fetchFields });
  return (
    <Section title={t("admin.statuses.title")} description={t("admin.statuses.description")}>
      <CreateStatusForm />
      <QueryState isPending={statuses.isPending} error={statuses.error} onRetry={() => void statuses.refetch()}>
        {statuses.data?.data.length === 0 ? (
          <EmptyState>{t("admin.statuses.empty")}</EmptyState>
        ) : (
          <Table maw={900}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("admin.statuses.name")}</Table.Th>
                <Table.Th>{t("admin.statuses.type")}</Table.Th>
                <Table.Th>{t("admin.statuses.position")}</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {statuses.data?.data.map((status) => (
                <StatusRow key={`${status.id}-${status.name}-${status.position}`} status={status} />
              ))}
            </Table.Tbody>
          </Table>
        )}
      </QueryState>
      <Stack gap="md" mt="lg">
        <div>
          <Title order={3} size="h4">
            {t("admin.fields.title")}
          </Title>
          <Text c="dimmed" size="sm">
            {t("admin.fields.description")}
          </Text>
        </div>
        <CreateFieldForm />
        <QueryState isPending={fields.isPending} error={fields.error} onRetry={() => void fields.refetch()}>
          {fields.data?.data.length === 0 ? (
            <EmptyState>{t("admin.fields.empty")}</EmptyState>
          ) : (
            <Table maw={900}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t("admin.fields.label")}</Table.Th>
                  <Table.Th>{t("admin.fields.key")}</Table.Th>
                  <Table.Th>{t("admin.fields.type")}</Table.Th>
                  <Table.Th>{t("admin.fields.options")}</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {fields.data?.data.map((field) => (
                  <FieldRow key={field.id} field={field} />
                ))}
              </Table.Tbody>
            </Table>
          )}
        </QueryState>
      </Stack>
    </Section>
  );
}

import {
  ActionIcon,
  Alert,
  Button,
  Group,
  MultiSelect,
  Select,
  Stack,
  Switch,
  TagsInput,
  Text,
  TextInput,
  Title,
  Tooltip,
} from "@mantine/core";
import { getHotkeyHandler } from "@mantine/hooks";
import { IconPencil } from "@tabler/icons-react";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { describeError } from "../error-message.ts";
import {
  type AttributeDefinition,
  type Profile360,
  useAttributeDefinitions,
  useContactUpdate,
} from "./customer-api.ts";

/** An attribute value as plain text (lists joined, anything else as JSON). */
export function attributeText(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return value.map(attributeText).join(", ");
  return JSON.stringify(value);
}

/** The customer's tags: add (Enter) and remove (×) save at once; a refusal puts the previous tags back. */
export function TagsEditor({ contact, canEdit }: { contact: Profile360; canEdit: boolean }) {
  const { t } = useTranslation();
  const update = useContactUpdate(contact.id);
  return (
    <Stack gap={4}>
      <TagsInput
        label={t("customer.tags")}
        placeholder={canEdit ? t("c360.tagsPlaceholder") : undefined}
        value={contact.tags}
        readOnly={!canEdit}
        data-testid="customer-tags"
        onChange={(tags) => {
          update.reset();
          update.mutate({ tags: [...new Set(tags.map((tag) => tag.trim()).filter(Boolean))] });
        }}
        clearable={canEdit}
        size="xs"
      />
      {update.isError && (
        <Alert color="red" role="alert" p="xs" withCloseButton onClose={() => update.reset()}>
          {describeError(update.error, t)}
        </Alert>
      )}
    </Stack>
  );
}

/** What the editor holds while a value is edited: text for text-like types, a list for multiselect. */
type Draft = string | string[] | boolean;

function draftOf(definition: AttributeDefinition, value: unknown): Draft {
  if (definition.type === "multiselect") return Array.isArray(value) ? value.map(String) : [];
  if (definition.type === "boolean") return value === true;
  return value === null || value === undefined ? "" : attributeText(value);
}

/**
 * The value to send for a draft: empty clears (null); a number that does not parse is sent as typed, so the
 * server's own validation message is what the agent reads.
 */
function valueToSend(definition: AttributeDefinition, draft: Draft): unknown {
  if (typeof draft === "boolean") return draft;
  if (Array.isArray(draft)) return draft.length ? draft : null;
  const text = draft.trim();
  if (text === "") return null;
  if (definition.type === "number") {
    const number = Number(text.replace(",", "."));
    return Number.isFinite(number) ? number : text;
  }
  return definition.type === "text" ? draft : text;
}

function AttributeInput({
  definition,
  draft,
  error,
  onChange,
  onSave,
  onCancel,
}: {
  definition: AttributeDefinition;
  draft: Draft;
  error: string | undefined;
  onChange: (draft: Draft) => void;
  onSave: () => void;
  onCancel: () => void;
}) {
  const common = { label: definition.label, error, size: "xs" as const, autoFocus: true, "data-autofocus": true };
  const keys = getHotkeyHandler([
    ["Enter", onSave],
    ["Escape", onCancel],
  ]);
  switch (definition.type) {
    case "select":
      return (
        <Select
          {...common}
          data={definition.options}
          value={typeof draft === "string" && draft ? draft : null}
          onChange={(value) => onChange(value ?? "")}
          clearable
          onKeyDown={getHotkeyHandler([["Escape", onCancel]])}
        />
      );
    case "multiselect":
      return (
        <MultiSelect
          {...common}
          data={definition.options}
          value={Array.isArray(draft) ? draft : []}
          onChange={onChange}
          clearable
          onKeyDown={getHotkeyHandler([["Escape", onCancel]])}
        />
      );
    case "date":
      return (
        <TextInput
          {...common}
          type="date"
          value={typeof draft === "string" ? draft : ""}
          onChange={(e) => onChange(e.currentTarget.value)}
          onKeyDown={keys}
        />
      );
    default:
      return (
        <TextInput
          {...common}
          inputMode={definition.type === "number" ? "decimal" : undefined}
          value={typeof draft === "string" ? draft : ""}
          onChange={(e) => onChange(e.currentTarget.value)}
          onKeyDown={keys}
        />
      );
  }
}

/** One attribute: its value as text with an edit button, or the typed input while editing. */
function AttributeRow({
  contact,
  definition,
  canEdit,
}: {
  contact: Profile360;
  definition: AttributeDefinition;
  canEdit: boolean;
}) {
  const { t } = useTranslation();
  const update = useContactUpdate(contact.id);
  const value = contact.attributes[definition.key];
  const [draft, setDraft] = useState<Draft | null>(null);
  const hasValue = value !== null && value !== undefined;

  const save = (next: Draft) => {
    const sent = valueToSend(definition, next);
    update.mutate(
      { attributes: { [definition.key]: sent } },
      // The input stays open with the draft when the server refuses, so the agent can correct it.
      { onSuccess: () => setDraft(null) },
    );
  };

  if (definition.type === "boolean") {
    return (
      <Stack gap={2} data-testid="attribute" data-key={definition.key}>
        <Switch
          size="xs"
          label={definition.label}
          checked={value === true}
          disabled={!canEdit}
          onChange={(event) => save(event.currentTarget.checked)}
        />
        {update.isError && (
          <Text size="xs" c="red" role="alert">
            {describeError(update.error, t)}
          </Text>
        )}
      </Stack>
    );
  }

  if (draft !== null) {
    return (
      <Stack gap={4} data-testid="attribute" data-key={definition.key} data-editing="true">
        <AttributeInput
          definition={definition}
          draft={draft}
          error={update.isError ? describeError(update.error, t) : undefined}
          onChange={(next) => {
            setDraft(next);
            if (update.isError) update.reset();
          }}
          onSave={() => save(draft)}
          onCancel={() => {
            setDraft(null);
            update.reset();
          }}
        />
        <Group gap="xs" justify="flex-end">
          <Button
            size="compact-xs"
            variant="default"
            onClick={() => {
              setDraft(null);
              update.reset();
            }}
          >
            {t("c360.cancel")}
          </Button>
          <Button size="compact-xs" onClick={() => save(draft)} loading={update.isPending}>
            {t("c360.save")}
          </Button>
        </Group>
      </Stack>
    );
  }

  return (
    <Group gap="xs" wrap="nowrap" align="flex-start" data-testid="attribute" data-key={definition.key}>
      <Text size="sm" c="dimmed" w={110} style={{ flexShrink: 0, overflowWrap: "anywhere" }}>
        {definition.label}
      </Text>
      {/* Attribute values come from customers and integrations: always text. */}
      <Text size="sm" style={{ flex: 1, minWidth: 0, overflowWrap: "anywhere" }} c={hasValue ? undefined : "dimmed"}>
        {hasValue ? attributeText(value) : "—"}
      </Text>
      {canEdit && (
        <Tooltip label={t("c360.editAttribute", { label: definition.label })}>
          <ActionIcon
            variant="subtle"
            size="sm"
            aria-label={t("c360.editAttribute", { label: definition.label })}
            onClick={() => {
              update.reset();
              setDraft(draftOf(definition, value));
            }}
          >
            <IconPencil size={14} />
          </ActionIcon>
        </Tooltip>
      )}
    </Group>
  );
}

/** The workspace's custom attributes for this customer, each editable in place; values without a definition are listed read-only. */
export function AttributesEditor({ contact, canEdit }: { contact: Profile360; canEdit: boolean }) {
  const { t } = useTranslation();
  const definitions = useAttributeDefinitions();
  const defined = definitions.data ?? [];
  const undefinedValues = Object.entries(contact.attributes ?? {}).filter(
    ([key, value]) => value !== null && value !== undefined && !defined.some((d) => d.key === key),
  );
  if (defined.length === 0 && undefinedValues.length === 0 && !definitions.isError) return null;
  return (
    <Stack gap={6} data-testid="customer-attributes">
      <Title order={6}>{t("customer.attributes")}</Title>
      {definitions.isError && (
        <Text size="xs" c="red" role="alert">
          {describeError(definitions.error, t)}
        </Text>
      )}
      {defined.map((definition) => (
        <AttributeRow key={definition.key} contact={contact} definition={definition} canEdit={canEdit} />
      ))}
      {undefinedValues.map(([key, value]) => (
        <Group key={key} gap="xs" wrap="nowrap" align="flex-start">
          <Text size="sm" c="dimmed" w={110} style={{ flexShrink: 0, overflowWrap: "anywhere" }}>
            {key}
          </Text>
          <Text size="sm" style={{ flex: 1, minWidth: 0, overflowWrap: "anywhere" }}>
            {attributeText(value)}
          </Text>
        </Group>
      ))}
    </Stack>
  );
}

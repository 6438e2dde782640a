import {
  ActionIcon,
  Button,
  Group,
  Paper,
  Select,
  Stack,
  Table,
  TagsInput,
  Text,
  Textarea,
  TextInput,
} from "@mantine/core";
import { IconArrowDown, IconArrowUp, IconPencil, IconPlus, IconTrash } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { casePriorities, caseStatuses, fetchMembers, fetchTeams } from "../api.ts";
import { describeError } from "../error-message.ts";
import {
  adminKeys,
  createMacro,
  deleteMacro,
  fetchMacros,
  fetchQuickReplies,
  type Macro,
  type MacroAction,
  type MacroActionType,
  macroActionTypes,
  templateVariables,
  updateMacro,
} from "./admin-api.ts";
import { errorFor, fieldErrors } from "./field-errors.ts";
import { settingsKeys } from "./settings-api.ts";
import { EmptyState, FormError, QueryState, Section, SettingsForm, SubmitRow } from "./settings-parts.tsx";
import { unknownPlaceholders } from "./template-preview.ts";

/** An action being edited: every field any type may use, so switching type keeps nothing stale. */
type Draft = {
  type: MacroActionType;
  text: string;
  quickReplyId: string | null;
  tags: string[];
  status: string | null;
  priority: string | null;
  userId: string | null;
  teamId: string | null;
};
const NOBODY = "__none__";

const emptyDraft = (type: MacroActionType = "reply"): Draft => ({
  type,
  text: "",
  quickReplyId: null,
  tags: [],
  status: null,
  priority: null,
  userId: null,
  teamId: null,
});

function draftOf(action: MacroAction): Draft {
  const draft = emptyDraft(action.type);
  if ("text" in action) draft.text = action.text;
  if ("quickReplyId" in action) draft.quickReplyId = action.quickReplyId;
  if ("tags" in action) draft.tags = action.tags;
  if ("status" in action) draft.status = action.status;
  if ("priority" in action) draft.priority = action.priority;
  if ("userId" in action) draft.userId = action.userId ?? NOBODY;
  if ("teamId" in action) draft.teamId = action.teamId ?? NOBODY;
  return draft;
}

/** The action to send, or the name of its missing field. */
function actionOf(draft: Draft): MacroAction | { missing: string } {
  switch (draft.type) {
    case "reply":
    case "note":
      return draft.text.trim() ? { type: draft.type, text: draft.text } : { missing: "text" };
    case "quick_reply":
      return draft.quickReplyId
        ? { type: "quick_reply", quickReplyId: draft.quickReplyId }
        : { missing: "quickReplyId" };
    case "add_tags":
    case "remove_tags":
      return draft.tags.length ? { type: draft.type, tags: draft.tags } : { missing: "tags" };
    case "set_status":
      return draft.status ? { type: "set_status", status: draft.status } : { missing: "status" };
    case "set_priority":
      return draft.priority ? { type: "set_priority", priority: draft.priority } : { missing: "priority" };
    case "assign_agent":
      return draft.userId
        ? { type: "assign_agent", userId: draft.userId === NOBODY ? null : draft.userId }
        : { missing: "userId" };
    case "assign_team":
      return draft.teamId
        ? { type: "assign_team", teamId: draft.teamId === NOBODY ? null : draft.teamId }
        : { missing: "teamId" };
  }
}

function ActionEditor({
  index,
  draft,
  count,
  errors,
  onChange,
  onMove,
  onRemove,
}: {
  index: number;
  draft: Draft;
  count: number;
  errors: Record<string, string>;
  onChange: (draft: Draft) => void;
  onMove: (by: -1 | 1) => void;
  onRemove: () => void;
}) {
  const { t } = useTranslation();
  const members = useQuery({ queryKey: settingsKeys.members, queryFn: fetchMembers });
  const teams = useQuery({ queryKey: settingsKeys.teams, queryFn: fetchTeams });
  const replies = useQuery({ queryKey: adminKeys.quickReplies, queryFn: fetchQuickReplies });
  const errorOf = (key: string) => errorFor(errors, `actions.${index}.${key}`, `actions[${index}].${key}`);
  const set = (patch: Partial<Draft>) => onChange({ ...draft, ...patch });
  const label = t("admin.macros.actionN", { n: index + 1 });
  const value = (() => {
    switch (draft.type) {
      case "reply":
      case "note":
        return (
          <Textarea
            label={draft.type === "reply" ? t("admin.macros.replyText") : t("admin.macros.noteText")}
            description={t("admin.macros.textHelp", { variables: templateVariables.map((v) => `{{${v}}}`).join(" ") })}
            value={draft.text}
            autosize
            minRows={2}
            maxLength={20_000}
            onChange={(event) => set({ text: event.currentTarget.value })}
            error={errorOf("text")}
          />
        );
      case "quick_reply":
        return (
          <Select
            label={t("admin.macros.quickReply")}
            description={t("admin.macros.quickReplyHelp")}
            data={(replies.data?.data ?? [])
              .filter((reply) => reply.scope !== "personal")
              .map((reply) => ({ value: reply.id, label: `/${reply.shortcut} — ${reply.title}` }))}
            value={draft.quickReplyId}
            searchable
            onChange={(next) => set({ quickReplyId: next })}
            error={errorOf("quickReplyId")}
          />
        );
      case "add_tags":
      case "remove_tags":
        return (
          <TagsInput
            label={t("admin.macros.tags")}
            description={t("admin.macros.tagsHelp")}
            value={draft.tags}
            onChange={(tags) => set({ tags })}
            error={errorOf("tags")}
          />
        );
      case "set_status":
        return (
          <Select
            label={t("admin.macros.status")}
            data={caseStatuses.map((s) => ({ value: s, label: t(`status.${s}`) }))}
            value={draft.status}
            onChange={(next) => set({ status: next })}
            error={errorOf("status")}
          />
        );
      case "set_priority":
        return (
          <Select
            label={t("admin.macros.priority")}
            data={casePriorities.map((p) => ({ value: p, label: t(`priority.${p}`) }))}
            value={draft.priority}
            onChange={(next) => set({ priority: next })}
            error={errorOf("priority")}
          />
        );
      case "assign_agent":
        return (
          <Select
            label={t("admin.macros.agent")}
            data={[
              { value: NOBODY, label: t("admin.macros.unassign") },
              ...(members.data?.data ?? [])
                .filter((m) => m.role !== "analyst")
                .map((m) => ({ value: m.id, label: m.name })),
            ]}
            value={draft.userId}
            searchable
            onChange={(next) => set({ userId: next })}
            error={errorOf("userId")}
          />
        );
      case "assign_team":
        return (
          <Select
            label={t("admin.macros.team")}
            data={[
              { value: NOBODY, label: t("admin.macros.noTeam") },
              ...(teams.data?.data ?? []).map((team) => ({ value: team.id, label: team.name })),
            ]}
            value={draft.teamId}
            onChange={(next) => set({ teamId: next })}
            error={errorOf("teamId")}
          />
        );
    }
  })();
  return (
    <Paper withBorder p="xs" data-testid="macro-action" aria-label={label} component="fieldset">
      <Group align="flex-start" wrap="nowrap">
        <Text size="sm" fw={600} w={24} pt={30}>
          {index + 1}.
        </Text>
        <Select
          w={200}
          label={t("admin.macros.actionType")}
          data={macroActionTypes.map((type) => ({ value: type, label: t(`admin.macros.types.${type}`) }))}
          value={draft.type}
          allowDeselect={false}
          onChange={(next) => next && onChange(emptyDraft(next as MacroActionType))}
          error={errorOf("type")}
        />
        <div style={{ flex: 1 }}>{value}</div>
        <Group gap={2} pt={26} wrap="nowrap">
          <ActionIcon
            variant="subtle"
            color="gray"
            disabled={index === 0}
            aria-label={`${label}: ${t("admin.macros.moveUp")}`}
            onClick={() => onMove(-1)}
          >
            <IconArrowUp size={14} />
          </ActionIcon>
          <ActionIcon
            variant="subtle"
            color="gray"
            disabled={index === count - 1}
            aria-label={`${label}: ${t("admin.macros.moveDown")}`}
            onClick={() => onMove(1)}
          >
            <IconArrowDown size={14} />
          </ActionIcon>
          <ActionIcon
            variant="subtle"
            color="red"
            disabled={count === 1}
            aria-label={`${label}: ${t("admin.macros.removeAction")}`}
            onClick={onRemove}
          >
            <IconTrash size={14} />
          </ActionIcon>
        </Group>
      </Group>
    </Paper>
  );
}

function MacroForm({ editing, onDone }: { editing: Macro | null; onDone: () => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [name, setName] = useState(editing?.name ?? "");
  const [description, setDescription] = useState(editing?.description ?? "");
  const [drafts, setDrafts] = useState<Draft[]>(() => editing?.actions.map(draftOf) ?? [emptyDraft()]);
  const [local, setLocal] = useState<Record<string, string>>({});
  const save = useMutation({
    mutationFn: (actions: MacroAction[]) => {
      const input = { name: name.trim(), description: description.trim() || null, actions };
      return editing ? updateMacro(editing.id, input) : createMacro(input);
    },
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: adminKeys.macros });
      if (!editing) {
        setName("");
        setDescription("");
        setDrafts([emptyDraft()]);
      }
      onDone();
    },
  });
  const errors = { ...fieldErrors(save.error), ...local };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const problems: Record<string, string> = {};
    if (!name.trim()) problems.name = t("settings.required");
    const actions: MacroAction[] = [];
    drafts.forEach((draft, i) => {
      const action = actionOf(draft);
      if ("missing" in action) problems[`actions.${i}.${action.missing}`] = t("settings.required");
      else {
        if ("text" in action) {
          const unknown = unknownPlaceholders(action.text, templateVariables);
          if (unknown.length)
            problems[`actions.${i}.text`] = t("admin.quickReplies.unknownVariables", { names: unknown.join(", ") });
        }
        actions.push(action);
      }
    });
    setLocal(problems);
    if (Object.keys(problems).length > 0) return;
    save.mutate(actions);
  };
  const move = (i: number, by: -1 | 1) =>
    setDrafts((current) => {
      const next = [...current];
      const [moved] = next.splice(i, 1);
      if (moved) next.splice(i + by, 0, moved);
      return next;
    });
  return (
    <SettingsForm
      title={editing ? t("admin.macros.editTitle", { name: editing.name }) : t("admin.macros.create")}
      onSubmit={submit}
    >
      <Group grow maw={720} align="flex-start">
        <TextInput
          label={t("admin.macros.name")}
          value={name}
          maxLength={100}
          required
          onChange={(event) => setName(event.currentTarget.value)}
          error={errorFor(errors, "name")}
        />
        <TextInput
          label={t("admin.macros.descriptionLabel")}
          value={description}
          maxLength={500}
          onChange={(event) => setDescription(event.currentTarget.value)}
          error={errorFor(errors, "description")}
        />
      </Group>
      <Text size="sm" fw={500}>
        {t("admin.macros.actions")}
      </Text>
      <Text size="xs" c="dimmed" mt={-8}>
        {t("admin.macros.actionsHelp")}
      </Text>
      <Stack gap="xs" maw={900}>
        {drafts.map((draft, i) => (
          <ActionEditor
            // biome-ignore lint/suspicious/noArrayIndexKey: actions are positional (reordering moves the draft)
            key={i}
            index={i}
            draft={draft}
            count={drafts.length}
            errors={errors}
            onChange={(next) => setDrafts((current) => current.map((d, j) => (j === i ? next : d)))}
            onMove={(by) => move(i, by)}
            onRemove={() => setDrafts((current) => current.filter((_, j) => j !== i))}
          />
        ))}
      </Stack>
      <Group>
        <Button
          size="xs"
          variant="light"
          leftSection={<IconPlus size={14} />}
          disabled={drafts.length >= 20}
          onClick={() => setDrafts((current) => [...current, emptyDraft()])}
        >
          {t("admin.macros.addAction")}
        </Button>
      </Group>
      {errors.actions && (
        <Text c="red" size="sm" role="alert">
          {errors.actions}
        </Text>
      )}
      <FormError
        error={save.error}
        errors={errors}
        fields={Object.keys(errors).filter((key) => key === "name" || key.startsWith("actions"))}
      />
      <Group>
        <SubmitRow label={editing ? t("settings.save") : t("admin.macros.create")} pending={save.isPending} />
        {editing && (
          <Button variant="subtle" onClick={onDone}>
            {t("admin.cancel")}
          </Button>
        )}
      </Group>
    </SettingsForm>
  );
}

function MacroRow({ macro, onEdit }: { macro: Macro; onEdit: () => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const remove = useMutation({
    mutationFn: () => deleteMacro(macro.id),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: adminKeys.macros }),
  });
  // Optimistic: the row goes at once, and comes back with the server's reason if the deletion fails.
  if (remove.isPending || remove.isSuccess) return null;
  return (
    <Table.Tr data-testid="macro" data-macro={macro.name}>
      <Table.Td>
        <Text size="sm" fw={500}>
          {macro.name}
        </Text>
        {macro.description && (
          <Text size="xs" c="dimmed">
            {macro.description}
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        <Text size="sm">
          {macro.actions
            .map((action) =>
              macroActionTypes.includes(action.type as MacroActionType)
                ? t(`admin.macros.types.${action.type as MacroActionType}`)
                : action.type,
            )
            .join(" → ")}
        </Text>
      </Table.Td>
      <Table.Td>
        <Group gap={4} justify="flex-end" wrap="nowrap">
          {remove.error && (
            <Text size="xs" c="red" role="alert">
              {describeError(remove.error, t)}
            </Text>
          )}
          <ActionIcon variant="subtle" aria-label={t("admin.edit", { name: macro.name })} onClick={onEdit}>
            <IconPencil size={16} />
          </ActionIcon>
          <ActionIcon
            variant="subtle"
            color="red"
            loading={remove.isPending}
            aria-label={t("admin.delete", { name: macro.name })}
            onClick={() => window.confirm(t("admin.confirmDelete", { name: macro.name })) && remove.mutate()}
          >
            <IconTrash size={16} />
          </ActionIcon>
        </Group>
      </Table.Td>
    </Table.Tr>
  );
}

/** Macros: named lists of actions (reply, note, tags, status, priority, assignment) applied to a case at once. */
export function MacrosSettings() {
  const { t } = useTranslation();
  const query = useQuery({ queryKey: adminKeys.macros, queryFn: fetchMacros });
  const [editing, setEditing] = useState<Macro | null>(null);
  return (
    <Section title={t("admin.macros.title")} description={t("admin.macros.description")}>
      <QueryState isPending={query.isPending} error={query.error} onRetry={() => void query.refetch()}>
        {query.data?.data.length === 0 ? (
          <EmptyState>{t("admin.macros.empty")}</EmptyState>
        ) : (
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("admin.macros.name")}</Table.Th>
                <Table.Th>{t("admin.macros.actions")}</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {query.data?.data.map((macro) => (
                <MacroRow key={macro.id} macro={macro} onEdit={() => setEditing(macro)} />
              ))}
            </Table.Tbody>
          </Table>
        )}
      </QueryState>
      <MacroForm key={editing?.id ?? "new"} editing={editing} onDone={() => setEditing(null)} />
    </Section>
  );
}

import {
  ActionIcon,
  Badge,
  Button,
  Group,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
  Tooltip,
} from "@mantine/core";
import { IconPencil, IconTrash } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { fetchTeams } from "../api.ts";
import { describeError } from "../error-message.ts";
import {
  adminKeys,
  createQuickReply,
  deleteQuickReply,
  fetchQuickReplies,
  type QuickReply,
  type ReplyScope,
  replyScopes,
  templateVariables,
  updateQuickReply,
} from "./admin-api.ts";
import { errorFor, fieldErrors } from "./field-errors.ts";
import { settingsKeys } from "./settings-api.ts";
import { EmptyState, FormError, QueryState, Section, SettingsForm, SubmitRow } from "./settings-parts.tsx";
import { previewTemplate, unknownPlaceholders } from "./template-preview.ts";

const SHORTCUT = /^[a-z0-9][a-z0-9_-]{0,39}$/;

/** The preview of a reply with sample values; unknown placeholders are marked in red. */
function Preview({ body }: { body: string }) {
  const { t } = useTranslation();
  const sample = {
    "contact.name": t("admin.quickReplies.sample.contactName"),
    "contact.first_name": t("admin.quickReplies.sample.contactFirstName"),
    "agent.name": t("admin.quickReplies.sample.agentName"),
    "agent.first_name": t("admin.quickReplies.sample.agentFirstName"),
    "case.number": "1042",
    "case.subject": t("admin.quickReplies.sample.caseSubject"),
    "case.status": t("status.open"),
    "case.priority": t("priority.normal"),
  };
  return (
    <Paper withBorder p="sm" bg="var(--mantine-color-default-hover)" data-testid="reply-preview">
      <Text size="xs" c="dimmed" mb={4}>
        {t("admin.quickReplies.preview")}
      </Text>
      <Text size="sm" style={{ whiteSpace: "pre-wrap", overflowWrap: "anywhere" }}>
        {body.trim() === ""
          ? t("admin.quickReplies.previewEmpty")
          : previewTemplate(body, sample).map((part, i) =>
              part.kind === "text" ? (
                part.text
              ) : (
                <Text
                  // biome-ignore lint/suspicious/noArrayIndexKey: parts are positional
                  key={i}
                  span
                  fw={600}
                  c={part.kind === "unknown" ? "red" : "blue"}
                  td={part.kind === "unknown" ? "line-through" : undefined}
                >
                  {part.text}
                </Text>
              ),
            )}
      </Text>
    </Paper>
  );
}

function QuickReplyForm({ editing, onDone }: { editing: QuickReply | null; onDone: () => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const teams = useQuery({ queryKey: settingsKeys.teams, queryFn: fetchTeams });
  const [scope, setScope] = useState<ReplyScope>(editing?.scope ?? "workspace");
  const [teamId, setTeamId] = useState<string | null>(editing?.teamId ?? null);
  const [shortcut, setShortcut] = useState(editing?.shortcut ?? "");
  const [title, setTitle] = useState(editing?.title ?? "");
  const [body, setBody] = useState(editing?.body ?? "");
  const [local, setLocal] = useState<Record<string, string>>({});
  const bodyRef = useRef<HTMLTextAreaElement>(null);
  const save = useMutation({
    mutationFn: () =>
      editing
        ? updateQuickReply(editing.id, { shortcut, title: title.trim(), body })
        : createQuickReply({
            scope,
            ...(scope === "team" && teamId ? { teamId } : {}),
            shortcut,
            title: title.trim(),
            body,
          }),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: adminKeys.quickReplies });
      if (!editing) {
        setShortcut("");
        setTitle("");
        setBody("");
      }
      onDone();
    },
  });
  const errors = { ...fieldErrors(save.error), ...local };
  const unknown = unknownPlaceholders(body, templateVariables);
  const insert = (variable: string) => {
    const area = bodyRef.current;
    const token = `{{${variable}}}`;
    const start = area?.selectionStart ?? body.length;
    const end = area?.selectionEnd ?? body.length;
    setBody(body.slice(0, start) + token + body.slice(end));
    requestAnimationFrame(() => {
      area?.focus();
      area?.setSelectionRange(start + token.length, start + token.length);
    });
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const problems: Record<string, string> = {};
    if (!SHORTCUT.test(shortcut)) problems.shortcut = t("admin.quickReplies.shortcutRule");
    if (!title.trim()) problems.title = t("settings.required");
    if (!body.trim()) problems.body = t("settings.required");
    else if (unknown.length > 0)
      problems.body = t("admin.quickReplies.unknownVariables", { names: unknown.join(", ") });
    if (!editing && scope === "team" && !teamId) problems.teamId = t("settings.required");
    setLocal(problems);
    if (Object.keys(problems).length > 0) return;
    save.mutate();
  };
  return (
    <SettingsForm
      title={
        editing ? t("admin.quickReplies.editTitle", { shortcut: editing.shortcut }) : t("admin.quickReplies.create")
      }
      onSubmit={submit}
    >
      <SimpleGrid cols={{ base: 1, sm: 2 }} maw={720}>
        <Select
          label={t("admin.quickReplies.scope")}
          data={replyScopes.map((value) => ({ value, label: t(`admin.quickReplies.scopes.${value}`) }))}
          value={scope}
          disabled={editing !== null}
          onChange={(value) => value && setScope(value as ReplyScope)}
          allowDeselect={false}
          error={errorFor(errors, "scope")}
        />
        {scope === "team" && (
          <Select
            label={t("admin.quickReplies.team")}
            data={(teams.data?.data ?? []).map((team) => ({ value: team.id, label: team.name }))}
            value={teamId}
            disabled={editing !== null}
            onChange={setTeamId}
            required
            error={errorFor(errors, "teamId")}
          />
        )}
        <TextInput
          label={t("admin.quickReplies.shortcut")}
          description={t("admin.quickReplies.shortcutHelp")}
          leftSection="/"
          value={shortcut}
          maxLength={40}
          required
          onChange={(event) => setShortcut(event.currentTarget.value.toLowerCase())}
          error={errorFor(errors, "shortcut")}
        />
        <TextInput
          label={t("admin.quickReplies.titleLabel")}
          value={title}
          maxLength={200}
          required
          onChange={(event) => setTitle(event.currentTarget.value)}
          error={errorFor(errors, "title")}
        />
      </SimpleGrid>
      <Textarea
        ref={bodyRef}
        label={t("admin.quickReplies.body")}
        value={body}
        maxLength={20_000}
        autosize
        minRows={3}
        maxRows={12}
        maw={720}
        required
        onChange={(event) => setBody(event.currentTarget.value)}
        error={errorFor(errors, "body")}
      />
      <Stack gap={4} maw={720}>
        <Text size="xs" c="dimmed">
          {t("admin.quickReplies.variablesHelp")}
        </Text>
        <Group gap={6}>
          {templateVariables.map((variable) => (
            <Tooltip key={variable} label={t("admin.quickReplies.insert")}>
              <Button size="compact-xs" variant="default" ff="monospace" onClick={() => insert(variable)}>
                {`{{${variable}}}`}
              </Button>
            </Tooltip>
          ))}
        </Group>
        <Text size="xs" c="dimmed">
          {t("admin.quickReplies.fallbackHelp")}
        </Text>
      </Stack>
      <Stack maw={720}>
        <Preview body={body} />
      </Stack>
      <FormError error={save.error} errors={errors} fields={["scope", "teamId", "shortcut", "title", "body"]} />
      <Group>
        <SubmitRow label={editing ? t("settings.save") : t("admin.quickReplies.create")} pending={save.isPending} />
        {editing && (
          <Button variant="subtle" onClick={onDone}>
            {t("admin.cancel")}
          </Button>
        )}
      </Group>
    </SettingsForm>
  );
}

function ReplyRow({ reply, onEdit }: { reply: QuickReply; onEdit: () => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const remove = useMutation({
    mutationFn: () => deleteQuickReply(reply.id),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: adminKeys.quickReplies }),
  });
  // Optimistic: the row goes at once, and comes back with the server's reason if the deletion fails.
  if (remove.isPending || remove.isSuccess) return null;
  return (
    <Table.Tr data-testid="quick-reply" data-shortcut={reply.shortcut}>
      <Table.Td>
        <Text ff="monospace" size="sm">
          /{reply.shortcut}
        </Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm" fw={500}>
          {reply.title}
        </Text>
        <Text size="xs" c="dimmed" lineClamp={2} style={{ overflowWrap: "anywhere" }}>
          {reply.body}
        </Text>
        {reply.unknownVariables.length > 0 && (
          <Text size="xs" c="red">
            {t("admin.quickReplies.unknownVariables", { names: reply.unknownVariables.join(", ") })}
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        <Badge variant="light">{t(`admin.quickReplies.scopes.${reply.scope}`)}</Badge>
      </Table.Td>
      <Table.Td>
        <Group gap={4} justify="flex-end" wrap="nowrap">
          {remove.error && (
            <Text size="xs" c="red" role="alert">
              {describeError(remove.error, t)}
            </Text>
          )}
          <ActionIcon variant="subtle" aria-label={t("admin.edit", { name: reply.shortcut })} onClick={onEdit}>
            <IconPencil size={16} />
          </ActionIcon>
          <ActionIcon
            variant="subtle"
            color="red"
            loading={remove.isPending}
            aria-label={t("admin.delete", { name: reply.shortcut })}
            onClick={() => window.confirm(t("admin.confirmDelete", { name: reply.shortcut })) && remove.mutate()}
          >
            <IconTrash size={16} />
          </ActionIcon>
        </Group>
      </Table.Td>
    </Table.Tr>
  );
}

/** Quick replies: canned answers agents insert with `/shortcut`, with variables filled per case. */
export function QuickRepliesSettings() {
  const { t } = useTranslation();
  const query = useQuery({ queryKey: adminKeys.quickReplies, queryFn: fetchQuickReplies });
  const [editing, setEditing] = useState<QuickReply | null>(null);
  return (
    <Section title={t("admin.quickReplies.title")} description={t("admin.quickReplies.description")}>
      <QueryState isPending={query.isPending} error={query.error} onRetry={() => void query.refetch()}>
        {query.data?.data.length === 0 ? (
          <EmptyState>{t("admin.quickReplies.empty")}</EmptyState>
        ) : (
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("admin.quickReplies.shortcut")}</Table.Th>
                <Table.Th>{t("admin.quickReplies.titleLabel")}</Table.Th>
                <Table.Th>{t("admin.quickReplies.scope")}</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {query.data?.data.map((reply) => (
                <ReplyRow key={reply.id} reply={reply} onEdit={() => setEditing(reply)} />
              ))}
            </Table.Tbody>
          </Table>
        )}
      </QueryState>
      <QuickReplyForm key={editing?.id ?? "new"} editing={editing} onDone={() => setEditing(null)} />
    </Section>
  );
}

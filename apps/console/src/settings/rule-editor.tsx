// The structured rule builder: trigger (keywords, keys, schedule), nested conditions, actions; dry-run.
import {
  ActionIcon,
  Alert,
  Badge,
  Button,
  Checkbox,
  Group,
  JsonInput,
  List,
  MultiSelect,
  NumberInput,
  Paper,
  PasswordInput,
  SegmentedControl,
  Select,
  Stack,
  Switch,
  Table,
  TagsInput,
  Text,
  Textarea,
  TextInput,
  Title,
} from "@mantine/core";
import { IconArrowDown, IconArrowUp, IconPlus, IconTrash } from "@tabler/icons-react";
import { useMutation, useQuery } from "@tanstack/react-query";
import type { TFunction } from "i18next";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { ApiError, fetchMembers, fetchTeams } from "../api.ts";
import { describeError } from "../error-message.ts";
import { inboxPath } from "../inbox/views.ts";
import { linkHandler } from "../router.ts";
import {
  ACTION_TYPES,
  BOOLEAN_FIELDS,
  CONDITION_FIELDS,
  type Condition,
  dryRunRule,
  isKeyed,
  KEYED_FIELDS,
  NUMERIC_FIELDS,
  OPS,
  REPLY_KINDS,
  type Rule,
  type RuleAction,
  type RuleBody,
  TRIGGERS,
  type Trigger,
} from "./rules-api.ts";
import { settingsKeys } from "./settings-api.ts";

// ——— conditions as an editable tree ———

type LeafNode = { id: number; kind: "leaf"; negate: boolean; field: string; key: string; op: string; value: string };
type GroupNode = { id: number; kind: "group"; negate: boolean; mode: "all" | "any"; items: Node[] };
type Node = LeafNode | GroupNode;

let nextId = 1;
const newLeaf = (): LeafNode => ({
  id: nextId++,
  kind: "leaf",
  negate: false,
  field: "message.text",
  key: "",
  op: "contains",
  value: "",
});
const newGroup = (mode: "all" | "any" = "all"): GroupNode => ({
  id: nextId++,
  kind: "group",
  negate: false,
  mode,
  items: [],
});

const LIST_OPS = ["in", "includes", "contains", "not_contains"];

function nodeOf(c: Condition, negate = false): Node {
  if ("not" in c) return nodeOf(c.not, !negate);
  if ("all" in c || "any" in c) {
    const mode = "all" in c ? "all" : "any";
    const items = "all" in c ? c.all : c.any;
    return { id: nextId++, kind: "group", negate, mode, items: items.map((x) => nodeOf(x)) };
  }
  const keyed = KEYED_FIELDS.find((f) => c.field.startsWith(`${f}.`));
  return {
    id: nextId++,
    kind: "leaf",
    negate,
    field: keyed ?? c.field,
    key: keyed ? c.field.slice(keyed.length + 1) : "",
    op: c.op,
    value: Array.isArray(c.value) ? c.value.join(", ") : String(c.value),
  };
}

function leafValue(n: LeafNode): Condition {
  const field = KEYED_FIELDS.includes(n.field) ? `${n.field}.${n.key.trim()}` : n.field;
  let value: string | string[] | boolean | number = n.value.trim();
  if (BOOLEAN_FIELDS.includes(n.field) || n.op === "is_set") value = n.value !== "false";
  else if (n.op === "greater_than" || n.op === "less_than") value = Number(n.value);
  else if (LIST_OPS.includes(n.op) && value.includes(","))
    value = value
      .split(",")
      .map((v) => v.trim())
      .filter(Boolean);
  return { field, op: n.op, value };
}

function conditionOf(n: Node): Condition | undefined {
  let c: Condition | undefined;
  if (n.kind === "leaf") c = leafValue(n);
  else {
    const items = n.items.map(conditionOf).filter((x): x is Condition => x !== undefined);
    if (items.length === 0) return undefined;
    c = n.mode === "all" ? { all: items } : { any: items };
  }
  return n.negate ? { not: c } : c;
}

/** The client-side problems of a condition tree (an invalid regex, a missing key or number), by node id. */
function conditionProblems(n: Node, t: TFunction, out = new Map<number, string>()) {
  if (n.kind === "group") {
    for (const x of n.items) conditionProblems(x, t, out);
    return out;
  }
  if (KEYED_FIELDS.includes(n.field) && !/^[A-Za-z0-9_-]{1,64}$/.test(n.key.trim()))
    out.set(n.id, t("ruleEditor.errors.key"));
  else if (n.op === "matches") {
    try {
      new RegExp(n.value, "iu");
    } catch (err) {
      out.set(n.id, `${t("ruleEditor.errors.regex")} ${(err as Error).message}`);
    }
  } else if (
    (n.op === "greater_than" || n.op === "less_than") &&
    (n.value.trim() === "" || Number.isNaN(Number(n.value)))
  )
    out.set(n.id, t("ruleEditor.errors.number"));
  return out;
}

function mapTree(n: Node, id: number, change: (n: Node) => Node | null): Node | null {
  if (n.id === id) return change(n);
  if (n.kind === "leaf") return n;
  return { ...n, items: n.items.map((x) => mapTree(x, id, change)).filter((x): x is Node => x !== null) };
}

function ConditionNode({
  node,
  depth,
  problems,
  onChange,
}: {
  node: Node;
  depth: number;
  problems: Map<number, string>;
  onChange: (id: number, change: (n: Node) => Node | null) => void;
}) {
  const { t } = useTranslation();
  const negate = (
    <Checkbox
      label={t("ruleEditor.not")}
      checked={node.negate}
      onChange={(e) => {
        const checked = e.currentTarget.checked;
        onChange(node.id, (n) => ({ ...n, negate: checked }));
      }}
    />
  );
  const remove =
    depth > 0 ? (
      <ActionIcon
        variant="subtle"
        color="red"
        aria-label={t("ruleEditor.removeCondition")}
        onClick={() => onChange(node.id, () => null)}
      >
        <IconTrash size={16} />
      </ActionIcon>
    ) : null;
  if (node.kind === "group") {
    return (
      <Paper withBorder p="xs" data-testid="condition-group">
        <Group gap="xs" mb="xs">
          <SegmentedControl
            size="xs"
            value={node.mode}
            data={[
              { value: "all", label: t("ruleEditor.all") },
              { value: "any", label: t("ruleEditor.any") },
            ]}
            onChange={(mode) => onChange(node.id, (n) => ({ ...n, mode: mode as "all" | "any" }))}
          />
          {negate}
          {remove}
        </Group>
        <Stack gap="xs" pl="sm">
          {node.items.map((x) => (
            <ConditionNode key={x.id} node={x} depth={depth + 1} problems={problems} onChange={onChange} />
          ))}
          <Group gap="xs">
            <Button
              size="compact-xs"
              variant="light"
              leftSection={<IconPlus size={14} />}
              onClick={() =>
                onChange(node.id, (n) => (n.kind === "group" ? { ...n, items: [...n.items, newLeaf()] } : n))
              }
            >
              {t("ruleEditor.addCondition")}
            </Button>
            {depth < 3 && (
              <Button
                size="compact-xs"
                variant="subtle"
                leftSection={<IconPlus size={14} />}
                onClick={() =>
                  onChange(node.id, (n) =>
                    n.kind === "group" ? { ...n, items: [...n.items, newGroup(n.mode === "all" ? "any" : "all")] } : n,
                  )
                }
              >
                {t("ruleEditor.addGroup")}
              </Button>
            )}
          </Group>
        </Stack>
      </Paper>
    );
  }
  const isBoolean = BOOLEAN_FIELDS.includes(node.field) || node.op === "is_set";
  const ops: readonly (typeof OPS)[number][] = NUMERIC_FIELDS.includes(node.field)
    ? ["greater_than", "less_than", "is_set"]
    : OPS;
  const problem = problems.get(node.id);
  return (
    <Group gap="xs" align="flex-start" wrap="wrap" data-testid="condition">
      <Select
        size="xs"
        w={210}
        aria-label={t("ruleEditor.field")}
        data={CONDITION_FIELDS.map((f) => ({ value: f, label: t(`ruleEditor.conditionFields.${f}`) }))}
        value={node.field}
        allowDeselect={false}
        searchable
        onChange={(field) =>
          onChange(node.id, (n) =>
            n.kind === "leaf" && field
              ? {
                  ...n,
                  field,
                  op: NUMERIC_FIELDS.includes(field)
                    ? "greater_than"
                    : BOOLEAN_FIELDS.includes(field)
                      ? "equals"
                      : n.op,
                  value: BOOLEAN_FIELDS.includes(field) ? "true" : n.value,
                }
              : n,
          )
        }
      />
      {KEYED_FIELDS.includes(node.field) && (
        <TextInput
          size="xs"
          w={130}
          aria-label={t("ruleEditor.key")}
          placeholder={t("ruleEditor.key")}
          value={node.key}
          onChange={(e) => {
            const key = e.currentTarget.value;
            onChange(node.id, (n) => ({ ...n, key }));
          }}
        />
      )}
      <Select
        size="xs"
        w={150}
        aria-label={t("ruleEditor.op")}
        data={ops.map((o) => ({ value: o, label: t(`ruleEditor.ops.${o}`) }))}
        value={node.op}
        allowDeselect={false}
        onChange={(op) => onChange(node.id, (n) => (op ? { ...n, op } : n))}
      />
      {isBoolean ? (
        <Select
          size="xs"
          w={100}
          aria-label={t("ruleEditor.value")}
          data={[
            { value: "true", label: t("ruleEditor.yes") },
            { value: "false", label: t("ruleEditor.no") },
          ]}
          value={node.value === "false" ? "false" : "true"}
          allowDeselect={false}
          onChange={(value) => onChange(node.id, (n) => ({ ...n, value: value ?? "true" }))}
        />
      ) : (
        <TextInput
          size="xs"
          style={{ flex: 1, minWidth: 160 }}
          aria-label={t("ruleEditor.value")}
          placeholder={LIST_OPS.includes(node.op) ? t("ruleEditor.listHint") : ""}
          value={node.value}
          error={problem}
          onChange={(e) => {
            const value = e.currentTarget.value;
            onChange(node.id, (n) => ({ ...n, value }));
          }}
        />
      )}
      {isBoolean && problem && (
        <Text size="xs" c="red">
          {problem}
        </Text>
      )}
      {negate}
      {remove}
    </Group>
  );
}

// ——— actions ———

type FieldKind =
  | "text"
  | "textarea"
  | "tags"
  | "select"
  | "json"
  | "bool"
  | "agent"
  | "agents"
  | "team"
  | "secret"
  | "options";
type FieldName =
  | "text"
  | "priority"
  | "status"
  | "tags"
  | "fields"
  | "agentId"
  | "teamId"
  | "skill"
  | "templateId"
  | "data"
  | "url"
  | "subject"
  | "note"
  | "secret"
  | "userIds"
  | "assignee"
  | "mediaId"
  | "caption"
  | "title"
  | "description"
  | "picUrl"
  | "appId"
  | "pagePath"
  | "thumbMediaId"
  | "options";
type ValueName = (typeof PRIORITIES)[number] | (typeof STATUSES)[number];
type FieldSpec = { name: FieldName; kind: FieldKind; options?: readonly ValueName[]; required?: boolean };

const PRIORITIES = ["urgent", "high", "normal", "low"] as const;
const STATUSES = ["open", "pending", "on-hold", "solved", "closed"] as const;

const ACTION_FIELDS: Record<string, FieldSpec[]> = {
  reply: [],
  note: [{ name: "text", kind: "textarea", required: true }],
  set_priority: [{ name: "priority", kind: "select", options: PRIORITIES, required: true }],
  set_status: [{ name: "status", kind: "select", options: STATUSES, required: true }],
  add_tags: [{ name: "tags", kind: "tags", required: true }],
  remove_tags: [{ name: "tags", kind: "tags", required: true }],
  set_fields: [{ name: "fields", kind: "json", required: true }],
  assign: [
    { name: "agentId", kind: "agent" },
    { name: "teamId", kind: "team" },
    { name: "skill", kind: "text" },
  ],
  send_template: [
    { name: "templateId", kind: "text", required: true },
    { name: "data", kind: "json", required: true },
    { name: "url", kind: "text" },
  ],
  follow_up_case: [
    { name: "subject", kind: "text", required: true },
    { name: "note", kind: "textarea" },
    { name: "priority", kind: "select", options: PRIORITIES },
    { name: "teamId", kind: "team" },
  ],
  webhook: [
    { name: "url", kind: "text", required: true },
    { name: "secret", kind: "secret" },
  ],
  notify: [
    { name: "userIds", kind: "agents" },
    { name: "assignee", kind: "bool" },
    { name: "text", kind: "textarea", required: true },
  ],
  auto_triage: [
    { name: "tags", kind: "bool" },
    { name: "priority", kind: "bool" },
  ],
  stop: [],
};

const REPLY_FIELDS: Record<string, FieldSpec[]> = {
  text: [{ name: "text", kind: "textarea", required: true }],
  image: [
    { name: "mediaId", kind: "text" },
    { name: "url", kind: "text" },
    { name: "caption", kind: "text" },
  ],
  voice: [
    { name: "mediaId", kind: "text" },
    { name: "url", kind: "text" },
  ],
  video: [
    { name: "mediaId", kind: "text" },
    { name: "url", kind: "text" },
    { name: "title", kind: "text" },
    { name: "description", kind: "text" },
  ],
  article: [
    { name: "title", kind: "text", required: true },
    { name: "description", kind: "textarea" },
    { name: "url", kind: "text" },
    { name: "picUrl", kind: "text" },
  ],
  url: [
    { name: "url", kind: "text", required: true },
    { name: "title", kind: "text" },
  ],
  miniprogram: [
    { name: "title", kind: "text", required: true },
    { name: "appId", kind: "text", required: true },
    { name: "pagePath", kind: "text", required: true },
    { name: "thumbMediaId", kind: "text", required: true },
  ],
  agent_card: [
    { name: "agentId", kind: "agent", required: true },
    { name: "note", kind: "text" },
  ],
  qr_code: [
    { name: "mediaId", kind: "text" },
    { name: "url", kind: "text" },
    { name: "caption", kind: "text" },
  ],
  quick_replies: [
    { name: "text", kind: "textarea", required: true },
    { name: "options", kind: "options", required: true },
  ],
};

/** An action while it is edited: JSON and option fields are kept as text until saved. */
type DraftAction = { key: number; values: Record<string, unknown> };

function draftOf(a: RuleAction): DraftAction {
  const { hasSecret: _shown, ...values } = a;
  if (a.type === "reply" && typeof a.text === "string") {
    values.content = { kind: "text", text: a.text };
    delete values.text;
  }
  for (const spec of ACTION_FIELDS[a.type] ?? [])
    if (spec.kind === "json" && values[spec.name] !== undefined)
      values[spec.name] = JSON.stringify(values[spec.name], null, 2);
  const content = values.content as Record<string, unknown> | undefined;
  if (content && Array.isArray(content.options))
    values.content = {
      ...content,
      options: (content.options as { id: string; label: string }[]).map((o) => `${o.id} ${o.label}`).join("\n"),
    };
  return { key: nextId++, values };
}

const blank = (v: unknown) => v === undefined || v === null || v === "" || (Array.isArray(v) && v.length === 0);

/** The action as the API takes it, or the name of the first field that is wrong. */
function actionOf(d: DraftAction): { ok: true; action: RuleAction } | { ok: false; field: string } {
  const type = String(d.values.type);
  // An action the builder has no form for (a scenario's `open_menu`, a bot's `start_flow`) is kept as it is.
  if (!ACTION_FIELDS[type] && type !== "reply") return { ok: true, action: { ...d.values, type } };
  const out: RuleAction = { type };
  for (const spec of ACTION_FIELDS[type] ?? []) {
    const v = d.values[spec.name];
    if (blank(v) || v === false) {
      if (spec.required) return { ok: false, field: spec.name };
      continue;
    }
    if (spec.kind === "json") {
      try {
        out[spec.name] = JSON.parse(String(v));
      } catch {
        return { ok: false, field: spec.name };
      }
    } else out[spec.name] = v;
  }
  if (type === "auto_triage") {
    out.tags = d.values.tags !== false;
    out.priority = d.values.priority !== false;
  }
  if (type === "reply") {
    const content = (d.values.content ?? { kind: "text" }) as Record<string, unknown>;
    const kind = String(content.kind ?? "text");
    const built: Record<string, unknown> = { kind };
    for (const spec of REPLY_FIELDS[kind] ?? []) {
      const v = content[spec.name];
      if (blank(v)) {
        if (spec.required) return { ok: false, field: `content.${spec.name}` };
        continue;
      }
      if (spec.kind === "options") {
        built.options = String(v)
          .split("\n")
          .map((line) => line.trim())
          .filter(Boolean)
          .map((line) => {
            const [first, ...rest] = line.split(/\s+/);
            return { id: first ?? "", label: rest.join(" ") || (first ?? "") };
          });
      } else built[spec.name] = v;
    }
    out.content = built;
  }
  return { ok: true, action: out };
}

function FieldInput({
  spec,
  value,
  label,
  error,
  onChange,
}: {
  spec: FieldSpec;
  value: unknown;
  label: string;
  error?: string | undefined;
  onChange: (v: unknown) => void;
}) {
  const { t } = useTranslation();
  const members = useQuery({ queryKey: settingsKeys.members, queryFn: fetchMembers });
  const teams = useQuery({ queryKey: settingsKeys.teams, queryFn: fetchTeams });
  const memberData = (members.data?.data ?? []).map((m) => ({ value: m.id, label: m.name }));
  const text = typeof value === "string" ? value : "";
  switch (spec.kind) {
    case "textarea":
      return (
        <Textarea
          label={label}
          autosize
          minRows={2}
          value={text}
          error={error}
          onChange={(e) => onChange(e.currentTarget.value)}
        />
      );
    case "options":
      return (
        <Textarea
          label={label}
          description={t("ruleEditor.optionsHint")}
          autosize
          minRows={2}
          value={text}
          error={error}
          onChange={(e) => onChange(e.currentTarget.value)}
        />
      );
    case "tags":
      return (
        <TagsInput
          label={label}
          value={Array.isArray(value) ? (value as string[]) : []}
          error={error}
          onChange={onChange}
        />
      );
    case "select":
      return (
        <Select
          label={label}
          data={(spec.options ?? []).map((o) => ({ value: o, label: t(`ruleEditor.values.${o}`) }))}
          value={text || null}
          error={error}
          onChange={(v) => onChange(v ?? "")}
        />
      );
    case "json":
      return (
        <JsonInput
          label={label}
          autosize
          minRows={2}
          value={text}
          error={error}
          onChange={onChange}
          validationError={t("ruleEditor.errors.json")}
        />
      );
    case "bool":
      return (
        <Switch
          label={label}
          checked={value !== false && value !== undefined}
          onChange={(e) => onChange(e.currentTarget.checked)}
        />
      );
    case "agent":
      return (
        <Select
          label={label}
          data={memberData}
          value={text || null}
          searchable
          clearable
          error={error}
          onChange={(v) => onChange(v ?? "")}
        />
      );
    case "agents":
      return (
        <MultiSelect
          label={label}
          data={memberData}
          value={Array.isArray(value) ? (value as string[]) : []}
          searchable
          error={error}
          onChange={onChange}
        />
      );
    case "team":
      return (
        <Select
          label={label}
          data={(teams.data?.data ?? []).map((team) => ({ value: team.id, label: team.name }))}
          value={text || null}
          clearable
          error={error}
          onChange={(v) => onChange(v ?? "")}
        />
      );
    case "secret":
      return (
        <PasswordInput
          label={label}
          description={t("ruleEditor.secretHint")}
          value={text}
          error={error}
          onChange={(e) => onChange(e.currentTarget.value)}
        />
      );
    default:
      return <TextInput label={label} value={text} error={error} onChange={(e) => onChange(e.currentTarget.value)} />;
  }
}

function ActionEditor({
  draft,
  index,
  count,
  errors,
  onChange,
  onMove,
  onRemove,
}: {
  draft: DraftAction;
  index: number;
  count: number;
  errors: Record<string, string>;
  onChange: (values: Record<string, unknown>) => void;
  onMove: (delta: number) => void;
  onRemove: () => void;
}) {
  const { t } = useTranslation();
  const type = String(draft.values.type);
  const content = (draft.values.content ?? { kind: "text" }) as Record<string, unknown>;
  const kind = String(content.kind ?? "text");
  const errorOf = (name: string) => errors[`actions[${index}].${name}`] ?? errors[`actions[${index}]`];
  return (
    <Paper withBorder p="xs" data-testid="rule-action">
      <Group justify="space-between" mb="xs">
        <Select
          size="xs"
          w={220}
          aria-label={t("ruleEditor.actionType", { n: index + 1 })}
          data={ACTION_TYPES.map((a) => ({ value: a, label: t(`ruleEditor.actions.${a}`) }))}
          value={type}
          allowDeselect={false}
          onChange={(next) => next && onChange({ type: next })}
        />
        <Group gap={4}>
          <ActionIcon
            variant="subtle"
            aria-label={t("ruleEditor.moveUp")}
            disabled={index === 0}
            onClick={() => onMove(-1)}
          >
            <IconArrowUp size={16} />
          </ActionIcon>
          <ActionIcon
            variant="subtle"
            aria-label={t("ruleEditor.moveDown")}
            disabled={index === count - 1}
            onClick={() => onMove(1)}
          >
            <IconArrowDown size={16} />
          </ActionIcon>
          <ActionIcon variant="subtle" color="red" aria-label={t("ruleEditor.removeAction")} onClick={onRemove}>
            <IconTrash size={16} />
          </ActionIcon>
        </Group>
      </Group>
      <Stack gap="xs">
        {type === "reply" && (
          <>
            <Select
              size="xs"
              label={t("ruleEditor.replyKind")}
              data={REPLY_KINDS.map((k) => ({ value: k, label: t(`ruleEditor.replyKinds.${k}`) }))}
              value={kind}
              allowDeselect={false}
              onChange={(next) => next && onChange({ ...draft.values, content: { kind: next } })}
            />
            {(REPLY_FIELDS[kind] ?? []).map((spec) => (
              <FieldInput
                key={spec.name}
                spec={spec}
                value={content[spec.name]}
                label={t(`ruleEditor.fields.${spec.name}`) + (spec.required ? " *" : "")}
                error={errorOf(`content.${spec.name}`)}
                onChange={(v) => onChange({ ...draft.values, content: { ...content, [spec.name]: v } })}
              />
            ))}
          </>
        )}
        {(ACTION_FIELDS[type] ?? []).map((spec) => (
          <FieldInput
            key={spec.name}
            spec={spec}
            value={draft.values[spec.name]}
            label={t(`ruleEditor.fields.${spec.name}`) + (spec.required ? " *" : "")}
            error={errorOf(spec.name)}
            onChange={(v) => onChange({ ...draft.values, [spec.name]: v })}
          />
        ))}
        {type === "webhook" && draft.values.secretKept === true && (
          <Text size="xs" c="dimmed">
            {t("ruleEditor.secretKept")}
          </Text>
        )}
      </Stack>
    </Paper>
  );
}

// ——— the form ———

/** The problems of an API refusal (`details.problems`, each `path: what`), by path. */
function serverProblems(error: unknown): { list: string[]; byPath: Record<string, string> } {
  if (!(error instanceof ApiError)) return { list: [], byPath: {} };
  const details = error.body?.details as
    | { problems?: unknown; issues?: { path?: string; message?: string }[] }
    | undefined;
  const list = Array.isArray(details?.problems) ? details.problems.map(String) : [];
  for (const issue of details?.issues ?? [])
    list.push(`${(issue.path ?? "").replace(/^\//, "").replaceAll("/", ".")}: ${issue.message ?? ""}`);
  const byPath: Record<string, string> = {};
  for (const p of list) {
    const at = p.indexOf(": ");
    if (at > 0) byPath[p.slice(0, at)] ??= p.slice(at + 2);
  }
  return { list, byPath };
}

function DryRunResult({ body }: { body: RuleBody }) {
  const { t } = useTranslation();
  const run = useMutation({ mutationFn: dryRunRule });
  return (
    <Stack gap="xs">
      <Group>
        <Button variant="light" onClick={() => run.mutate(body)} loading={run.isPending} data-testid="dry-run">
          {t("ruleEditor.dryRun")}
        </Button>
        <Text size="xs" c="dimmed">
          {t("ruleEditor.dryRunHint")}
        </Text>
      </Group>
      {run.error && (
        <Alert color="red" role="alert">
          {describeError(run.error, t)}
        </Alert>
      )}
      {run.data && (
        <Stack gap={4} data-testid="dry-run-result">
          <Text size="sm" fw={500}>
            {t("ruleEditor.dryRunMatched", { matched: run.data.matched, scanned: run.data.scanned })}
          </Text>
          {run.data.cases.length > 0 && (
            <Table striped>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t("ruleEditor.case")}</Table.Th>
                  <Table.Th>{t("ruleEditor.firstMessage")}</Table.Th>
                  <Table.Th>{t("ruleEditor.status")}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {run.data.cases.map((c) => {
                  const path = inboxPath("open", c.id);
                  return (
                    <Table.Tr key={c.id}>
                      <Table.Td>
                        <a href={path} onClick={linkHandler(path)}>
                          #{c.number}
                        </a>{" "}
                        {c.subject}
                      </Table.Td>
                      <Table.Td>
                        <Text size="xs" lineClamp={2}>
                          {c.firstMessage ?? "—"}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Badge variant="light">{t(`ruleEditor.values.${c.status}`)}</Badge>
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          )}
        </Stack>
      )}
    </Stack>
  );
}

/** Creates or edits a rule: trigger and its options, nested conditions, ordered actions, dry-run. */
export function RuleEditor({
  rule,
  onSave,
  onCancel,
  saving,
  saveError,
}: {
  rule?: Rule | undefined;
  onSave: (body: RuleBody) => void;
  onCancel: () => void;
  saving: boolean;
  saveError: unknown;
}) {
  const { t } = useTranslation();
  const [name, setName] = useState(rule?.name ?? "");
  const [enabled, setEnabled] = useState(rule?.enabled ?? true);
  const [trigger, setTrigger] = useState<Trigger>(rule?.trigger ?? "keyword");
  const [keywords, setKeywords] = useState<string[]>(rule?.keywords ?? []);
  const [keys, setKeys] = useState<string[]>(rule?.keys ?? []);
  const [cron, setCron] = useState(rule?.schedule?.cron ?? "");
  const [hours, setHours] = useState<number | string>(rule?.schedule?.hours ?? 24);
  const [tree, setTree] = useState<GroupNode>(() => {
    if (!rule?.conditions) return newGroup();
    const node = nodeOf(rule.conditions);
    return node.kind === "group" && !node.negate ? node : { ...newGroup(), items: [node] };
  });
  const [actions, setActions] = useState<DraftAction[]>(() =>
    rule
      ? rule.actions.map((a) => {
          const d = draftOf(a);
          // A webhook keeps its stored secret when the field is left empty.
          return a.hasSecret ? { ...d, values: { ...d.values, secretKept: true } } : d;
        })
      : [{ key: nextId++, values: { type: "reply", content: { kind: "text", text: "" } } }],
  );
  // Checked live once the user has tried to save, so a fixed field loses its complaint at once.
  const [tried, setTried] = useState(false);

  const problems = conditionProblems(tree, t);
  const server = serverProblems(saveError);

  const build = (): RuleBody | { field: string } => {
    const conditions = conditionOf(tree);
    const built: RuleAction[] = [];
    for (const [i, d] of actions.entries()) {
      const a = actionOf(d);
      if (!a.ok) return { field: `actions[${i}].${a.field}` };
      built.push(a.action);
    }
    return {
      name: name.trim(),
      enabled,
      trigger,
      ...(trigger === "keyword" ? { keywords } : {}),
      ...(isKeyed(trigger) && keys.length ? { keys } : {}),
      ...(trigger === "schedule.cron" ? { schedule: { cron: cron.trim() } } : {}),
      ...(trigger === "schedule.after-solved" || trigger === "schedule.no-reply"
        ? { schedule: { hours: Number(hours) } }
        : {}),
      ...(conditions ? { conditions } : {}),
      actions: built,
    };
  };
  const current = build();

  const validate = (): Record<string, string> => {
    const next: Record<string, string> = {};
    if (!name.trim()) next.name = t("settings.required");
    if (trigger === "keyword" && keywords.length === 0) next.keywords = t("ruleEditor.errors.keywords");
    if (trigger === "schedule.cron" && !cron.trim()) next["schedule.cron"] = t("settings.required");
    if (actions.length === 0) next.actions = t("ruleEditor.errors.actions");
    if ("field" in current) next[current.field] = t("ruleEditor.errors.field");
    return next;
  };
  const local = tried ? validate() : {};
  const errors = { ...server.byPath, ...local };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTried(true);
    if (Object.keys(validate()).length || problems.size || "field" in current) return;
    onSave(current);
  };

  return (
    <form onSubmit={submit} noValidate aria-label={t("ruleEditor.title")}>
      <Stack gap="md">
        <Group align="flex-end">
          <TextInput
            style={{ flex: 1 }}
            label={t("ruleEditor.name")}
            required
            maxLength={100}
            value={name}
            error={errors.name}
            onChange={(e) => setName(e.currentTarget.value)}
          />
          <Switch
            label={t("ruleEditor.enabled")}
            checked={enabled}
            onChange={(e) => setEnabled(e.currentTarget.checked)}
          />
        </Group>
        {rule?.disabledReason && (
          <Alert color="orange" title={t("ruleEditor.disabledByEngine")}>
            {rule.disabledReason}
          </Alert>
        )}

        <Title order={4} size="h5">
          {t("ruleEditor.when")}
        </Title>
        <Select
          label={t("ruleEditor.trigger")}
          data={TRIGGERS.map((x) => ({ value: x, label: t(`ruleEditor.triggers.${x}`) }))}
          value={trigger}
          allowDeselect={false}
          searchable
          onChange={(x) => x && setTrigger(x as Trigger)}
        />
        {trigger === "keyword" && (
          <TagsInput
            label={t("ruleEditor.keywords")}
            description={t("ruleEditor.keywordsHint")}
            value={keywords}
            onChange={setKeywords}
            error={errors.keywords}
            required
          />
        )}
        {isKeyed(trigger) && (
          <TagsInput
            label={t("ruleEditor.keys")}
            description={t(`ruleEditor.keysHint.${trigger}`)}
            value={keys}
            onChange={setKeys}
            error={errors.keys}
          />
        )}
        {trigger === "schedule.cron" && (
          <TextInput
            label={t("ruleEditor.cron")}
            description={t("ruleEditor.cronHint")}
            value={cron}
            placeholder="0 9 * * 1-5"
            error={errors["schedule.cron"]}
            onChange={(e) => setCron(e.currentTarget.value)}
          />
        )}
        {(trigger === "schedule.after-solved" || trigger === "schedule.no-reply") && (
          <NumberInput
            label={t("ruleEditor.hours")}
            min={0.1}
            max={2160}
            value={hours}
            error={errors["schedule.hours"]}
            onChange={setHours}
          />
        )}

        <Title order={4} size="h5">
          {t("ruleEditor.if")}
        </Title>
        <ConditionNode
          node={tree}
          depth={0}
          problems={problems}
          onChange={(id, change) => setTree((root) => (mapTree(root, id, change) as GroupNode | null) ?? newGroup())}
        />
        {Object.entries(server.byPath)
          .filter(([path]) => path.startsWith("conditions"))
          .map(([path, message]) => (
            <Text key={path} size="xs" c="red">
              {path}: {message}
            </Text>
          ))}

        <Title order={4} size="h5">
          {t("ruleEditor.then")}
        </Title>
        {actions.map((d, i) => (
          <ActionEditor
            key={d.key}
            draft={d}
            index={i}
            count={actions.length}
            errors={errors}
            onChange={(values) => setActions((list) => list.map((x) => (x.key === d.key ? { ...x, values } : x)))}
            onMove={(delta) =>
              setActions((list) => {
                const next = [...list];
                const [moved] = next.splice(i, 1);
                if (moved) next.splice(i + delta, 0, moved);
                return next;
              })
            }
            onRemove={() => setActions((list) => list.filter((x) => x.key !== d.key))}
          />
        ))}
        {errors.actions && (
          <Text size="xs" c="red">
            {errors.actions}
          </Text>
        )}
        <Group>
          <Button
            variant="light"
            size="xs"
            leftSection={<IconPlus size={14} />}
            onClick={() => setActions((list) => [...list, { key: nextId++, values: { type: "note" } }])}
          >
            {t("ruleEditor.addAction")}
          </Button>
        </Group>

        {!("field" in current) && <DryRunResult body={current} />}

        {server.list.length > 0 && (
          <Alert color="red" role="alert" title={t("ruleEditor.refused")}>
            <List size="sm">
              {server.list.map((p) => (
                <List.Item key={p}>{p}</List.Item>
              ))}
            </List>
          </Alert>
        )}
        {Boolean(saveError) && server.list.length === 0 && (
          <Alert color="red" role="alert">
            {describeError(saveError, t)}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel}>
            {t("ruleEditor.cancel")}
          </Button>
          <Button type="submit" loading={saving} data-testid="save-rule">
            {t("ruleEditor.save")}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

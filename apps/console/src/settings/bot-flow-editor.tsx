import {
  ActionIcon,
  Alert,
  Autocomplete,
  Button,
  Group,
  List,
  NumberInput,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Text,
  Textarea,
  TextInput,
} from "@mantine/core";
import { IconArrowDown, IconArrowUp, IconPlus, IconTrash } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { TFunction } from "i18next";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { fetchTeams } from "../api.ts";
import {
  type BranchCase,
  botKeys,
  createFlow,
  type Flow,
  type FlowInput,
  type Step,
  type StepType,
  stepTypes,
  updateFlow,
  validateFlow,
} from "./bot-api.ts";
import { errorFor } from "./field-errors.ts";
import { flowErrors, flowErrorsOf, stepHasProblem, stepIndexOf } from "./flow-problems.ts";
import { I18nTextFields, i18nTextOf, type LangTexts, langTextsOf } from "./i18n-text-fields.tsx";
import { settingsKeys } from "./settings-api.ts";
import { FormError, SettingsForm, SubmitRow } from "./settings-parts.tsx";

type CaseDraft = {
  on: "intent" | "slot";
  intent: string;
  slot: string;
  test: "equals" | "matches";
  value: string;
  next: string;
};
/** A step being edited: every field any type may use, so switching type keeps the id and loses nothing typed. */
type StepDraft = {
  id: string;
  type: StepType;
  slot: string;
  prompt: LangTexts;
  pattern: string;
  extract: string;
  retryPrompt: LangTexts;
  maxRetries: number | string;
  next: string;
  onFail: string;
  key: string;
  into: string;
  found: string;
  notFound: string;
  text: LangTexts;
  cases: CaseDraft[];
  else: string;
  reason: string;
  teamId: string | null;
};
const NO_TEAM = "__none__";
/** Code-like values (ids, slots, regular expressions) in a fixed-width font; their labels stay as they are. */
const monoInput = { input: { fontFamily: "var(--mantine-font-family-monospace)" } };
const emptyCase = (): CaseDraft => ({ on: "intent", intent: "", slot: "", test: "equals", value: "", next: "" });

function emptyStep(type: StepType, id: string): StepDraft {
  const none = langTextsOf(undefined);
  return {
    id,
    type,
    slot: "",
    prompt: none,
    pattern: "",
    extract: "",
    retryPrompt: none,
    maxRetries: 2,
    next: "",
    onFail: "",
    key: "",
    into: "",
    found: "",
    notFound: "",
    text: none,
    cases: [emptyCase()],
    else: "",
    reason: "",
    teamId: null,
  };
}

function caseDraftOf(c: BranchCase): CaseDraft {
  return {
    on: c.slot !== undefined ? "slot" : "intent",
    intent: c.intent ?? "",
    slot: c.slot ?? "",
    test: c.matches !== undefined ? "matches" : "equals",
    value: c.matches ?? c.equals ?? "",
    next: c.next,
  };
}

export function stepDraftOf(step: Step): StepDraft {
  const draft = emptyStep(step.type, step.id);
  switch (step.type) {
    case "ask":
      return {
        ...draft,
        slot: step.slot,
        prompt: langTextsOf(step.prompt),
        pattern: step.pattern ?? "",
        extract: step.extract ?? "",
        retryPrompt: langTextsOf(step.retryPrompt),
        maxRetries: step.maxRetries ?? 2,
        next: step.next ?? "",
        onFail: step.onFail ?? "",
      };
    case "lookup":
      return {
        ...draft,
        key: step.key,
        into: step.into,
        found: step.found ?? "",
        notFound: step.notFound ?? "",
      };
    case "answer":
      return { ...draft, text: langTextsOf(step.text), next: step.next ?? "" };
    case "branch":
      return { ...draft, cases: step.cases.map(caseDraftOf), else: step.else ?? "" };
    case "handover":
      return { ...draft, reason: step.reason ?? "", teamId: step.teamId ?? null, text: langTextsOf(step.text) };
    case "end":
      return { ...draft, text: langTextsOf(step.text) };
  }
}

/** Only the fields that were filled in: an empty optional field is left out, never sent as "". */
function filled<T extends Record<string, unknown>>(fields: T): T {
  return Object.fromEntries(
    Object.entries(fields).filter(([, value]) => value !== undefined && value !== "" && value !== null),
  ) as T;
}

/** The step as the API takes it. Branch cases stay in place (even empty ones), so problem paths match the screen. */
export function stepOf(d: StepDraft): Step {
  const id = d.id.trim();
  switch (d.type) {
    case "ask":
      return filled({
        id,
        type: "ask" as const,
        slot: d.slot.trim(),
        prompt: i18nTextOf(d.prompt) ?? "",
        pattern: d.pattern,
        extract: d.extract,
        retryPrompt: i18nTextOf(d.retryPrompt),
        maxRetries: typeof d.maxRetries === "number" ? d.maxRetries : undefined,
        next: d.next.trim(),
        onFail: d.onFail.trim(),
      });
    case "lookup":
      return filled({
        id,
        type: "lookup" as const,
        source: "order" as const,
        key: d.key.trim(),
        into: d.into.trim(),
        found: d.found.trim(),
        notFound: d.notFound.trim(),
      });
    case "answer":
      return filled({ id, type: "answer" as const, text: i18nTextOf(d.text) ?? "", next: d.next.trim() });
    case "branch":
      return filled({
        id,
        type: "branch" as const,
        cases: d.cases.map((c) =>
          c.on === "intent"
            ? { intent: c.intent.trim(), next: c.next.trim() }
            : { slot: c.slot.trim(), [c.test]: c.value, next: c.next.trim() },
        ),
        else: d.else.trim(),
      });
    case "handover":
      return filled({
        id,
        type: "handover" as const,
        reason: d.reason.trim(),
        teamId: d.teamId === NO_TEAM ? undefined : (d.teamId ?? undefined),
        text: i18nTextOf(d.text),
      });
    case "end":
      return filled({ id, type: "end" as const, text: i18nTextOf(d.text) });
  }
}

/** Where a problem is, in words: "Step 3 (status) › text › fr". */
function placeOf(key: string, drafts: StepDraft[], t: TFunction): string {
  const index = stepIndexOf(key);
  if (index === null)
    return key === "start" ? t("botAdmin.flows.start") : key === "name" ? t("botAdmin.flows.name") : key;
  const step = t("botAdmin.flows.stepN", { n: index + 1, id: drafts[index]?.id || "?" });
  const rest = key.split(".").slice(2);
  return [step, ...rest.map((part) => (/^\d+$/.test(part) ? String(Number(part) + 1) : part))].join(" › ");
}

function StepEditor({
  index,
  draft,
  count,
  stepIds,
  errors,
  onChange,
  onMove,
  onRemove,
}: {
  index: number;
  draft: StepDraft;
  count: number;
  stepIds: string[];
  errors: Record<string, string>;
  onChange: (draft: StepDraft) => void;
  onMove: (by: -1 | 1) => void;
  onRemove: () => void;
}) {
  const { t } = useTranslation();
  const teams = useQuery({ queryKey: settingsKeys.teams, queryFn: fetchTeams, enabled: draft.type === "handover" });
  const base = `steps.${index}`;
  const err = (field: string) => errorFor(errors, `${base}.${field}`);
  const set = (patch: Partial<StepDraft>) => onChange({ ...draft, ...patch });
  const label = t("botAdmin.flows.stepN", { n: index + 1, id: draft.id || "?" });
  const text = (field: "id" | "slot" | "pattern" | "extract" | "key" | "into" | "reason", mono = false) => (
    <TextInput
      label={t(`botAdmin.flows.fields.${field}`)}
      aria-label={`${label}: ${t(`botAdmin.flows.fields.${field}`)}`}
      value={draft[field]}
      styles={mono ? monoInput : undefined}
      maxLength={200}
      onChange={(event) => set({ [field]: event.currentTarget.value })}
      error={err(field)}
    />
  );
  const stepRef = (field: "next" | "onFail" | "found" | "notFound" | "else") => (
    <Autocomplete
      label={t(`botAdmin.flows.fields.${field}`)}
      aria-label={`${label}: ${t(`botAdmin.flows.fields.${field}`)}`}
      description={t("botAdmin.flows.stepRefHelp")}
      data={stepIds.filter((id) => id && id !== draft.id)}
      value={draft[field]}
      onChange={(value) => set({ [field]: value })}
      error={err(field)}
    />
  );
  const texts = (field: "prompt" | "retryPrompt" | "text", help?: string) => (
    <I18nTextFields
      label={t(`botAdmin.flows.fields.${field}`)}
      context={label}
      description={help}
      value={draft[field]}
      onChange={(value) => set({ [field]: value })}
      errors={errors}
      errorKey={`${base}.${field}`}
      multiline
    />
  );
  const body = (() => {
    switch (draft.type) {
      case "ask":
        return (
          <>
            <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="xs">
              {text("slot", true)}
              {text("pattern", true)}
              {text("extract", true)}
              <NumberInput
                label={t("botAdmin.flows.fields.maxRetries")}
                aria-label={`${label}: ${t("botAdmin.flows.fields.maxRetries")}`}
                min={0}
                max={5}
                allowDecimal={false}
                value={draft.maxRetries}
                onChange={(value) => set({ maxRetries: value })}
                error={err("maxRetries")}
              />
              {stepRef("next")}
              {stepRef("onFail")}
            </SimpleGrid>
            {texts("prompt", t("botAdmin.flows.templateHelp", { slot: "{{slot}}", field: "{{order.status}}" }))}
            {texts("retryPrompt")}
          </>
        );
      case "lookup":
        return (
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xs">
            {text("key", true)}
            {text("into", true)}
            {stepRef("found")}
            {stepRef("notFound")}
          </SimpleGrid>
        );
      case "answer":
        return (
          <>
            {texts("text", t("botAdmin.flows.templateHelp", { slot: "{{slot}}", field: "{{order.status}}" }))}
            <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xs">
              {stepRef("next")}
            </SimpleGrid>
          </>
        );
      case "branch":
        return (
          <Stack gap="xs">
            {draft.cases.map((c, j) => {
              const caseLabel = `${label}: ${t("botAdmin.flows.caseN", { n: j + 1 })}`;
              const caseErr = (field: string) => errorFor(errors, `${base}.cases.${j}.${field}`);
              const setCase = (patch: Partial<CaseDraft>) =>
                set({ cases: draft.cases.map((x, k) => (k === j ? { ...x, ...patch } : x)) });
              return (
                <Paper
                  // biome-ignore lint/suspicious/noArrayIndexKey: cases are positional, like the server's paths
                  key={j}
                  withBorder
                  p="xs"
                  component="fieldset"
                  aria-label={caseLabel}
                  data-testid="branch-case"
                >
                  <Group align="flex-start" gap="xs" wrap="wrap">
                    <Select
                      w={130}
                      label={t("botAdmin.flows.caseOn")}
                      aria-label={`${caseLabel}: ${t("botAdmin.flows.caseOn")}`}
                      data={[
                        { value: "intent", label: t("botAdmin.flows.fields.intent") },
                        { value: "slot", label: t("botAdmin.flows.fields.slot") },
                      ]}
                      value={c.on}
                      allowDeselect={false}
                      onChange={(value) => value && setCase({ on: value as CaseDraft["on"] })}
                    />
                    {c.on === "intent" ? (
                      <TextInput
                        label={t("botAdmin.flows.fields.intent")}
                        aria-label={`${caseLabel}: ${t("botAdmin.flows.fields.intent")}`}
                        value={c.intent}
                        onChange={(event) => setCase({ intent: event.currentTarget.value })}
                        error={caseErr("intent")}
                      />
                    ) : (
                      <>
                        <TextInput
                          label={t("botAdmin.flows.fields.slot")}
                          aria-label={`${caseLabel}: ${t("botAdmin.flows.fields.slot")}`}
                          value={c.slot}
                          onChange={(event) => setCase({ slot: event.currentTarget.value })}
                          error={caseErr("slot")}
                        />
                        <Select
                          w={120}
                          label={t("botAdmin.flows.caseTest")}
                          aria-label={`${caseLabel}: ${t("botAdmin.flows.caseTest")}`}
                          data={[
                            { value: "equals", label: t("botAdmin.flows.fields.equals") },
                            { value: "matches", label: t("botAdmin.flows.fields.matches") },
                          ]}
                          value={c.test}
                          allowDeselect={false}
                          onChange={(value) => value && setCase({ test: value as CaseDraft["test"] })}
                        />
                        <TextInput
                          label={t("botAdmin.flows.caseValue")}
                          aria-label={`${caseLabel}: ${t("botAdmin.flows.caseValue")}`}
                          value={c.value}
                          styles={c.test === "matches" ? monoInput : undefined}
                          onChange={(event) => setCase({ value: event.currentTarget.value })}
                          error={caseErr(c.test)}
                        />
                      </>
                    )}
                    <Autocomplete
                      label={t("botAdmin.flows.fields.next")}
                      aria-label={`${caseLabel}: ${t("botAdmin.flows.fields.next")}`}
                      data={stepIds.filter((id) => id && id !== draft.id)}
                      value={c.next}
                      onChange={(value) => setCase({ next: value })}
                      error={caseErr("next")}
                    />
                    <ActionIcon
                      mt={26}
                      variant="subtle"
                      color="red"
                      disabled={draft.cases.length === 1}
                      aria-label={`${caseLabel}: ${t("botAdmin.flows.removeCase")}`}
                      onClick={() => set({ cases: draft.cases.filter((_, k) => k !== j) })}
                    >
                      <IconTrash size={14} />
                    </ActionIcon>
                  </Group>
                  {errors[`${base}.cases.${j}`] && (
                    <Text c="red" size="xs" role="alert">
                      {errors[`${base}.cases.${j}`]}
                    </Text>
                  )}
                </Paper>
              );
            })}
            <Group align="flex-end">
              <Button
                size="xs"
                variant="light"
                leftSection={<IconPlus size={14} />}
                disabled={draft.cases.length >= 20}
                onClick={() => set({ cases: [...draft.cases, emptyCase()] })}
              >
                {t("botAdmin.flows.addCase")}
              </Button>
            </Group>
            <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xs">
              {stepRef("else")}
            </SimpleGrid>
          </Stack>
        );
      case "handover":
        return (
          <>
            <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xs">
              {text("reason")}
              <Select
                label={t("botAdmin.flows.fields.teamId")}
                aria-label={`${label}: ${t("botAdmin.flows.fields.teamId")}`}
                data={[
                  { value: NO_TEAM, label: t("botAdmin.settings.noTeam") },
                  ...(teams.data?.data ?? []).map((team) => ({ value: team.id, label: team.name })),
                ]}
                value={draft.teamId ?? NO_TEAM}
                allowDeselect={false}
                onChange={(value) => set({ teamId: value })}
                error={err("teamId")}
              />
            </SimpleGrid>
            {texts("text")}
          </>
        );
      case "end":
        return texts("text");
    }
  })();
  const stepError = errors[base];
  return (
    <Paper
      withBorder
      p="sm"
      component="fieldset"
      aria-label={label}
      data-testid="flow-step"
      data-invalid={stepHasProblem(errors, index) || undefined}
      style={stepHasProblem(errors, index) ? { borderColor: "var(--mantine-color-red-filled)" } : undefined}
    >
      <Stack gap="xs">
        <Group align="flex-start" wrap="nowrap">
          <Text size="sm" fw={600} w={24} pt={30}>
            {index + 1}.
          </Text>
          {text("id", true)}
          <Select
            w={170}
            label={t("botAdmin.flows.fields.type")}
            aria-label={`${label}: ${t("botAdmin.flows.fields.type")}`}
            data={stepTypes.map((type) => ({ value: type, label: t(`botAdmin.flows.types.${type}`) }))}
            value={draft.type}
            allowDeselect={false}
            onChange={(value) => value && set({ type: value as StepType })}
          />
          <Group gap={2} pt={26} wrap="nowrap" ml="auto">
            <ActionIcon
              variant="subtle"
              color="gray"
              disabled={index === 0}
              aria-label={`${label}: ${t("botAdmin.flows.moveUp")}`}
              onClick={() => onMove(-1)}
            >
              <IconArrowUp size={14} />
            </ActionIcon>
            <ActionIcon
              variant="subtle"
              color="gray"
              disabled={index === count - 1}
              aria-label={`${label}: ${t("botAdmin.flows.moveDown")}`}
              onClick={() => onMove(1)}
            >
              <IconArrowDown size={14} />
            </ActionIcon>
            <ActionIcon
              variant="subtle"
              color="red"
              disabled={count === 1}
              aria-label={`${label}: ${t("botAdmin.flows.removeStep")}`}
              onClick={onRemove}
            >
              <IconTrash size={14} />
            </ActionIcon>
          </Group>
        </Group>
        {stepError && (
          <Text c="red" size="sm" role="alert">
            {stepError}
          </Text>
        )}
        {body}
      </Stack>
    </Paper>
  );
}

/**
 * A bot flow's structured editor: its steps with their fields; "Check" asks the server
 * (`POST /api/v1/bot/flows/validate`) and every problem shows at its field, and in a list above.
 */
export function FlowEditor({ editing, onDone }: { editing: Flow | null; onDone: () => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [name, setName] = useState(editing?.name ?? "");
  const [start, setStart] = useState(editing?.start ?? "start");
  const [drafts, setDrafts] = useState<StepDraft[]>(() =>
    editing ? editing.steps.map(stepDraftOf) : [emptyStep("answer", "start")],
  );
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [checkedOk, setCheckedOk] = useState(false);
  const [json, setJson] = useState<string | null>(null);
  const [jsonError, setJsonError] = useState<string | null>(null);

  const flowOf = (): FlowInput => ({ name: name.trim(), start: start.trim(), steps: drafts.map(stepOf) });
  const localProblems = (): Record<string, string> => {
    const problems: Record<string, string> = {};
    if (!name.trim()) problems.name = t("settings.required");
    if (!start.trim()) problems.start = t("settings.required");
    drafts.forEach((d, i) => {
      if (!d.id.trim()) problems[`steps.${i}.id`] = t("settings.required");
    });
    return problems;
  };
  const check = useMutation({
    mutationFn: validateFlow,
    onSuccess: ({ problems }) => {
      setErrors(flowErrors(problems));
      setCheckedOk(problems.length === 0);
    },
    onError: (error) => setErrors(flowErrorsOf(error)),
  });
  const save = useMutation({
    mutationFn: (input: FlowInput) => (editing ? updateFlow(editing.id, input) : createFlow(input)),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: botKeys.flows });
      onDone();
    },
    onError: (error) => setErrors(flowErrorsOf(error)),
  });
  // Steps added, removed or moved: the indices in the problems no longer name the same steps.
  const restructure = (next: (current: StepDraft[]) => StepDraft[]) => {
    setDrafts(next);
    setErrors({});
    setCheckedOk(false);
  };
  const withLocalChecks = (then: (flow: FlowInput) => void) => {
    setCheckedOk(false);
    const problems = localProblems();
    setErrors(problems);
    if (Object.keys(problems).length === 0) then(flowOf());
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    withLocalChecks((flow) => save.mutate(flow));
  };
  const applyJson = () => {
    try {
      const parsed = JSON.parse(json ?? "") as Partial<FlowInput>;
      if (!Array.isArray(parsed.steps) || parsed.steps.length === 0) throw new Error(t("botAdmin.flows.jsonNoSteps"));
      const steps = parsed.steps.map((step) => {
        if (!stepTypes.includes(step?.type))
          throw new Error(t("botAdmin.flows.jsonBadType", { type: String(step?.type) }));
        return stepDraftOf(step);
      });
      if (typeof parsed.name === "string") setName(parsed.name);
      if (typeof parsed.start === "string") setStart(parsed.start);
      restructure(() => steps);
      setJson(null);
      setJsonError(null);
    } catch (error) {
      setJsonError(error instanceof Error ? error.message : String(error));
    }
  };
  const stepIds = drafts.map((d) => d.id.trim());
  const problemList = Object.entries(errors);
  const move = (i: number, by: -1 | 1) =>
    restructure((current) => {
      const next = [...current];
      const [moved] = next.splice(i, 1);
      if (moved) next.splice(i + by, 0, moved);
      return next;
    });
  return (
    <SettingsForm
      title={editing ? t("botAdmin.flows.editTitle", { name: editing.name }) : t("botAdmin.flows.create")}
      onSubmit={submit}
    >
      <Group grow maw={720} align="flex-start">
        <TextInput
          label={t("botAdmin.flows.name")}
          value={name}
          maxLength={100}
          required
          onChange={(event) => setName(event.currentTarget.value)}
          error={errorFor(errors, "name")}
        />
        <Autocomplete
          label={t("botAdmin.flows.start")}
          description={t("botAdmin.flows.startHelp")}
          data={stepIds.filter(Boolean)}
          value={start}
          required
          onChange={setStart}
          error={errorFor(errors, "start")}
        />
      </Group>
      {problemList.length > 0 && (
        <Alert color="red" role="alert" title={t("botAdmin.flows.problems", { count: problemList.length })}>
          <List size="sm" data-testid="flow-problems">
            {problemList.map(([key, message]) => (
              <List.Item key={key}>
                <strong>{placeOf(key, drafts, t)}</strong>: {message}
              </List.Item>
            ))}
          </List>
        </Alert>
      )}
      {checkedOk && (
        <Text role="status" c="teal" size="sm">
          {t("botAdmin.flows.noProblems")}
        </Text>
      )}
      {json === null ? (
        <Stack gap="xs">
          {drafts.map((draft, i) => (
            <StepEditor
              // biome-ignore lint/suspicious/noArrayIndexKey: steps are positional, like the server's problem paths
              key={i}
              index={i}
              draft={draft}
              count={drafts.length}
              stepIds={stepIds}
              errors={errors}
              onChange={(next) => setDrafts((current) => current.map((d, j) => (j === i ? next : d)))}
              onMove={(by) => move(i, by)}
              onRemove={() => restructure((current) => current.filter((_, j) => j !== i))}
            />
          ))}
        </Stack>
      ) : (
        <Stack gap="xs">
          <Textarea
            label={t("botAdmin.flows.json")}
            description={t("botAdmin.flows.jsonHelp")}
            value={json}
            styles={monoInput}
            autosize
            minRows={10}
            maxRows={30}
            onChange={(event) => setJson(event.currentTarget.value)}
            error={jsonError}
          />
          <Group>
            <Button size="xs" onClick={applyJson}>
              {t("botAdmin.flows.applyJson")}
            </Button>
            <Button size="xs" variant="subtle" onClick={() => setJson(null)}>
              {t("admin.cancel")}
            </Button>
          </Group>
        </Stack>
      )}
      <Group>
        <Button
          size="xs"
          variant="light"
          leftSection={<IconPlus size={14} />}
          disabled={drafts.length >= 100 || json !== null}
          onClick={() => restructure((current) => [...current, emptyStep("answer", `step${current.length + 1}`)])}
        >
          {t("botAdmin.flows.addStep")}
        </Button>
        {json === null && (
          <Button size="xs" variant="subtle" onClick={() => setJson(JSON.stringify(flowOf(), null, 2))}>
            {t("botAdmin.flows.editJson")}
          </Button>
        )}
      </Group>
      <FormError error={save.error} errors={errors} fields={Object.keys(errors)} />
      <Group>
        <SubmitRow label={editing ? t("settings.save") : t("botAdmin.flows.create")} pending={save.isPending} />
        <Button
          variant="default"
          loading={check.isPending}
          disabled={json !== null}
          onClick={() => withLocalChecks((flow) => check.mutate(flow))}
        >
          {t("botAdmin.flows.check")}
        </Button>
        <Button variant="subtle" onClick={onDone}>
          {t("admin.cancel")}
        </Button>
      </Group>
    </SettingsForm>
  );
}

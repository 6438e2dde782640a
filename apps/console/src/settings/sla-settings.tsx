import { NumberInput, Stack, Table, Text, TextInput } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { errorFor, fieldErrors } from "./field-errors.ts";
import {
  fetchSlaPolicy,
  putSlaPolicy,
  type SlaPolicy,
  type SlaTarget,
  settingsKeys,
  slaPriorities,
  slaTargets,
} from "./settings-api.ts";
import { FormError, QueryState, Section, SubmitRow } from "./settings-parts.tsx";

type Priority = (typeof slaPriorities)[number];
type Grid = Record<Priority, Record<SlaTarget, number | "">>;

const maxMinutes = 525_600;

function gridOf(policy: SlaPolicy | null): Grid {
  const grid = {} as Grid;
  for (const priority of slaPriorities) {
    grid[priority] = {} as Record<SlaTarget, number | "">;
    for (const target of slaTargets) grid[priority][target] = policy?.targets[priority]?.[target] ?? "";
  }
  return grid;
}

function SlaForm({ policy }: { policy: SlaPolicy | null }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [name, setName] = useState(policy?.name ?? "");
  const [grid, setGrid] = useState<Grid>(() => gridOf(policy));
  const [warning, setWarning] = useState<number | "">(Math.round((policy?.warningThreshold ?? 0.8) * 100));
  const [local, setLocal] = useState<Record<string, string>>({});
  useEffect(() => {
    setName(policy?.name ?? "");
    setGrid(gridOf(policy));
    setWarning(Math.round((policy?.warningThreshold ?? 0.8) * 100));
  }, [policy]);

  const save = useMutation({
    mutationFn: putSlaPolicy,
    onSuccess: (saved) => queryClient.setQueryData(settingsKeys.sla, saved),
  });
  const errors = { ...fieldErrors(save.error), ...local };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const problems: Record<string, string> = {};
    if (!name.trim()) problems.name = t("settings.required");
    const targets: SlaPolicy["targets"] = {};
    for (const priority of slaPriorities) {
      for (const target of slaTargets) {
        const value = grid[priority][target];
        if (value === "") continue;
        if (!Number.isInteger(value) || value < 1 || value > maxMinutes) {
          problems[`targets.${priority}.${target}`] = t("settings.sla.minutesRange");
          continue;
        }
        targets[priority] = { ...targets[priority], [target]: value };
      }
    }
    if (Object.keys(targets).length === 0) problems.targets = t("settings.sla.atLeastOne");
    if (warning === "" || warning < 1 || warning > 100) problems.warningThreshold = t("settings.sla.warningRange");
    setLocal(problems);
    if (Object.keys(problems).length > 0) return;
    // No calendar: the workspace's business hours are left as they are (Settings → Business hours edits them).
    save.mutate({ name: name.trim(), targets, warningThreshold: Number(warning) / 100 });
  };
  const fields = ["name", "targets", "warningThreshold", "calendar"];
  return (
    <form onSubmit={submit} noValidate aria-label={t("settings.sla.title")}>
      <Stack gap="sm">
        <TextInput
          label={t("settings.sla.name")}
          value={name}
          maxLength={100}
          required
          maw={480}
          onChange={(event) => setName(event.currentTarget.value)}
          error={errorFor(errors, "name")}
        />
        <Text size="sm" fw={500}>
          {t("settings.sla.targets")}
        </Text>
        <Text size="xs" c="dimmed">
          {t("settings.sla.targetsHelp")}
        </Text>
        <Table withTableBorder verticalSpacing={4}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("case.priority")}</Table.Th>
              {slaTargets.map((target) => (
                <Table.Th key={target}>{t(`settings.sla.target.${target}`)}</Table.Th>
              ))}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {slaPriorities.map((priority) => (
              <Table.Tr key={priority}>
                <Table.Th scope="row">{t(`priority.${priority}`)}</Table.Th>
                {slaTargets.map((target) => (
                  <Table.Td key={target}>
                    <NumberInput
                      size="xs"
                      min={1}
                      max={maxMinutes}
                      allowDecimal={false}
                      clampBehavior="none"
                      aria-label={`${t(`priority.${priority}`)} — ${t(`settings.sla.target.${target}`)}`}
                      value={grid[priority][target]}
                      onChange={(value) =>
                        setGrid((current) => ({
                          ...current,
                          [priority]: { ...current[priority], [target]: value === "" ? "" : Number(value) },
                        }))
                      }
                      error={errorFor(errors, `targets.${priority}.${target}`)}
                    />
                  </Table.Td>
                ))}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        {errors.targets && (
          <Text c="red" size="sm" role="alert">
            {errors.targets}
          </Text>
        )}
        <NumberInput
          label={t("settings.sla.warning")}
          description={t("settings.sla.warningHelp")}
          min={1}
          max={100}
          suffix=" %"
          clampBehavior="none"
          maw={240}
          value={warning}
          onChange={(value) => setWarning(value === "" ? "" : Number(value))}
          error={errorFor(errors, "warningThreshold")}
        />
        <FormError error={save.error} errors={errors} fields={fields} />
        <SubmitRow label={t("settings.save")} pending={save.isPending} saved={save.isSuccess} />
      </Stack>
    </form>
  );
}

/** The workspace's SLA policy: response and resolution targets per priority, in minutes. */
export function SlaSettings() {
  const { t } = useTranslation();
  const query = useQuery({ queryKey: settingsKeys.sla, queryFn: fetchSlaPolicy });
  return (
    <Section title={t("settings.sla.title")} description={t("settings.sla.description")}>
      <QueryState isPending={query.isPending} error={query.error} onRetry={() => void query.refetch()}>
        {query.data === null && <Text size="sm">{t("settings.sla.none")}</Text>}
        {query.data !== undefined && <SlaForm policy={query.data} />}
      </QueryState>
    </Section>
  );
}

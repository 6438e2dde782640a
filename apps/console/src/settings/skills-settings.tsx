import {
  ActionIcon,
  Badge,
  Button,
  Group,
  MultiSelect,
  NumberInput,
  Paper,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { IconTrash } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { describeError } from "../error-message.ts";
import {
  adminKeys,
  createSkill,
  deleteSkill,
  fetchRoutingAgents,
  fetchSkills,
  putRoutingAgent,
  type RoutingAgent,
  type Skill,
} from "./admin-api.ts";
import { errorFor, fieldErrors } from "./field-errors.ts";
import { channelTypes } from "./settings-api.ts";
import { EmptyState, FormError, QueryState, Section, SettingsForm, SubmitRow } from "./settings-parts.tsx";

const NAME = /^\S(.{0,48}\S)?$/;

function CreateSkillForm() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [local, setLocal] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: createSkill,
    onSuccess: () => {
      setName("");
      void queryClient.invalidateQueries({ queryKey: adminKeys.skills });
    },
  });
  const errors = fieldErrors(create.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const trimmed = name.trim();
    if (!trimmed) return setLocal(t("settings.required"));
    if (!NAME.test(trimmed)) return setLocal(t("admin.skills.nameRule"));
    setLocal(null);
    create.mutate(trimmed);
  };
  return (
    <form onSubmit={submit} noValidate aria-label={t("admin.skills.create")}>
      <Stack gap="xs" maw={480}>
        <Group align="flex-start" wrap="nowrap">
          <TextInput
            style={{ flex: 1 }}
            label={t("admin.skills.name")}
            description={t("admin.skills.nameHelp")}
            value={name}
            maxLength={50}
            required
            onChange={(event) => setName(event.currentTarget.value)}
            error={local ?? errorFor(errors, "name")}
          />
          <Button type="submit" mt={44} loading={create.isPending}>
            {t("admin.skills.create")}
          </Button>
        </Group>
        <FormError error={create.error} errors={errors} fields={["name"]} />
      </Stack>
    </form>
  );
}

function SkillRow({ skill }: { skill: Skill }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const remove = useMutation({
    mutationFn: () => deleteSkill(skill.name),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: adminKeys.skills });
      void queryClient.invalidateQueries({ queryKey: adminKeys.agents });
    },
  });
  // Optimistic: the row goes at once, and comes back with the server's reason if the deletion fails.
  if (remove.isPending || remove.isSuccess) return null;
  return (
    <Table.Tr data-testid="skill" data-skill={skill.name}>
      <Table.Td>
        <Text fw={500}>{skill.name}</Text>
      </Table.Td>
      <Table.Td>{t("admin.skills.agentCount", { count: skill.agents })}</Table.Td>
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
            aria-label={t("admin.skills.delete", { name: skill.name })}
            onClick={() => {
              if (window.confirm(t("admin.skills.confirmDelete", { name: skill.name, count: skill.agents })))
                remove.mutate();
            }}
          >
            <IconTrash size={16} />
          </ActionIcon>
        </Group>
      </Table.Td>
    </Table.Tr>
  );
}

function AgentForm({ agent, skills }: { agent: RoutingAgent; skills: string[] }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [levels, setLevels] = useState<Record<string, number | "">>(agent.skills);
  const [capacity, setCapacity] = useState<Record<string, number | "">>(agent.capacity);
  const [local, setLocal] = useState<Record<string, string>>({});
  useEffect(() => {
    setLevels(agent.skills);
    setCapacity(agent.capacity);
  }, [agent]);
  const save = useMutation({
    mutationFn: (input: { skills: Record<string, number>; capacity: Record<string, number> }) =>
      putRoutingAgent(agent.userId, input),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: adminKeys.agents });
      void queryClient.invalidateQueries({ queryKey: adminKeys.skills });
    },
  });
  const errors = { ...fieldErrors(save.error), ...local };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const problems: Record<string, string> = {};
    const outSkills: Record<string, number> = {};
    for (const [name, level] of Object.entries(levels)) {
      if (level === "" || !Number.isInteger(level) || level < 1 || level > 5)
        problems[`skills.${name}`] = t("admin.skills.levelRange");
      else outSkills[name] = level;
    }
    const outCapacity: Record<string, number> = {};
    for (const [type, value] of Object.entries(capacity)) {
      if (value === "" || !Number.isInteger(value) || value < 0 || value > 500)
        problems[`capacity.${type}`] = t("admin.skills.capacityRange");
      else outCapacity[type] = value;
    }
    setLocal(problems);
    if (Object.keys(problems).length > 0) return;
    save.mutate({ skills: outSkills, capacity: outCapacity });
  };
  const selected = Object.keys(levels);
  const fields = [...selected.map((s) => `skills.${s}`), ...Object.keys(capacity).map((c) => `capacity.${c}`)];
  return (
    <Paper withBorder p="sm" data-testid="agent-routing" data-agent={agent.name}>
      <SettingsForm title={agent.name} onSubmit={submit}>
        <Group gap="xs">
          <Badge variant="light">{t(`admin.presence.${agent.presence as "online"}`, agent.presence)}</Badge>
          <Text size="xs" c="dimmed">
            {t("admin.skills.load", { count: Object.values(agent.load).reduce((sum, n) => sum + n, 0) })}
          </Text>
        </Group>
        <MultiSelect
          label={t("admin.skills.agentSkills")}
          placeholder={t("admin.skills.pickSkills")}
          data={[...new Set([...skills, ...selected])]}
          value={selected}
          searchable
          onChange={(next) =>
            setLevels((current) => Object.fromEntries(next.map((name) => [name, current[name] ?? 3])))
          }
        />
        {selected.length > 0 && (
          <SimpleGrid cols={{ base: 2, sm: 4 }}>
            {selected.map((name) => (
              <NumberInput
                key={name}
                size="xs"
                label={t("admin.skills.levelOf", { name })}
                min={1}
                max={5}
                allowDecimal={false}
                clampBehavior="none"
                value={levels[name]}
                onChange={(value) =>
                  setLevels((current) => ({ ...current, [name]: value === "" ? "" : Number(value) }))
                }
                error={errorFor(errors, `skills.${name}`)}
              />
            ))}
          </SimpleGrid>
        )}
        <Text size="sm" fw={500}>
          {t("admin.skills.capacity")}
        </Text>
        <Text size="xs" c="dimmed" mt={-8}>
          {t("admin.skills.capacityHelp")}
        </Text>
        <SimpleGrid cols={{ base: 2, sm: 4 }}>
          {[...new Set([...channelTypes, ...Object.keys(capacity)])].map((type) => (
            <NumberInput
              key={type}
              size="xs"
              label={t(`channelTypes.${type as "api"}`, type)}
              min={0}
              max={500}
              allowDecimal={false}
              clampBehavior="none"
              value={capacity[type] ?? ""}
              onChange={(value) =>
                setCapacity((current) => ({ ...current, [type]: value === "" ? "" : Number(value) }))
              }
              error={errorFor(errors, `capacity.${type}`)}
            />
          ))}
        </SimpleGrid>
        <FormError error={save.error} errors={errors} fields={fields} />
        <SubmitRow label={t("settings.save")} pending={save.isPending} saved={save.isSuccess} />
      </SettingsForm>
    </Paper>
  );
}

/** Skills (the catalog, and each agent's levels) and each agent's capacity per channel type. */
export function SkillsSettings() {
  const { t } = useTranslation();
  const skills = useQuery({ queryKey: adminKeys.skills, queryFn: fetchSkills });
  const agents = useQuery({ queryKey: adminKeys.agents, queryFn: fetchRoutingAgents });
  const names = skills.data?.data.map((skill) => skill.name) ?? [];
  return (
    <Section title={t("admin.skills.title")} description={t("admin.skills.description")}>
      <CreateSkillForm />
      <QueryState isPending={skills.isPending} error={skills.error} onRetry={() => void skills.refetch()}>
        {skills.data?.data.length === 0 ? (
          <EmptyState>{t("admin.skills.empty")}</EmptyState>
        ) : (
          <Table maw={640} striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("admin.skills.name")}</Table.Th>
                <Table.Th>{t("admin.skills.agents")}</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {skills.data?.data.map((skill) => (
                <SkillRow key={skill.name} skill={skill} />
              ))}
            </Table.Tbody>
          </Table>
        )}
      </QueryState>
      <Title order={3} size="h4" mt="md">
        {t("admin.skills.agentsTitle")}
      </Title>
      <QueryState isPending={agents.isPending} error={agents.error} onRetry={() => void agents.refetch()}>
        {agents.data?.data.length === 0 && <EmptyState>{t("admin.skills.noAgents")}</EmptyState>}
        <Stack gap="sm">
          {agents.data?.data.map((agent) => (
            <AgentForm key={agent.userId} agent={agent} skills={names} />
          ))}
        </Stack>
      </QueryState>
    </Section>
  );
}

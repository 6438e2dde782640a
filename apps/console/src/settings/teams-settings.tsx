import { Button, Group, MultiSelect, Paper, Stack, Text, TextInput, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { fetchMembers, fetchTeams, type Member, type Team } from "../api.ts";
import { describeError } from "../error-message.ts";
import { errorFor, fieldErrors } from "./field-errors.ts";
import { createTeam, setTeamMember, settingsKeys } from "./settings-api.ts";
import { EmptyState, FormError, QueryState, Section } from "./settings-parts.tsx";

function CreateTeamForm() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [localError, setLocalError] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: createTeam,
    onSuccess: () => {
      setName("");
      void queryClient.invalidateQueries({ queryKey: settingsKeys.teams });
    },
  });
  const errors = fieldErrors(create.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!name.trim()) return setLocalError(t("settings.required"));
    setLocalError(null);
    create.mutate(name.trim());
  };
  return (
    <form onSubmit={submit} noValidate aria-label={t("settings.teams.create")}>
      <Stack gap="sm" maw={480}>
        <Group align="flex-end" wrap="nowrap">
          <TextInput
            style={{ flex: 1 }}
            label={t("settings.teams.name")}
            value={name}
            maxLength={100}
            required
            onChange={(event) => setName(event.currentTarget.value)}
            error={localError ?? errorFor(errors, "name")}
          />
          <Button type="submit" loading={create.isPending}>
            {t("settings.teams.create")}
          </Button>
        </Group>
        <FormError error={create.error} errors={errors} fields={["name"]} />
      </Stack>
    </form>
  );
}

function TeamCard({ team, members }: { team: Team; members: Member[] }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const change = useMutation({
    mutationFn: async (next: string[]) => {
      const added = next.filter((id) => !team.memberIds.includes(id));
      const removed = team.memberIds.filter((id) => !next.includes(id));
      for (const id of added) await setTeamMember(team.id, id, true);
      for (const id of removed) await setTeamMember(team.id, id, false);
    },
    onSettled: () => void queryClient.invalidateQueries({ queryKey: settingsKeys.teams }),
  });
  return (
    <Paper withBorder p="sm" data-testid="team" data-team-name={team.name}>
      <Title order={3} size="h5" mb="xs">
        {team.name}
      </Title>
      <MultiSelect
        label={t("settings.teams.members")}
        placeholder={t("settings.teams.pickMembers")}
        data={members.map((member) => ({ value: member.id, label: member.name }))}
        value={change.isPending ? (change.variables ?? team.memberIds) : team.memberIds}
        onChange={(next) => change.mutate(next)}
        searchable
        error={change.error ? describeError(change.error, t) : undefined}
      />
      <Text size="xs" c="dimmed" mt={4}>
        {t("settings.teams.memberCount", { count: team.memberIds.length })}
      </Text>
    </Paper>
  );
}

/** Teams and who is in them. */
export function TeamsSettings() {
  const { t } = useTranslation();
  const teams = useQuery({ queryKey: settingsKeys.teams, queryFn: fetchTeams });
  const members = useQuery({ queryKey: settingsKeys.members, queryFn: fetchMembers });
  return (
    <Section title={t("settings.teams.title")} description={t("settings.teams.description")}>
      <CreateTeamForm />
      <QueryState
        isPending={teams.isPending || members.isPending}
        error={teams.error ?? members.error}
        onRetry={() => void Promise.all([teams.refetch(), members.refetch()])}
      >
        {teams.data?.data.length === 0 && <EmptyState>{t("settings.teams.empty")}</EmptyState>}
        <Stack gap="sm">
          {teams.data?.data.map((team) => (
            <TeamCard key={team.id} team={team} members={members.data?.data ?? []} />
          ))}
        </Stack>
      </QueryState>
    </Section>
  );
}

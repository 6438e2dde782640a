import { Alert, PasswordInput, Select, Stack, Table, Text, TextInput } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { fetchMembers, type Member, type Session } from "../api.ts";
import { describeError } from "../error-message.ts";
import { errorFor, fieldErrors } from "./field-errors.ts";
import { addMember, changeRole, type Role, roles, settingsKeys } from "./settings-api.ts";
import { CopyField, FormError, QueryState, RolePicker, Section, SettingsForm, SubmitRow } from "./settings-parts.tsx";

const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const inviteFields = ["email", "name", "role", "password"] as const;

function InviteForm() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>("agent");
  const [password, setPassword] = useState("");
  const [emailError, setEmailError] = useState<string | null>(null);
  const add = useMutation({
    mutationFn: addMember,
    onSuccess: () => {
      setEmail("");
      setName("");
      setPassword("");
      void queryClient.invalidateQueries({ queryKey: settingsKeys.members });
    },
  });
  const errors = fieldErrors(add.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!emailPattern.test(email.trim())) return setEmailError(t("settings.members.emailInvalid"));
    setEmailError(null);
    add.mutate({
      email: email.trim(),
      role,
      ...(name.trim() ? { name: name.trim() } : {}),
      ...(password ? { password } : {}),
    });
  };
  return (
    <SettingsForm title={t("settings.members.invite")} onSubmit={submit} maw={480}>
      <TextInput
        label={t("settings.members.email")}
        type="email"
        required
        value={email}
        onChange={(event) => setEmail(event.currentTarget.value)}
        error={emailError ?? errorFor(errors, "email")}
      />
      <TextInput
        label={t("settings.members.name")}
        value={name}
        maxLength={200}
        onChange={(event) => setName(event.currentTarget.value)}
        error={errorFor(errors, "name")}
      />
      <RolePicker value={role} onChange={setRole} error={errorFor(errors, "role")} />
      <PasswordInput
        label={t("settings.members.password")}
        description={t("settings.members.passwordHelp")}
        value={password}
        onChange={(event) => setPassword(event.currentTarget.value)}
        error={errorFor(errors, "password")}
      />
      <FormError error={add.error} errors={errors} fields={inviteFields} />
      {add.data && (
        <Alert color="teal" role="status" title={t("settings.members.added", { email: add.data.email })}>
          {add.data.initialPassword && (
            <Stack gap={4}>
              <Text size="sm">{t("settings.members.initialPassword")}</Text>
              <CopyField value={add.data.initialPassword} label={t("settings.members.password")} />
            </Stack>
          )}
        </Alert>
      )}
      <SubmitRow label={t("settings.members.add")} pending={add.isPending} />
    </SettingsForm>
  );
}

function RoleSelect({ member, session }: { member: Member; session: Session }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const change = useMutation({
    mutationFn: (role: Role) => changeRole(member.id, role),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: settingsKeys.members }),
  });
  const isSelf = member.id === session.user.id;
  return (
    <Select
      aria-label={t("settings.members.roleOf", { name: member.name })}
      size="xs"
      w={160}
      data={roles.map((value) => ({ value, label: t(`roles.${value}`) }))}
      value={change.isPending ? (change.variables ?? member.role) : member.role}
      onChange={(value) => value && value !== member.role && change.mutate(value as Role)}
      allowDeselect={false}
      disabled={isSelf || change.isPending}
      title={isSelf ? t("settings.members.ownRole") : undefined}
      error={change.error ? describeError(change.error, t) : undefined}
    />
  );
}

/** Members and their roles; inviting (creating) a member. */
export function MembersSettings({ session }: { session: Session }) {
  const { t } = useTranslation();
  const query = useQuery({ queryKey: settingsKeys.members, queryFn: fetchMembers });
  return (
    <Section title={t("settings.members.title")} description={t("settings.members.description")}>
      <QueryState isPending={query.isPending} error={query.error} onRetry={() => void query.refetch()}>
        <Table striped highlightOnHover data-testid="members-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("settings.members.name")}</Table.Th>
              <Table.Th>{t("settings.members.email")}</Table.Th>
              <Table.Th>{t("settings.members.role")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {query.data?.data.map((member) => (
              <Table.Tr key={member.id}>
                <Table.Td>{member.name}</Table.Td>
                <Table.Td>{member.email}</Table.Td>
                <Table.Td>
                  <RoleSelect member={member} session={session} />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </QueryState>
      <InviteForm />
    </Section>
  );
}

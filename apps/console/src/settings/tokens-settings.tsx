import { Alert, Badge, Button, Stack, Table, Text, TextInput } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { describeError } from "../error-message.ts";
import { formatDateTime, useLanguage } from "../format.ts";
import { errorFor, fieldErrors } from "./field-errors.ts";
import { type ApiToken, createToken, fetchTokens, type Role, revokeToken, settingsKeys } from "./settings-api.ts";
import {
  CopyField,
  EmptyState,
  FormError,
  QueryState,
  RolePicker,
  Section,
  SettingsForm,
  SubmitRow,
} from "./settings-parts.tsx";

function CreateTokenForm() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>("agent");
  const [localError, setLocalError] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: createToken,
    onSuccess: () => {
      setName("");
      void queryClient.invalidateQueries({ queryKey: settingsKeys.tokens });
    },
  });
  const errors = fieldErrors(create.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!name.trim()) return setLocalError(t("settings.required"));
    setLocalError(null);
    create.mutate({ name: name.trim(), role });
  };
  return (
    <SettingsForm title={t("settings.tokens.create")} onSubmit={submit} maw={480}>
      <TextInput
        label={t("settings.tokens.name")}
        value={name}
        maxLength={100}
        required
        onChange={(event) => setName(event.currentTarget.value)}
        error={localError ?? errorFor(errors, "name")}
      />
      <RolePicker value={role} onChange={setRole} error={errorFor(errors, "role")} />
      <FormError error={create.error} errors={errors} fields={["name", "role"]} />
      {create.data && (
        <Alert color="teal" role="status" title={t("settings.tokens.created")}>
          <Text size="sm" mb={4}>
            {t("settings.tokens.shownOnce")}
          </Text>
          <CopyField value={create.data.token} label={t("settings.tokens.secret")} testId="token-secret" />
        </Alert>
      )}
      <SubmitRow label={t("settings.tokens.create")} pending={create.isPending} />
    </SettingsForm>
  );
}

function TokenRow({ token }: { token: ApiToken }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const queryClient = useQueryClient();
  const revoke = useMutation({
    mutationFn: () => revokeToken(token.id),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: settingsKeys.tokens }),
  });
  return (
    <Table.Tr data-testid="token-row">
      <Table.Td>{token.name}</Table.Td>
      <Table.Td>
        <Text size="sm" ff="monospace">
          {token.prefix ? `${token.prefix}…` : ""}
        </Text>
      </Table.Td>
      <Table.Td>{t(`roles.${token.role}`)}</Table.Td>
      <Table.Td>
        {token.lastUsedAt ? formatDateTime(token.lastUsedAt, language) : t("settings.tokens.neverUsed")}
      </Table.Td>
      <Table.Td>
        {token.revokedAt ? (
          <Badge color="gray" variant="light">
            {t("settings.tokens.revoked")}
          </Badge>
        ) : (
          <Stack gap={2}>
            <Button
              size="xs"
              color="red"
              variant="light"
              loading={revoke.isPending}
              onClick={() => {
                if (window.confirm(t("settings.tokens.confirmRevoke", { name: token.name }))) revoke.mutate();
              }}
            >
              {t("settings.tokens.revoke")}
            </Button>
            {revoke.error && (
              <Text size="xs" c="red" role="alert">
                {describeError(revoke.error, t)}
              </Text>
            )}
          </Stack>
        )}
      </Table.Td>
    </Table.Tr>
  );
}

/** API tokens: create (the secret is shown once) and revoke. */
export function TokensSettings() {
  const { t } = useTranslation();
  const query = useQuery({ queryKey: settingsKeys.tokens, queryFn: fetchTokens });
  return (
    <Section title={t("settings.tokens.title")} description={t("settings.tokens.description")}>
      <CreateTokenForm />
      <QueryState isPending={query.isPending} error={query.error} onRetry={() => void query.refetch()}>
        {query.data?.data.length === 0 ? (
          <EmptyState>{t("settings.tokens.empty")}</EmptyState>
        ) : (
          <Table striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("settings.tokens.name")}</Table.Th>
                <Table.Th>{t("settings.tokens.prefix")}</Table.Th>
                <Table.Th>{t("settings.members.role")}</Table.Th>
                <Table.Th>{t("settings.tokens.lastUsed")}</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {query.data?.data.map((token) => (
                <TokenRow key={token.id} token={token} />
              ))}
            </Table.Tbody>
          </Table>
        )}
      </QueryState>
    </Section>
  );
}

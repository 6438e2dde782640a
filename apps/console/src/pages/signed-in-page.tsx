import { Alert, Button, Paper, Stack, Table, Title } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { logOut, meQueryKey, type Session } from "../api.ts";
import { describeError } from "../error-message.ts";

export function SignedInPage({ session }: { session: Session }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const logout = useMutation({
    mutationFn: logOut,
    onSuccess: () => {
      queryClient.setQueryData(meQueryKey, null);
      queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== meQueryKey[0] });
    },
  });

  return (
    <Paper withBorder shadow="sm" p="lg" radius="md" maw={520} mx="auto" mt="xl">
      <Stack>
        <Title order={2}>{t("session.heading")}</Title>
        <Table variant="vertical" withTableBorder>
          <Table.Tbody>
            <Table.Tr>
              <Table.Th w={140}>{t("session.email")}</Table.Th>
              <Table.Td data-testid="session-email">{session.user.email}</Table.Td>
            </Table.Tr>
            <Table.Tr>
              <Table.Th>{t("session.workspace")}</Table.Th>
              <Table.Td data-testid="session-workspace">{session.workspace.name}</Table.Td>
            </Table.Tr>
            <Table.Tr>
              <Table.Th>{t("session.role")}</Table.Th>
              <Table.Td data-testid="session-role">{session.role}</Table.Td>
            </Table.Tr>
          </Table.Tbody>
        </Table>
        {logout.isError && (
          <Alert color="red" title={t("errors.title")} role="alert">
            {describeError(logout.error, t)}
          </Alert>
        )}
        <Button variant="default" onClick={() => logout.mutate()} loading={logout.isPending}>
          {t("session.signOut")}
        </Button>
      </Stack>
    </Paper>
  );
}

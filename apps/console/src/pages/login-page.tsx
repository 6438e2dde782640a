import { Alert, Button, Paper, PasswordInput, Stack, TextInput, Title } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { logIn, meQueryKey } from "../api.ts";
import { describeError } from "../error-message.ts";

export function LoginPage() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const login = useMutation({
    mutationFn: logIn,
    onSuccess: (session) => {
      queryClient.setQueryData(meQueryKey, session);
    },
  });

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    login.mutate({ email, password });
  }

  return (
    <Paper withBorder shadow="sm" p="lg" radius="md" maw={420} mx="auto" mt="xl">
      <form onSubmit={handleSubmit} noValidate={false} aria-labelledby="login-title">
        <Stack>
          <Title order={2} id="login-title">
            {t("login.title")}
          </Title>
          {login.isError && (
            <Alert color="red" title={t("login.failed")} role="alert">
              {describeError(login.error, t)}
            </Alert>
          )}
          <TextInput
            label={t("login.email")}
            name="email"
            type="email"
            autoComplete="username"
            required
            value={email}
            onChange={(event) => setEmail(event.currentTarget.value)}
          />
          <PasswordInput
            label={t("login.password")}
            name="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(event) => setPassword(event.currentTarget.value)}
          />
          <Button type="submit" loading={login.isPending}>
            {t("login.submit")}
          </Button>
        </Stack>
      </form>
    </Paper>
  );
}

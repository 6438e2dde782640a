import { Alert, AppShell, Button, Center, Group, Loader, Select, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { fetchMe, meQueryKey } from "./api.ts";
import { describeError } from "./error-message.ts";
import { supportedLanguages } from "./i18n/index.ts";
import { LoginPage } from "./pages/login-page.tsx";
import { SignedInPage } from "./pages/signed-in-page.tsx";

function LanguageSelect() {
  const { t, i18n } = useTranslation();
  return (
    <Select
      aria-label={t("app.language")}
      size="xs"
      w={140}
      allowDeselect={false}
      data={supportedLanguages.map((language) => ({ ...language }))}
      value={i18n.resolvedLanguage ?? "en"}
      onChange={(value) => {
        if (value !== null) void i18n.changeLanguage(value);
      }}
    />
  );
}

function Main() {
  const { t } = useTranslation();
  const me = useQuery({ queryKey: meQueryKey, queryFn: fetchMe });

  if (me.isPending) {
    return (
      <Center py="xl">
        <Loader aria-label={t("app.loading")} />
      </Center>
    );
  }
  if (me.isError) {
    return (
      <Alert color="red" title={t("errors.title")} maw={480} mx="auto">
        {describeError(me.error, t)}
        <Group mt="sm">
          <Button size="xs" variant="light" color="red" onClick={() => void me.refetch()}>
            {t("errors.retry")}
          </Button>
        </Group>
      </Alert>
    );
  }
  return me.data === null ? <LoginPage /> : <SignedInPage session={me.data} />;
}

export function App() {
  const { t } = useTranslation();
  return (
    <AppShell header={{ height: 56 }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Title order={3}>{t("app.title")}</Title>
          <LanguageSelect />
        </Group>
      </AppShell.Header>
      <AppShell.Main>
        <Main />
      </AppShell.Main>
    </AppShell>
  );
}

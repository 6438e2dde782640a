import { AppShell, Center, Group, Loader, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { lazy, type ReactNode, Suspense } from "react";
import { useTranslation } from "react-i18next";
import { fetchMe, meQueryKey, type Session } from "./api.ts";
import { MentionNotifier } from "./case/mention-notifier.tsx";
import { ErrorAlert } from "./error-alert.tsx";
import { InboxPage } from "./inbox/inbox-page.tsx";
import { AppLayout } from "./layout/app-layout.tsx";
import { LanguageSelect } from "./layout/language-select.tsx";
import { LoginPage } from "./pages/login-page.tsx";
import { RealtimeProvider } from "./realtime.tsx";
import { usePathname } from "./router.ts";
import { ShortcutHelpProvider } from "./shortcuts.tsx";

// Settings and the wallboard are separate chunks: the inbox (the first route) does not wait for them.
const SettingsPage = lazy(() => import("./settings/settings-page.tsx"));
const WallboardPage = lazy(() => import("./wallboard/wallboard-page.tsx"));

function PageLoader() {
  const { t } = useTranslation();
  return (
    <Center py="xl">
      <Loader aria-label={t("app.loading")} />
    </Center>
  );
}

/** The page for the current path: settings, the wallboard, or the inbox (everything else). */
function SignedInPage({ session }: { session: Session }) {
  const pathname = usePathname();
  const section = pathname.split("/")[1];
  if (section === "settings" || section === "wallboard") {
    return (
      <Suspense fallback={<PageLoader />}>
        {section === "settings" ? <SettingsPage session={session} /> : <WallboardPage session={session} />}
      </Suspense>
    );
  }
  return <InboxPage session={session} />;
}

/** The frame shown before sign-in: a header with the language switcher. */
function PublicShell({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  return (
    <AppShell header={{ height: 56 }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Title order={3}>{t("app.title")}</Title>
          <LanguageSelect />
        </Group>
      </AppShell.Header>
      <AppShell.Main>{children}</AppShell.Main>
    </AppShell>
  );
}

export function App() {
  const { t } = useTranslation();
  const me = useQuery({ queryKey: meQueryKey, queryFn: fetchMe });

  if (me.isPending) {
    return (
      <PublicShell>
        <Center py="xl">
          <Loader aria-label={t("app.loading")} />
        </Center>
      </PublicShell>
    );
  }
  if (me.isError) {
    return (
      <PublicShell>
        <ErrorAlert title={t("errors.title")} error={me.error} onRetry={() => void me.refetch()} maw={480} mx="auto" />
      </PublicShell>
    );
  }
  if (me.data === null) {
    return (
      <PublicShell>
        <LoginPage />
      </PublicShell>
    );
  }
  return (
    <RealtimeProvider>
      <MentionNotifier session={me.data} />
      <ShortcutHelpProvider>
        <AppLayout session={me.data}>
          <SignedInPage session={me.data} />
        </AppLayout>
      </ShortcutHelpProvider>
    </RealtimeProvider>
  );
}

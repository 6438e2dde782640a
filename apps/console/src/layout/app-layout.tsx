import {
  ActionIcon,
  AppShell,
  Avatar,
  Badge,
  Burger,
  Button,
  Group,
  NavLink,
  ScrollArea,
  Stack,
  Text,
  Title,
  Tooltip,
} from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { IconChartBar, IconInbox, IconKeyboard, IconLogout, IconSettings } from "@tabler/icons-react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { logOut, meQueryKey, type Session } from "../api.ts";
import { inboxPath, inboxViews, parseInboxPath } from "../inbox/views.ts";
import { useRealtimeStatus } from "../realtime.tsx";
import { linkHandler, usePathname } from "../router.ts";
import { GlobalSearch } from "../search/global-search.tsx";
import { useShortcutHelp } from "../shortcuts.tsx";
import { LanguageSelect } from "./language-select.tsx";
import { PresenceMenu } from "./presence-menu.tsx";

/** Pages for supervisors, admins and owners. */
const supervisorLinks = [
  { path: "/wallboard", label: "nav.wallboard", Icon: IconChartBar },
  { path: "/settings/workspace", label: "nav.settings", Icon: IconSettings },
] as const;

function RealtimeBadge() {
  const { t } = useTranslation();
  const status = useRealtimeStatus();
  const live = status === "connected";
  return (
    <Tooltip label={live ? t("app.liveTooltip") : t("app.offlineTooltip")}>
      <Badge variant="dot" color={live ? "teal" : "gray"} data-testid="realtime-status" data-status={status}>
        {live ? t("app.live") : t("app.offline")}
      </Badge>
    </Tooltip>
  );
}

function UserSection({ session }: { session: Session }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const logout = useMutation({
    mutationFn: logOut,
    onSuccess: () => {
      window.history.replaceState(null, "", "/");
      queryClient.setQueryData(meQueryKey, null);
      queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== meQueryKey[0] });
    },
  });
  return (
    <Stack gap="xs">
      <Group gap="sm" wrap="nowrap" aria-label={t("app.signedInAs")}>
        <Avatar name={session.user.name} color="initials" size="md" />
        <div style={{ minWidth: 0 }}>
          <Text size="sm" fw={600} truncate>
            {session.user.name}
          </Text>
          <Text size="xs" c="dimmed" truncate data-testid="session-email">
            {session.user.email}
          </Text>
        </div>
      </Group>
      <Button
        variant="default"
        size="xs"
        leftSection={<IconLogout size={14} />}
        onClick={() => logout.mutate()}
        loading={logout.isPending}
      >
        {t("app.signOut")}
      </Button>
    </Stack>
  );
}

/** The signed-in frame: header (live status, shortcuts, language), navigation and the page. */
export function AppLayout({ session, children }: { session: Session; children: ReactNode }) {
  const { t } = useTranslation();
  const [opened, { toggle, close }] = useDisclosure(false);
  const pathname = usePathname();
  const current = parseInboxPath(pathname).view;
  const help = useShortcutHelp();
  const canSupervise = ["owner", "admin", "supervisor"].includes(session.role);

  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 210, breakpoint: "sm", collapsed: { mobile: !opened } }}
      padding={0}
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label={t("app.toggleNavigation")} />
            <Title order={3}>{t("app.title")}</Title>
            <Text c="dimmed" size="sm" visibleFrom="md">
              {session.workspace.name}
            </Text>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <GlobalSearch />
            {session.role !== "analyst" && <PresenceMenu />}
            <RealtimeBadge />
            <Tooltip label={`${t("app.shortcuts")} (?)`}>
              <ActionIcon variant="default" size="lg" aria-label={t("app.shortcuts")} onClick={help.open}>
                <IconKeyboard size={18} />
              </ActionIcon>
            </Tooltip>
            <LanguageSelect />
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label={t("app.mainNavigation")}>
        <AppShell.Section grow component={ScrollArea}>
          <NavLink label={t("nav.inbox")} leftSection={<IconInbox size={18} />} defaultOpened childrenOffset={28}>
            {inboxViews.map((view) => (
              <NavLink
                key={view}
                component="a"
                href={inboxPath(view)}
                onClick={(event) => {
                  linkHandler(inboxPath(view))(event);
                  close();
                }}
                label={t(`views.${view}`)}
                active={pathname.startsWith("/inbox") && current === view}
                aria-current={pathname.startsWith("/inbox") && current === view ? "page" : undefined}
              />
            ))}
          </NavLink>
          {canSupervise &&
            supervisorLinks.map(({ path, label, Icon }) => (
              <NavLink
                key={path}
                component="a"
                href={path}
                onClick={(event) => {
                  linkHandler(path)(event);
                  close();
                }}
                label={t(label)}
                leftSection={<Icon size={18} />}
                active={pathname.startsWith(`/${path.split("/")[1]}`)}
                aria-current={pathname.startsWith(`/${path.split("/")[1]}`) ? "page" : undefined}
              />
            ))}
        </AppShell.Section>
        <AppShell.Section pt="xs" style={{ borderTop: "1px solid var(--app-shell-border-color)" }}>
          <UserSection session={session} />
        </AppShell.Section>
      </AppShell.Navbar>
      <AppShell.Main>{children}</AppShell.Main>
    </AppShell>
  );
}

import { Box, Group, NavLink, ScrollArea, Stack, Title } from "@mantine/core";
import {
  IconAlertTriangle,
  IconBolt,
  IconBuilding,
  IconClockHour4,
  IconKey,
  IconPlugConnected,
  IconUsers,
  IconUsersGroup,
} from "@tabler/icons-react";
import { type ComponentType, useEffect } from "react";
import { useTranslation } from "react-i18next";
import type { Session } from "../api.ts";
import { linkHandler, navigate, usePathname } from "../router.ts";
import { AutomationSettings } from "./automation-settings.tsx";
import { ChannelsSettings } from "./channels-settings.tsx";
import { DeadLettersSettings } from "./dead-letters-settings.tsx";
import { MembersSettings } from "./members-settings.tsx";
import { SlaSettings } from "./sla-settings.tsx";
import { TeamsSettings } from "./teams-settings.tsx";
import { TokensSettings } from "./tokens-settings.tsx";
import { WorkspaceSettings } from "./workspace-settings.tsx";

export const settingsSections = [
  "workspace",
  "members",
  "teams",
  "sla",
  "channels",
  "tokens",
  "automation",
  "dead-letters",
] as const;
type SettingsSection = (typeof settingsSections)[number];

const icons: Record<SettingsSection, ComponentType<{ size?: number }>> = {
  workspace: IconBuilding,
  members: IconUsers,
  teams: IconUsersGroup,
  sla: IconClockHour4,
  channels: IconPlugConnected,
  tokens: IconKey,
  automation: IconBolt,
  "dead-letters": IconAlertTriangle,
};

/** Sections whose API only admins and owners may read; supervisors do not see them. */
const adminOnly: readonly SettingsSection[] = ["tokens", "dead-letters"];

function sectionOf(pathname: string): SettingsSection | undefined {
  const name = pathname.split("/")[2];
  return settingsSections.find((section) => section === name);
}

/** Admin settings: one form per section, at `/settings/<section>`. */
export default function SettingsPage({ session }: { session: Session }) {
  const { t } = useTranslation();
  const pathname = usePathname();
  const isAdmin = session.role === "owner" || session.role === "admin";
  const visible = settingsSections.filter((name) => isAdmin || !adminOnly.includes(name));
  const section = visible.find((name) => name === sectionOf(pathname));
  useEffect(() => {
    if (!section) navigate("/settings/workspace", { replace: true });
  }, [section]);

  const body = (() => {
    switch (section) {
      case "members":
        return <MembersSettings session={session} />;
      case "teams":
        return <TeamsSettings />;
      case "sla":
        return <SlaSettings />;
      case "channels":
        return <ChannelsSettings />;
      case "tokens":
        return <TokensSettings />;
      case "automation":
        return <AutomationSettings />;
      case "dead-letters":
        return <DeadLettersSettings />;
      default:
        return <WorkspaceSettings />;
    }
  })();

  return (
    <Group h="calc(100dvh - var(--app-shell-header-height, 56px))" gap={0} wrap="nowrap" align="stretch">
      <Stack
        component="nav"
        aria-label={t("settings.title")}
        gap={0}
        w={220}
        p="xs"
        style={{ flexShrink: 0, borderRight: "1px solid var(--mantine-color-default-border)" }}
      >
        <Title order={1} size="h4" px="sm" py="xs">
          {t("settings.title")}
        </Title>
        {visible.map((name) => {
          const Icon = icons[name];
          const path = `/settings/${name}`;
          return (
            <NavLink
              key={name}
              component="a"
              href={path}
              onClick={linkHandler(path)}
              label={t(`settings.sections.${name}`)}
              leftSection={<Icon size={16} />}
              active={section === name}
              aria-current={section === name ? "page" : undefined}
            />
          );
        })}
      </Stack>
      <ScrollArea style={{ flex: 1 }} type="auto">
        <Box p="lg">{body}</Box>
      </ScrollArea>
    </Group>
  );
}

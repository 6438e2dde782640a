import { Box, Group, Loader, NavLink, ScrollArea, Stack, Title } from "@mantine/core";
import {
  IconAlertTriangle,
  IconBolt,
  IconBook,
  IconBrandWechat,
  IconBuilding,
  IconCalendarTime,
  IconClockHour4,
  IconHistory,
  IconKey,
  IconListCheck,
  IconMessageBolt,
  IconPlugConnected,
  IconRobot,
  IconSparkles,
  IconTags,
  IconUsers,
  IconUsersGroup,
  IconZoomExclamation,
} from "@tabler/icons-react";
import { type ComponentType, lazy, Suspense, useEffect } from "react";
import { useTranslation } from "react-i18next";
import type { Session } from "../api.ts";
import { linkHandler, navigate, usePathname } from "../router.ts";
import { WechatSettings } from "../wechat/wechat-page.tsx";
import { AuditLogSettings } from "./audit-log-settings.tsx";
import { AutomationSettings } from "./automation-settings.tsx";
import { BusinessHoursSettings } from "./business-hours-settings.tsx";
import { CaseStatusesSettings } from "./case-statuses-settings.tsx";
import { ChannelsSettings } from "./channels-settings.tsx";
import { DeadLettersSettings } from "./dead-letters-settings.tsx";
import { MacrosSettings } from "./macros-settings.tsx";
import { MembersSettings } from "./members-settings.tsx";
import { QuickRepliesSettings } from "./quick-replies-settings.tsx";
import { SkillsSettings } from "./skills-settings.tsx";
import { SlaSettings } from "./sla-settings.tsx";
import { TeamsSettings } from "./teams-settings.tsx";
import { TokensSettings } from "./tokens-settings.tsx";
import { WorkspaceSettings } from "./workspace-settings.tsx";

// The knowledge-base, bot and AI screens (issue 8) are chunks of their own, fetched when opened.
const KnowledgeAdminSettings = lazy(() => import("./knowledge-settings.tsx"));
const BotAdminSettings = lazy(() => import("./bot-settings.tsx"));
const AiAdminSettings = lazy(() => import("./ai-settings.tsx"));

export const settingsSections = [
  "workspace",
  "business-hours",
  "members",
  "teams",
  "skills",
  "sla",
  "case-statuses",
  "quick-replies",
  "macros",
  "channels",
  "wechat",
  "tokens",
  "automation",
  "knowledge",
  "bot",
  "ai",
  "audit-log",
  "dead-letters",
] as const;
type SettingsSection = (typeof settingsSections)[number];
/** Sections added with the admin screens of issue 7; their labels live in the `admin` namespace. */
const adminSections = ["business-hours", "skills", "case-statuses", "quick-replies", "macros", "audit-log"] as const;
type AdminSection = (typeof adminSections)[number];
const isAdminSection = (name: SettingsSection): name is AdminSection =>
  (adminSections as readonly string[]).includes(name);
/** Sections of issue 8, each labelled by its own namespace. */
const automationAdminLabels = {
  knowledge: "knowledgeAdmin.section",
  bot: "botAdmin.section",
  ai: "aiAdmin.section",
} as const;
const isAutomationAdminSection = (name: SettingsSection): name is keyof typeof automationAdminLabels =>
  name in automationAdminLabels;

const icons: Record<SettingsSection, ComponentType<{ size?: number }>> = {
  workspace: IconBuilding,
  "business-hours": IconCalendarTime,
  members: IconUsers,
  teams: IconUsersGroup,
  skills: IconSparkles,
  sla: IconClockHour4,
  "case-statuses": IconTags,
  "quick-replies": IconMessageBolt,
  macros: IconListCheck,
  "audit-log": IconHistory,
  channels: IconPlugConnected,
  wechat: IconBrandWechat,
  tokens: IconKey,
  automation: IconBolt,
  knowledge: IconBook,
  bot: IconRobot,
  ai: IconZoomExclamation,
  "dead-letters": IconAlertTriangle,
};

/** Sections whose API only admins and owners may read; supervisors do not see them. */
const adminOnly: readonly SettingsSection[] = ["tokens", "audit-log", "dead-letters"];

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
      case "business-hours":
        return <BusinessHoursSettings />;
      case "skills":
        return <SkillsSettings />;
      case "case-statuses":
        return <CaseStatusesSettings />;
      case "quick-replies":
        return <QuickRepliesSettings />;
      case "macros":
        return <MacrosSettings />;
      case "audit-log":
        return <AuditLogSettings />;
      case "members":
        return <MembersSettings session={session} />;
      case "teams":
        return <TeamsSettings />;
      case "sla":
        return <SlaSettings />;
      case "channels":
        return <ChannelsSettings />;
      case "wechat":
        return <WechatSettings />;
      case "tokens":
        return <TokensSettings />;
      case "automation":
        return <AutomationSettings />;
      case "dead-letters":
        return <DeadLettersSettings />;
      case "knowledge":
        return <KnowledgeAdminSettings workspaceSlug={session.workspace.slug} />;
      case "bot":
        return <BotAdminSettings />;
      case "ai":
        return <AiAdminSettings />;
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
              label={
                name === "wechat"
                  ? t("wechat.section")
                  : isAdminSection(name)
                    ? t(`admin.sections.${name}`)
                    : isAutomationAdminSection(name)
                      ? t(automationAdminLabels[name])
                      : t(`settings.sections.${name}`)
              }
              leftSection={<Icon size={16} />}
              active={section === name}
              aria-current={section === name ? "page" : undefined}
            />
          );
        })}
      </Stack>
      <ScrollArea style={{ flex: 1 }} type="auto">
        <Box p="lg">
          <Suspense fallback={<Loader size="sm" aria-label={t("app.loading")} />}>{body}</Suspense>
        </Box>
      </ScrollArea>
    </Group>
  );
}

import { Badge, NavLink, Text } from "@mantine/core";
import { IconInbox } from "@tabler/icons-react";
import { useTranslation } from "react-i18next";
import { useLanguage } from "../format.ts";
import { linkHandler } from "../router.ts";
import { useAfterFirstList, useInboxViews, useViewCounts } from "./use-inbox-views.ts";
import { type InboxViewDef, inboxPath } from "./views.ts";

function ViewLink({
  view,
  count,
  active,
  onNavigate,
}: {
  view: InboxViewDef;
  count: number | undefined;
  active: boolean;
  onNavigate: () => void;
}) {
  const { t } = useTranslation();
  const language = useLanguage();
  const path = inboxPath(view.key);
  return (
    <NavLink
      component="a"
      href={path}
      onClick={(event) => {
        linkHandler(path)(event);
        onNavigate();
      }}
      label={view.named ? view.label : t(view.label as "views.mine")}
      rightSection={
        count === undefined ? null : (
          <Badge
            size="sm"
            variant={active ? "filled" : "light"}
            color="gray"
            data-testid="view-count"
            data-view={view.key}
          >
            {count.toLocaleString(language)}
          </Badge>
        )
      }
      active={active}
      aria-current={active ? "page" : undefined}
      data-view={view.key}
    />
  );
}

function Heading({ children }: { children: string }) {
  return (
    <Text size="xs" c="dimmed" fw={600} tt="uppercase" px="sm" pt="sm" pb={4}>
      {children}
    </Text>
  );
}

/** The inbox's views in the navigation, each with its live count; channels and saved views below. */
export function InboxNav({ current, onNavigate }: { current: string | undefined; onNavigate: () => void }) {
  const { t } = useTranslation();
  const { views } = useInboxViews();
  const counts = useViewCounts(views, useAfterFirstList());
  const link = (view: InboxViewDef) => (
    <ViewLink
      key={view.key}
      view={view}
      count={counts?.[view.key]}
      active={current === view.key}
      onNavigate={onNavigate}
    />
  );
  const channels = views.filter((view) => view.kind === "channel");
  const saved = views.filter((view) => view.kind === "saved");
  return (
    <NavLink label={t("nav.inbox")} leftSection={<IconInbox size={18} />} defaultOpened childrenOffset={28}>
      {views.filter((view) => view.kind === "builtin").map(link)}
      {channels.length > 0 && <Heading>{t("inboxViews.channels")}</Heading>}
      {channels.map(link)}
      {saved.length > 0 && <Heading>{t("inboxViews.savedViews")}</Heading>}
      {saved.map(link)}
    </NavLink>
  );
}

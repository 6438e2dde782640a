import { Button, ColorSwatch, Menu, Text, Tooltip, VisuallyHidden } from "@mantine/core";
import { IconBell, IconCheck, IconChevronDown, IconVolume } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type KeyboardEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { requestJson } from "../api.ts";
import { describeError } from "../error-message.ts";
import {
  desktopPermission,
  setDesktopNotifications,
  setSoundNotifications,
  useNotificationSettings,
} from "../notifications.ts";

export const presences = ["online", "away", "offline"] as const;
export type Presence = (typeof presences)[number];

const presenceColors: Record<Presence, string> = {
  online: "var(--mantine-color-teal-6)",
  away: "var(--mantine-color-yellow-6)",
  offline: "var(--mantine-color-gray-5)",
};

type PresenceState = { status: Presence; changedAt: string | null };
const presenceKey = ["presence"] as const;

/** The mark of the chosen item, read as "on" by screen readers (Mantine menu items cannot be menuitemradio). */
function Checked() {
  const { t } = useTranslation();
  return (
    <>
      <IconCheck size={14} aria-hidden />
      <VisuallyHidden>{t("c360.on")}</VisuallyHidden>
    </>
  );
}

/**
 * The header's presence switcher (online / away / offline, saved through `PUT /api/v1/presence`, shown at once and
 * put back if refused) and the notification settings for new assignments (desktop, sound).
 */
export function PresenceMenu() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const settings = useNotificationSettings();
  const [blocked, setBlocked] = useState(false);
  const [opened, setOpened] = useState(false);
  const query = useQuery({
    queryKey: presenceKey,
    queryFn: () => requestJson<PresenceState>("GET", "/api/v1/presence"),
  });
  const change = useMutation({
    mutationFn: (status: Presence) => requestJson<{ status: Presence }>("PUT", "/api/v1/presence", { status }),
    onMutate: async (status) => {
      await queryClient.cancelQueries({ queryKey: presenceKey });
      const previous = queryClient.getQueryData<PresenceState>(presenceKey);
      queryClient.setQueryData<PresenceState>(presenceKey, { status, changedAt: new Date().toISOString() });
      return { previous };
    },
    onError: (_error, _status, context) => {
      if (context?.previous) queryClient.setQueryData(presenceKey, context.previous);
    },
    onSettled: () => void queryClient.invalidateQueries({ queryKey: ["wallboard"] }),
  });
  const current = query.data?.status;
  // Esc in the menu closes the menu only: it must not also reach the inbox's Esc shortcut (which closes the
  // open case). Mantine has closed the menu (and re-rendered) by the time the event bubbles here, so no state check.
  const keepEscape = (event: KeyboardEvent) => {
    if (event.key === "Escape") event.stopPropagation();
  };

  return (
    <Menu position="bottom-end" shadow="md" width={240} closeOnItemClick={false} opened={opened} onChange={setOpened}>
      <Tooltip label={change.isError ? describeError(change.error, t) : ""} color="red" opened={change.isError}>
        <Menu.Target>
          <Button
            variant="default"
            size="xs"
            data-testid="presence-switcher"
            data-presence={current ?? "unknown"}
            aria-label={t("c360.presenceLabel", {
              status: current ? t(`c360.presence.${current}`) : t("app.loading"),
            })}
            leftSection={<ColorSwatch color={current ? presenceColors[current] : "transparent"} size={10} />}
            rightSection={<IconChevronDown size={14} />}
            onClick={() => change.isError && change.reset()}
          >
            <Text size="xs" visibleFrom="sm">
              {current ? t(`c360.presence.${current}`) : "…"}
            </Text>
          </Button>
        </Menu.Target>
      </Tooltip>
      <Menu.Dropdown onKeyDown={keepEscape}>
        <Menu.Label>{t("c360.presenceTitle")}</Menu.Label>
        <Text size="xs" c="dimmed" px="sm" pb={4}>
          {t("c360.presenceTooltip")}
        </Text>
        {presences.map((status) => (
          <Menu.Item
            key={status}
            data-checked={current === status}
            leftSection={<ColorSwatch color={presenceColors[status]} size={10} />}
            rightSection={current === status ? <Checked /> : null}
            onClick={() => {
              if (status !== current) change.mutate(status);
            }}
          >
            {t(`c360.presence.${status}`)}
          </Menu.Item>
        ))}
        <Menu.Divider />
        <Menu.Label>{t("c360.notifications")}</Menu.Label>
        <Menu.Item
          data-checked={settings.desktop}
          leftSection={<IconBell size={14} />}
          rightSection={settings.desktop ? <Checked /> : null}
          disabled={desktopPermission() === "unsupported"}
          data-testid="notify-desktop"
          onClick={() => {
            void setDesktopNotifications(!settings.desktop).then((permission) =>
              setBlocked(!settings.desktop && permission === "denied"),
            );
          }}
        >
          {t("c360.desktopNotifications")}
        </Menu.Item>
        {blocked && (
          <Text size="xs" c="red" px="sm" role="alert">
            {t("c360.notificationsBlocked")}
          </Text>
        )}
        <Menu.Item
          data-checked={settings.sound}
          leftSection={<IconVolume size={14} />}
          rightSection={settings.sound ? <Checked /> : null}
          data-testid="notify-sound"
          onClick={() => setSoundNotifications(!settings.sound)}
        >
          {t("c360.sound")}
        </Menu.Item>
      </Menu.Dropdown>
    </Menu>
  );
}

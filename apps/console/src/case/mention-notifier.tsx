import { Notification, Portal } from "@mantine/core";
import { IconAt } from "@tabler/icons-react";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import type { Session } from "../api.ts";
import { memberName, useMembers } from "../directory.ts";
import { inboxPath } from "../inbox/views.ts";
import { navigate } from "../router.ts";
import { fetchMentions, type Mention } from "./workspace-api.ts";

/** The window event realtime.tsx fires for each `mention.created` (payload: mentionId, userId, caseId, messageId). */
export const MENTION_EVENT = "rapport:mention";

/** Tells the signed-in member live when a teammate @mentions them: a toast (and a desktop notification if allowed). */
export function MentionNotifier({ session }: { session: Session }) {
  const { t } = useTranslation();
  const members = useMembers();
  const [mention, setMention] = useState<Mention | null>(null);

  useEffect(() => {
    const onMention = (event: Event) => {
      const detail = (event as CustomEvent<{ userId?: unknown; mentionId?: unknown }>).detail;
      if (detail?.userId !== session.user.id) return;
      void fetchMentions().then((page) => {
        const found = page.data.find((m) => m.id === detail.mentionId) ?? page.data[0];
        if (!found) return;
        setMention(found);
      });
    };
    window.addEventListener(MENTION_EVENT, onMention);
    return () => window.removeEventListener(MENTION_EVENT, onMention);
  }, [session.user.id]);

  const title = mention
    ? t("workspace.mentions.notification", {
        name: memberName(mention.author.id, members, session) ?? t("workspace.mentions.someone"),
        number: mention.case.number,
      })
    : "";

  useEffect(() => {
    if (!mention) return;
    if ("Notification" in window && window.Notification.permission === "granted" && document.hidden) {
      new window.Notification(title, { body: mention.text.slice(0, 140), tag: mention.id });
    }
    const timer = window.setTimeout(() => setMention(null), 10_000);
    return () => window.clearTimeout(timer);
  }, [mention, title]);

  if (!mention) return null;
  return (
    <Portal>
      <Notification
        icon={<IconAt size={18} />}
        title={title}
        onClose={() => setMention(null)}
        onClick={() => {
          navigate(inboxPath("mentions", mention.caseId));
          setMention(null);
        }}
        style={{ position: "fixed", right: 16, bottom: 16, zIndex: 400, maxWidth: 360, cursor: "pointer" }}
        role="status"
        data-testid="mention-toast"
      >
        {mention.text.slice(0, 200)}
      </Notification>
    </Portal>
  );
}

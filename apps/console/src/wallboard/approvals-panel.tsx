// Replies waiting for a supervisor's approval, across the workspace: approve, or reject with a reason, without
// opening each case. The case view shows the same buttons on the reply itself.
import { Group, Paper, Stack, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { type Member, type Message, requestJson, type Session } from "../api.ts";
import { ApprovalControls, approvalsQueryKey } from "../case/approval-controls.tsx";
import { memberName } from "../directory.ts";
import { describeError } from "../error-message.ts";
import { formatRelative, useLanguage } from "../format.ts";
import { inboxPath } from "../inbox/views.ts";
import { linkHandler } from "../router.ts";

type PendingReply = Message & { case: { id: string; number: number; subject: string } };

function fetchPendingReplies(): Promise<{ data: PendingReply[] }> {
  return requestJson("GET", "/api/v1/approvals?limit=50");
}

function PendingRow({
  reply,
  members,
  session,
  now,
}: {
  reply: PendingReply;
  members: Member[];
  session: Session;
  now: number;
}) {
  const { t } = useTranslation();
  const language = useLanguage();
  const path = inboxPath("open", reply.case.id);
  const author = memberName(reply.authorId, members, session) ?? t("wallboard.approvals.unknownAuthor");
  return (
    <Paper withBorder p="sm" radius="sm" data-testid="pending-approval">
      <Group justify="space-between" wrap="nowrap" gap="xs">
        <Text size="sm" truncate>
          <a href={path} onClick={linkHandler(path)}>
            #{reply.case.number}
          </a>{" "}
          {reply.case.subject || t("inbox.noSubject")}
        </Text>
        <Text size="xs" c="dimmed" style={{ whiteSpace: "nowrap" }}>
          {author} · {formatRelative(reply.createdAt, now, language)}
        </Text>
      </Group>
      <Text size="sm" mt={4} style={{ whiteSpace: "pre-wrap", overflowWrap: "anywhere" }}>
        {reply.text}
      </Text>
      <ApprovalControls messageId={reply.id} caseId={reply.caseId} />
    </Paper>
  );
}

/** The wallboard's list of replies awaiting approval (newest 50), refreshed with the board. */
export function ApprovalsPanel({
  members,
  session,
  now,
  refreshMs,
}: {
  members: Member[];
  session: Session;
  now: number;
  refreshMs: number;
}) {
  const { t } = useTranslation();
  const pending = useQuery({ queryKey: approvalsQueryKey, queryFn: fetchPendingReplies, refetchInterval: refreshMs });
  if (pending.isPending) return <Text size="sm">{t("wallboard.approvals.loading")}</Text>;
  if (pending.isError) {
    return (
      <Text size="sm" c="red" role="alert">
        {describeError(pending.error, t)}
      </Text>
    );
  }
  const replies = pending.data.data;
  if (replies.length === 0) {
    return (
      <Text size="sm" c="dimmed">
        {t("wallboard.approvals.empty")}
      </Text>
    );
  }
  return (
    <Stack gap="xs" data-testid="approvals">
      {replies.map((reply) => (
        <PendingRow key={reply.id} reply={reply} members={members} session={session} now={now} />
      ))}
    </Stack>
  );
}

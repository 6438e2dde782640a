// Replies waiting for a supervisor's approval, across the workspace: approve, or reject with a reason, without
// opening each case. The case view shows the same buttons on the reply itself.
import { Button, Group, Paper, Stack, Text, TextInput } from "@mantine/core";
import { IconCheck, IconX } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { caseKeys, type Member, type Message, requestJson, type Session } from "../api.ts";
import { approveReply, rejectReply } from "../case/workspace-api.ts";
import { memberName } from "../directory.ts";
import { describeError } from "../error-message.ts";
import { formatRelative, useLanguage } from "../format.ts";
import { inboxPath } from "../inbox/views.ts";
import { linkHandler } from "../router.ts";

type PendingReply = Message & { case: { id: string; number: number; subject: string } };

export const approvalsQueryKey = ["approvals"] as const;

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
  const queryClient = useQueryClient();
  const [rejecting, setRejecting] = useState(false);
  const [reason, setReason] = useState("");
  const done = () => {
    void queryClient.invalidateQueries({ queryKey: approvalsQueryKey });
    void queryClient.invalidateQueries({ queryKey: caseKeys.messages(reply.caseId) });
  };
  const approve = useMutation({ mutationFn: () => approveReply(reply.id), onSuccess: done });
  const reject = useMutation({ mutationFn: () => rejectReply(reply.id, reason.trim()), onSuccess: done });
  const error = approve.error ?? reject.error;
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
      {rejecting ? (
        <Group gap={4} mt="xs" wrap="nowrap">
          <TextInput
            size="xs"
            aria-label={t("wallboard.approvals.reason")}
            placeholder={t("wallboard.approvals.reason")}
            value={reason}
            onChange={(event) => setReason(event.currentTarget.value)}
            style={{ flex: 1 }}
          />
          <Button
            size="compact-sm"
            color="red"
            disabled={!reason.trim()}
            loading={reject.isPending}
            onClick={() => reject.mutate()}
          >
            {t("wallboard.approvals.reject")}
          </Button>
          <Button size="compact-sm" variant="subtle" onClick={() => setRejecting(false)}>
            {t("wallboard.approvals.cancel")}
          </Button>
        </Group>
      ) : (
        <Group gap={4} mt="xs" justify="flex-end">
          <Button
            size="compact-sm"
            color="green"
            leftSection={<IconCheck size={14} />}
            loading={approve.isPending}
            onClick={() => approve.mutate()}
          >
            {t("wallboard.approvals.approve")}
          </Button>
          <Button
            size="compact-sm"
            variant="light"
            color="red"
            leftSection={<IconX size={14} />}
            onClick={() => setRejecting(true)}
          >
            {t("wallboard.approvals.reject")}
          </Button>
        </Group>
      )}
      {error && (
        <Text size="xs" c="red" role="alert" mt={4}>
          {describeError(error, t)}
        </Text>
      )}
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

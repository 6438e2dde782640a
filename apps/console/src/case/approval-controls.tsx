// Approve, or reject with a reason, a reply waiting for a supervisor: on the reply in the thread and in the
// wallboard's list of pending replies.
import { Button, Group, Stack, Text, TextInput } from "@mantine/core";
import { IconCheck, IconX } from "@tabler/icons-react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { caseKeys } from "../api.ts";
import { describeError } from "../error-message.ts";
import { approveReply, rejectReply } from "./workspace-api.ts";

/** The query key of the workspace's pending replies (the wallboard's list). */
export const approvalsQueryKey = ["approvals"] as const;

export function ApprovalControls({ messageId, caseId }: { messageId: string; caseId: string }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [rejecting, setRejecting] = useState(false);
  const [reason, setReason] = useState("");
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: caseKeys.messages(caseId) });
    void queryClient.invalidateQueries({ queryKey: caseKeys.events(caseId) });
    void queryClient.invalidateQueries({ queryKey: approvalsQueryKey });
  };
  const approve = useMutation({ mutationFn: () => approveReply(messageId), onSuccess: refresh });
  const reject = useMutation({
    mutationFn: () => rejectReply(messageId, reason.trim()),
    onSuccess: () => {
      setRejecting(false);
      refresh();
    },
  });
  const error = approve.error ?? reject.error;
  return (
    <Stack gap={4} mt={6} data-testid="approval-actions">
      {rejecting ? (
        <Group gap={4} wrap="nowrap">
          <TextInput
            size="xs"
            aria-label={t("workspace.approval.reason")}
            placeholder={t("workspace.approval.reason")}
            value={reason}
            onChange={(event) => setReason(event.currentTarget.value)}
            style={{ flex: 1 }}
          />
          <Button
            size="compact-xs"
            color="red"
            disabled={!reason.trim()}
            loading={reject.isPending}
            onClick={() => reject.mutate()}
          >
            {t("workspace.approval.reject")}
          </Button>
          <Button size="compact-xs" variant="subtle" onClick={() => setRejecting(false)}>
            {t("wallboard.approvals.cancel")}
          </Button>
        </Group>
      ) : (
        <Group gap={4} justify="flex-end">
          <Button
            size="compact-xs"
            color="green"
            leftSection={<IconCheck size={12} />}
            loading={approve.isPending}
            onClick={() => approve.mutate()}
          >
            {t("workspace.approval.approve")}
          </Button>
          <Button
            size="compact-xs"
            variant="light"
            color="red"
            leftSection={<IconX size={12} />}
            onClick={() => setRejecting(true)}
          >
            {t("workspace.approval.reject")}
          </Button>
        </Group>
      )}
      {error && (
        <Text size="xs" c="red" role="alert">
          {describeError(error, t)}
        </Text>
      )}
    </Stack>
  );
}

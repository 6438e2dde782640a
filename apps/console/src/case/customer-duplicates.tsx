import { Alert, Badge, Button, Group, Modal, Paper, Stack, Text, TextInput, Title } from "@mantine/core";
import { IconArrowBackUp, IconGitMerge } from "@tabler/icons-react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { caseKeys } from "../api.ts";
import { describeError } from "../error-message.ts";
import { formatDateTime, useLanguage } from "../format.ts";
import {
  activeMerges,
  contact360Keys,
  type Decision,
  type Duplicate,
  type DuplicateReason,
  dismissDuplicate,
  mergeContact,
  type Profile360,
  unmergeContact,
  useDecisions,
  useDuplicates,
} from "./customer-api.ts";

/** After a merge or unmerge every contact and case may show other data: refetch them. */
function useRefreshAfterLink() {
  const queryClient = useQueryClient();
  return () => {
    void queryClient.invalidateQueries({ queryKey: ["contacts"] });
    void queryClient.invalidateQueries({ queryKey: caseKeys.all });
  };
}

function ReasonText({ reason }: { reason: DuplicateReason }) {
  const { t } = useTranslation();
  const label = t(`c360.reasons.${reason.code}`);
  return (
    <Badge size="xs" variant="outline" color="gray" style={{ textTransform: "none" }}>
      {"value" in reason ? `${label}: ${reason.value}` : `${label} (${reason.distance})`}
    </Badge>
  );
}

type Pending = { kind: "merge"; duplicate: Duplicate } | { kind: "unmerge"; decision: Decision };

/**
 * Duplicate suggestions with merge (after a confirmation, with a reason) and "not the same person"; the merges
 * in force with unmerge. A merge just made shows an Undo that unmerges it.
 */
export function CustomerDuplicates({ contact, canMerge }: { contact: Profile360; canMerge: boolean }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const duplicates = useDuplicates(contact.id);
  const decisions = useDecisions(contact.id);
  const refresh = useRefreshAfterLink();
  const queryClient = useQueryClient();
  const [pending, setPending] = useState<Pending | null>(null);
  const [reason, setReason] = useState("");
  const [lastMerge, setLastMerge] = useState<{ decision: Decision; name: string } | null>(null);
  const name = contact.displayName ?? t("inbox.unknownContact");

  const merge = useMutation({
    mutationFn: (input: { duplicate: Duplicate; reason: string }) =>
      mergeContact(contact.id, input.duplicate.contact.id, input.reason),
    onSuccess: (result, input) => {
      // The merged profile is no longer a suggestion: gone at once, before the refetch confirms it.
      queryClient.setQueryData<{ data: Duplicate[] }>(contact360Keys.duplicates(contact.id), (previous) =>
        previous ? { data: previous.data.filter((d) => d.contact.id !== input.duplicate.contact.id) } : previous,
      );
      setLastMerge({
        decision: result.decision,
        name: input.duplicate.contact.displayName ?? t("inbox.unknownContact"),
      });
      setPending(null);
      refresh();
    },
  });
  const unmerge = useMutation({
    mutationFn: (decision: Decision) => unmergeContact(contact.id, decision.id, t("c360.unmergeReason")),
    onSuccess: (_result, decision) => {
      if (lastMerge?.decision.id === decision.id) setLastMerge(null);
      setPending(null);
      refresh();
    },
  });
  const dismiss = useMutation({
    mutationFn: (otherId: string) => dismissDuplicate(contact.id, otherId),
    onSuccess: () => void duplicates.refetch(),
  });

  const suggestions = duplicates.data ?? [];
  const merges = activeMerges(decisions.data ?? []);
  if (suggestions.length === 0 && merges.length === 0 && !lastMerge && !duplicates.isError) return null;
  // Errors of the dialog's action show in the dialog.
  const failure = pending ? null : (merge.error ?? unmerge.error ?? dismiss.error);

  return (
    <Stack gap={6} data-testid="customer-duplicates">
      <Title order={6}>{t("c360.duplicates")}</Title>
      {lastMerge && (
        <Alert color="teal" p="xs" data-testid="merge-done">
          <Text size="sm">{t("c360.mergedNotice", { name: lastMerge.name })}</Text>
          <Button
            mt={6}
            size="compact-xs"
            variant="white"
            leftSection={<IconArrowBackUp size={12} />}
            loading={unmerge.isPending}
            onClick={() => unmerge.mutate(lastMerge.decision)}
          >
            {t("c360.undo")}
          </Button>
        </Alert>
      )}
      {(duplicates.isError || failure) && (
        <Text size="xs" c="red" role="alert">
          {describeError(failure ?? duplicates.error, t)}
        </Text>
      )}
      {suggestions.map((duplicate) => (
        <Paper key={duplicate.contact.id} withBorder p={6} radius="sm" data-testid="duplicate">
          <Group justify="space-between" wrap="nowrap" gap="xs">
            <Stack gap={0} style={{ minWidth: 0 }}>
              <Text size="sm" fw={500} truncate>
                {duplicate.contact.displayName ?? t("inbox.unknownContact")}
              </Text>
              {duplicate.contact.company && (
                <Text size="xs" c="dimmed" truncate>
                  {duplicate.contact.company}
                </Text>
              )}
            </Stack>
            <Badge size="xs" color={duplicate.level === "certain" ? "red" : "orange"} style={{ flexShrink: 0 }}>
              {t(`c360.level.${duplicate.level}`)} · {Math.round(duplicate.score * 100)}%
            </Badge>
          </Group>
          <Group gap={4} mt={4}>
            {duplicate.reasons.map((r) => (
              <ReasonText key={`${r.code}-${"value" in r ? r.value : r.distance}`} reason={r} />
            ))}
          </Group>
          {canMerge && (
            <Group gap="xs" mt={6}>
              <Button
                size="compact-xs"
                leftSection={<IconGitMerge size={12} />}
                onClick={() => {
                  merge.reset();
                  setReason(t("c360.mergeDefaultReason"));
                  setPending({ kind: "merge", duplicate });
                }}
              >
                {t("c360.merge")}
              </Button>
              <Button
                size="compact-xs"
                variant="default"
                loading={dismiss.isPending && dismiss.variables === duplicate.contact.id}
                onClick={() => dismiss.mutate(duplicate.contact.id)}
              >
                {t("c360.notSamePerson")}
              </Button>
            </Group>
          )}
        </Paper>
      ))}
      {merges.length > 0 && (
        <Stack gap={4} data-testid="merges">
          <Text size="xs" fw={600} c="dimmed">
            {t("c360.mergedProfiles")}
          </Text>
          {merges.map((decision) => (
            <Group key={decision.id} justify="space-between" wrap="nowrap" gap="xs" data-testid="merge-decision">
              <Text size="xs" style={{ minWidth: 0, flex: 1 }} lineClamp={2}>
                {formatDateTime(decision.createdAt, language)}
                {decision.reason ? ` · ${decision.reason}` : ` · ${decision.basis}`}
              </Text>
              {canMerge && (
                <Button
                  size="compact-xs"
                  variant="default"
                  style={{ flexShrink: 0 }}
                  onClick={() => {
                    unmerge.reset();
                    setPending({ kind: "unmerge", decision });
                  }}
                >
                  {t("c360.unmerge")}
                </Button>
              )}
            </Group>
          ))}
        </Stack>
      )}
      <Modal
        opened={pending !== null}
        onClose={() => setPending(null)}
        title={pending?.kind === "unmerge" ? t("c360.unmergeTitle") : t("c360.mergeTitle")}
        size="sm"
      >
        {pending?.kind === "merge" && (
          <form
            onSubmit={(event) => {
              event.preventDefault();
              merge.mutate({ duplicate: pending.duplicate, reason: reason.trim() });
            }}
          >
            <Stack gap="sm">
              <Text size="sm">
                {t("c360.mergeConfirm", {
                  source: pending.duplicate.contact.displayName ?? t("inbox.unknownContact"),
                  target: name,
                })}
              </Text>
              <TextInput
                label={t("c360.mergeReason")}
                value={reason}
                onChange={(event) => setReason(event.currentTarget.value)}
                required
                maxLength={1000}
              />
              {merge.isError && (
                <Text size="sm" c="red" role="alert">
                  {describeError(merge.error, t)}
                </Text>
              )}
              <Group justify="flex-end">
                <Button variant="default" onClick={() => setPending(null)}>
                  {t("c360.cancel")}
                </Button>
                <Button type="submit" loading={merge.isPending} disabled={!reason.trim()}>
                  {t("c360.confirmMerge")}
                </Button>
              </Group>
            </Stack>
          </form>
        )}
        {pending?.kind === "unmerge" && (
          <Stack gap="sm">
            <Text size="sm">{t("c360.unmergeConfirm")}</Text>
            {unmerge.isError && (
              <Text size="sm" c="red" role="alert">
                {describeError(unmerge.error, t)}
              </Text>
            )}
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setPending(null)}>
                {t("c360.cancel")}
              </Button>
              <Button color="orange" loading={unmerge.isPending} onClick={() => unmerge.mutate(pending.decision)}>
                {t("c360.confirmUnmerge")}
              </Button>
            </Group>
          </Stack>
        )}
      </Modal>
    </Stack>
  );
}

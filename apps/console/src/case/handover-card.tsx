import { Alert, Badge, Button, Group, Paper, Stack, Text } from "@mantine/core";
import { IconRobot, IconUser } from "@tabler/icons-react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { type Case, caseKeys, requestJson } from "../api.ts";
import { describeError } from "../error-message.ts";
import { formatDateTime, formatRelative, useLanguage } from "../format.ts";

/** The last change of control, as the server records it on the case (see docs/bots.md). */
type HandoverRecord = {
  from: "bot" | "agent" | null;
  to: "bot" | "agent";
  reason: string;
  intent: { name: string; score: number } | null;
  slots: Record<string, string>;
  summary: string;
  by: { type: string; id: string | null };
  at: string;
};
type CaseWithControl = Case & { control?: "bot" | "agent" | null; handover?: HandoverRecord | null };

const reasons = [
  "bot_first",
  "customer_asked",
  "low_confidence",
  "validation_failed",
  "order_not_found",
  "intent",
  "flow",
  "rule",
  "agent_replied",
  "handed_back",
  "taken_over",
] as const;
type Reason = (typeof reasons)[number];
const isReason = (reason: string): reason is Reason => (reasons as readonly string[]).includes(reason);

/** Who answers the customer (bot or agent), why the last handover happened, what the bot learnt; hand back or take over. */
export function HandoverCard({ item, now }: { item: Case; now: number }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const queryClient = useQueryClient();
  const { control, handover } = item as CaseWithControl;
  const change = useMutation({
    mutationFn: (to: "bot" | "agent") =>
      requestJson<{ control: string }>(
        "POST",
        `/api/v1/cases/${item.id}/bot/${to === "bot" ? "hand-back" : "take-over"}`,
      ),
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: caseKeys.detail(item.id) });
      void queryClient.invalidateQueries({ queryKey: caseKeys.events(item.id) });
    },
  });
  if (!control) return null;
  const slots = Object.entries(handover?.slots ?? {});
  return (
    <Paper withBorder p="sm" aria-label={t("bots.title")}>
      <Stack gap={6}>
        <Group justify="space-between" wrap="nowrap">
          <Text fw={600} size="sm">
            {t("bots.title")}
          </Text>
          <Badge
            color={control === "bot" ? "grape" : "blue"}
            leftSection={control === "bot" ? <IconRobot size={12} /> : <IconUser size={12} />}
          >
            {t(control === "bot" ? "bots.control.bot" : "bots.control.agent")}
          </Badge>
        </Group>
        {handover && (
          <>
            <Text size="xs" c="dimmed" title={formatDateTime(handover.at, language)}>
              {t("bots.reason")}: {isReason(handover.reason) ? t(`bots.reasons.${handover.reason}`) : handover.reason} ·{" "}
              {formatRelative(handover.at, now, language)}
            </Text>
            {handover.intent && (
              <Text size="xs">
                {t("bots.intent")}: <b>{handover.intent.name}</b> ({Math.round(handover.intent.score * 100)} %)
              </Text>
            )}
            {slots.length > 0 && (
              <Stack gap={0}>
                <Text size="xs" fw={600}>
                  {t("bots.slots")}
                </Text>
                {slots.map(([name, value]) => (
                  <Text key={name} size="xs">
                    {name}: {value}
                  </Text>
                ))}
              </Stack>
            )}
            {handover.summary && (
              <Stack gap={0}>
                <Text size="xs" fw={600}>
                  {t("bots.summary")}
                </Text>
                <Text size="xs" c="dimmed" style={{ whiteSpace: "pre-wrap" }}>
                  {handover.summary}
                </Text>
              </Stack>
            )}
          </>
        )}
        {change.isError && (
          <Alert color="red" title={t("bots.failed")} role="alert" withCloseButton onClose={() => change.reset()}>
            {describeError(change.error, t)}
          </Alert>
        )}
        {item.status !== "closed" && (
          <Button
            size="xs"
            variant="light"
            loading={change.isPending}
            leftSection={control === "bot" ? <IconUser size={14} /> : <IconRobot size={14} />}
            onClick={() => change.mutate(control === "bot" ? "agent" : "bot")}
          >
            {t(control === "bot" ? "bots.takeOver" : "bots.handBack")}
          </Button>
        )}
      </Stack>
    </Paper>
  );
}

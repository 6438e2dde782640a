import { Badge, Tooltip } from "@mantine/core";
import { IconFlag } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { requestJson } from "../api.ts";

/** The part of `GET /api/v1/cases/:id/analysis` the badge reads: each customer message's moderation verdict. */
type CaseAnalysis = { messages?: { messageId: string; moderation?: { flagged: boolean; reasons: string[] } }[] };

export function fetchCaseAnalysis(caseId: string): Promise<CaseAnalysis> {
  return requestJson("GET", `/api/v1/cases/${encodeURIComponent(caseId)}/analysis`);
}

/** A "Flagged" badge on a customer message that moderation flagged (spam, abuse), with the reasons on hover. */
export function ModerationBadge({ caseId, messageId }: { caseId: string; messageId: string }) {
  const { t } = useTranslation();
  // One request per case, shared by all its messages' badges.
  const query = useQuery({
    queryKey: ["cases", caseId, "analysis"],
    queryFn: () => fetchCaseAnalysis(caseId),
    staleTime: 30_000,
  });
  const verdict = query.data?.messages?.find((m) => m.messageId === messageId)?.moderation;
  if (!verdict?.flagged) return null;
  const reasons = verdict.reasons.map((r) => t(`ai.moderation.reasons.${r}`, { defaultValue: r })).join(", ");
  return (
    <Tooltip label={t("ai.moderation.flaggedTooltip", { reasons })}>
      <Badge size="xs" color="red" variant="light" leftSection={<IconFlag size={10} />} data-testid="moderation-badge">
        {t("ai.moderation.flagged")}
      </Badge>
    </Tooltip>
  );
}

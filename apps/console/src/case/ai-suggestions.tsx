import {
  ActionIcon,
  Badge,
  Button,
  Divider,
  Loader,
  Popover,
  ScrollArea,
  Stack,
  Text,
  Tooltip,
  UnstyledButton,
} from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { IconBulb, IconSparkles } from "@tabler/icons-react";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { errorReason, requestJson } from "../api.ts";
import { describeError } from "../error-message.ts";

/** What `GET /api/v1/cases/:id/suggestions` answers for the case's last customer message. */
export type Suggestions = {
  messageId: string | null;
  articles: { id: string; lang: string; title: string; snippet: string; body: string }[];
  replies: { messageId: string; caseId: string; text: string; similarMessage: { highlight: string } }[];
};

export function fetchSuggestions(caseId: string): Promise<Suggestions> {
  return requestJson("GET", `/api/v1/cases/${encodeURIComponent(caseId)}/suggestions?limit=5`);
}

/** A reply drafted by the workspace's external AI provider (`409 ai_provider_not_configured` when it has none). */
export function draftWithAi(caseId: string): Promise<{ draft: string }> {
  return requestJson("POST", "/api/v1/ai/draft", { caseId });
}

/** The server's highlights as plain text (`<mark>` dropped, entities decoded): never rendered as HTML. */
export function plainHighlight(html: string): string {
  return html
    .replace(/<\/?mark>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");
}

/**
 * A bulb button opening the reply suggestions for the case's last customer message: knowledge-base articles
 * and agents' past replies to similar messages; one click hands the text to `onPick` (inserted in the composer).
 * Below them, "Draft a reply with AI" asks the workspace's external provider, when there is one.
 */
export function AiSuggestions({ caseId, onPick }: { caseId: string; onPick: (text: string) => void }) {
  const { t } = useTranslation();
  const [opened, { close, toggle }] = useDisclosure(false);
  const query = useQuery({
    queryKey: ["cases", caseId, "suggestions"],
    queryFn: () => fetchSuggestions(caseId),
    enabled: opened,
    staleTime: 15_000,
  });
  const pick = (text: string) => {
    onPick(text);
    close();
  };
  const draft = useMutation({ mutationFn: () => draftWithAi(caseId), onSuccess: (d) => pick(d.draft) });
  const draftError =
    errorReason(draft.error) === "ai_provider_not_configured"
      ? t("ai.draft.notConfigured")
      : draft.error
        ? describeError(draft.error, t)
        : null;
  const data = query.data;
  const empty = data && data.articles.length === 0 && data.replies.length === 0;
  return (
    <Popover opened={opened} onChange={(value) => !value && close()} position="top-start" shadow="md" width={360}>
      <Popover.Target>
        <Tooltip label={t("ai.suggestions.open")}>
          <ActionIcon variant="subtle" color="gray" aria-label={t("ai.suggestions.open")} onClick={toggle}>
            <IconBulb size={18} />
          </ActionIcon>
        </Tooltip>
      </Popover.Target>
      <Popover.Dropdown p={6} data-testid="ai-suggestions">
        <ScrollArea.Autosize mah={320} type="auto">
          <Stack gap={4}>
            {query.isPending && <Loader size="xs" m="xs" />}
            {query.isError && (
              <Text size="xs" c="red" role="alert">
                {describeError(query.error, t)}
              </Text>
            )}
            {empty && (
              <Text size="xs" c="dimmed" p="xs">
                {data.messageId ? t("ai.suggestions.none") : t("ai.suggestions.noCustomerMessage")}
              </Text>
            )}
            {data && data.articles.length > 0 && (
              <Text size="xs" fw={700} c="dimmed" px="xs">
                {t("ai.suggestions.articles")}
              </Text>
            )}
            {data?.articles.map((a) => (
              <UnstyledButton
                key={`${a.id}-${a.lang}`}
                data-testid="ai-suggestion-article"
                aria-label={t("ai.suggestions.insertArticle", { title: a.title })}
                onClick={() => pick(a.body)}
                px="xs"
                py={4}
                style={{ borderRadius: 4 }}
              >
                <Text size="sm" fw={600} lineClamp={1}>
                  {a.title}{" "}
                  <Badge size="xs" variant="light">
                    {a.lang}
                  </Badge>
                </Text>
                <Text size="xs" c="dimmed" lineClamp={2}>
                  {plainHighlight(a.snippet)}
                </Text>
              </UnstyledButton>
            ))}
            {data && data.articles.length > 0 && data.replies.length > 0 && <Divider />}
            {data && data.replies.length > 0 && (
              <Text size="xs" fw={700} c="dimmed" px="xs">
                {t("ai.suggestions.replies")}
              </Text>
            )}
            {data?.replies.map((r) => (
              <UnstyledButton
                key={r.messageId}
                data-testid="ai-suggestion-reply"
                onClick={() => pick(r.text)}
                px="xs"
                py={4}
                style={{ borderRadius: 4 }}
              >
                <Text size="sm" lineClamp={3}>
                  {r.text}
                </Text>
                <Text size="xs" c="dimmed" lineClamp={1}>
                  {t("ai.suggestions.inReplyTo", { text: plainHighlight(r.similarMessage.highlight) })}
                </Text>
              </UnstyledButton>
            ))}
          </Stack>
        </ScrollArea.Autosize>
        <Divider my={4} />
        <Button
          size="compact-xs"
          variant="subtle"
          leftSection={<IconSparkles size={14} />}
          loading={draft.isPending}
          onClick={() => draft.mutate()}
        >
          {t("ai.draft.button")}
        </Button>
        {draftError && (
          <Text size="xs" c="red" role="alert" px="xs">
            {draftError}
          </Text>
        )}
      </Popover.Dropdown>
    </Popover>
  );
}

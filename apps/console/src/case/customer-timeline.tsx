import { Badge, Button, Chip, Group, Paper, Skeleton, Stack, Text, Title } from "@mantine/core";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { ErrorAlert } from "../error-alert.tsx";
import { formatDateTime, formatRelative, useLanguage } from "../format.ts";
import { type TimelineEvent, useTimeline } from "./customer-api.ts";

/** Kinds of timeline events an agent can filter by, as the API's `type` filter (`x.*` = every type under `x.`). */
export const timelineKinds = {
  messages: ["message.*"],
  orders: ["order.*"],
  locations: ["location", "wechat.location-reported"],
  follows: ["follow", "unfollow", "subscribe", "unsubscribe", "wechat.followed", "wechat.unfollowed"],
  web: ["page_view", "webchat.*"],
  wechat: ["wechat.*"],
  campaigns: ["campaign.*"],
} as const;
type TimelineKind = keyof typeof timelineKinds;
const kinds = Object.keys(timelineKinds) as TimelineKind[];

/** The `type` query for the chosen kinds ("" = everything). */
export function typesFilter(chosen: readonly TimelineKind[]): string {
  return [...new Set(chosen.flatMap((kind) => timelineKinds[kind]))].join(",");
}

const summaryKeys = ["text", "title", "url", "label", "status", "name", "campaign", "total"] as const;

/** A short plain-text line from an event's properties (customer-supplied: rendered as text only). */
function eventSummary(event: TimelineEvent): string {
  const parts: string[] = [];
  for (const key of summaryKeys) {
    const value = event.properties?.[key];
    if (typeof value === "string" || typeof value === "number") parts.push(String(value));
  }
  if (typeof event.properties?.latitude === "number" && typeof event.properties?.longitude === "number") {
    parts.push(`${event.properties.latitude}, ${event.properties.longitude}`);
  }
  return parts.join(" · ").slice(0, 200);
}

/** The customer's timeline, newest first, filtered by kind, 20 events at a time. */
export function CustomerTimeline({ contactId, now }: { contactId: string; now: number }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const [chosen, setChosen] = useState<TimelineKind[]>([]);
  const query = useTimeline(contactId, typesFilter(chosen));
  const events = query.data?.pages.flatMap((page) => page.data) ?? [];

  return (
    <Stack gap="xs" data-testid="customer-timeline">
      <Title order={6}>{t("c360.timeline")}</Title>
      <Chip.Group multiple value={chosen} onChange={(value) => setChosen(value as TimelineKind[])}>
        <Group gap={4} role="group" aria-label={t("c360.timelineFilter")}>
          {kinds.map((kind) => (
            <Chip key={kind} value={kind} size="xs" variant="outline">
              {t(`c360.kinds.${kind}`)}
            </Chip>
          ))}
        </Group>
      </Chip.Group>
      {query.isPending && <Skeleton h={60} />}
      {query.isError && (
        <ErrorAlert title={t("c360.timelineFailed")} error={query.error} onRetry={() => void query.refetch()} />
      )}
      {query.isSuccess && events.length === 0 && (
        <Text size="sm" c="dimmed">
          {chosen.length ? t("c360.timelineNoMatch") : t("c360.timelineEmpty")}
        </Text>
      )}
      {events.map((event) => (
        <Paper key={event.id} withBorder p={6} radius="sm" data-testid="timeline-event" data-type={event.type}>
          <Group justify="space-between" wrap="nowrap" gap="xs">
            <Badge size="xs" variant="light" style={{ textTransform: "none" }}>
              {event.type}
            </Badge>
            <Text size="xs" c="dimmed" title={formatDateTime(event.occurredAt, language)} style={{ flexShrink: 0 }}>
              {formatRelative(event.occurredAt, now, language)}
            </Text>
          </Group>
          {eventSummary(event) && (
            <Text size="xs" mt={2} style={{ overflowWrap: "anywhere" }} lineClamp={2}>
              {eventSummary(event)}
            </Text>
          )}
          {(event.channel || event.source) && (
            <Text size="xs" c="dimmed">
              {[event.channel, event.source].filter(Boolean).join(" · ")}
            </Text>
          )}
        </Paper>
      ))}
      {query.hasNextPage && (
        <Button
          size="xs"
          variant="subtle"
          onClick={() => void query.fetchNextPage()}
          loading={query.isFetchingNextPage}
          data-testid="timeline-more"
        >
          {t("c360.loadMore")}
        </Button>
      )}
    </Stack>
  );
}

import { Anchor, Badge, Button, Group, Paper, Skeleton, Stack, Text, Title } from "@mantine/core";
import { IconExternalLink, IconMapPin } from "@tabler/icons-react";
import { useTranslation } from "react-i18next";
import { ErrorAlert } from "../error-alert.tsx";
import { formatDateTime, formatRelative, useLanguage } from "../format.ts";
import { StatusBadge } from "../inbox/badges.tsx";
import { inboxPath } from "../inbox/views.ts";
import { linkHandler } from "../router.ts";
import { type Profile360, useLocations, useOpenCases, useOrders } from "./customer-api.ts";

const orderStatuses = ["pending", "paid", "fulfilled", "cancelled", "refunded"] as const;
const isOrderStatus = (status: string): status is (typeof orderStatuses)[number] =>
  (orderStatuses as readonly string[]).includes(status);

/** An amount in its currency, in the UI language ("1 234,50 €"); the raw text if the currency is unknown. */
export function formatMoney(amount: string, currency: string, language: string): string {
  try {
    return new Intl.NumberFormat(language, { style: "currency", currency }).format(Number(amount));
  } catch {
    return `${amount} ${currency}`;
  }
}

/** An OpenStreetMap link centred on the point (numbers only go into the URL). */
export function mapUrl(latitude: number, longitude: number): string {
  const lat = Number(latitude).toFixed(6);
  const lon = Number(longitude).toFixed(6);
  return `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=16/${lat}/${lon}`;
}

/** Orders and lifetime value (per currency, never summed across currencies). */
export function CustomerOrders({ contact, now }: { contact: Profile360; now: number }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const query = useOrders(contact.id);
  const orders = query.data?.pages.flatMap((page) => page.data) ?? [];
  const commerce = contact.commerce;
  if (!commerce || (commerce.orderCount === 0 && orders.length === 0 && !query.isError)) return null;
  return (
    <Stack gap={6} data-testid="customer-orders">
      <Title order={6}>{t("c360.orders")}</Title>
      <Group gap="xs">
        <Badge variant="light" size="sm">
          {t("c360.orderCount", { count: commerce.orderCount })}
        </Badge>
        {commerce.lifetimeValue.map((value) => (
          <Badge key={value.currency} variant="light" color="teal" size="sm" style={{ textTransform: "none" }}>
            {t("c360.lifetimeValue")}: {formatMoney(value.amount, value.currency, language)}
          </Badge>
        ))}
      </Group>
      {query.isError && (
        <ErrorAlert title={t("c360.ordersFailed")} error={query.error} onRetry={() => void query.refetch()} />
      )}
      {orders.map((order) => (
        <Paper key={order.id} withBorder p={6} radius="sm" data-testid="order">
          <Group justify="space-between" wrap="nowrap" gap="xs">
            <Text size="sm" fw={500} truncate title={order.externalId}>
              {order.externalId}
            </Text>
            <Text size="sm" style={{ flexShrink: 0 }}>
              {formatMoney(order.total, order.currency, language)}
            </Text>
          </Group>
          <Group justify="space-between" gap="xs">
            <Badge size="xs" variant="outline">
              {isOrderStatus(order.status) ? t(`c360.orderStatus.${order.status}`) : order.status}
            </Badge>
            <Text size="xs" c="dimmed" title={formatDateTime(order.placedAt, language)}>
              {formatRelative(order.placedAt, now, language)}
            </Text>
          </Group>
          {order.lines.length > 0 && (
            <Text size="xs" c="dimmed" lineClamp={2}>
              {order.lines.map((line) => `${line.quantity} × ${line.name}`).join(", ")}
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
        >
          {t("c360.loadMore")}
        </Button>
      )}
    </Stack>
  );
}

/** The location trajectory, newest first, each point with its time and a map link. */
export function CustomerLocations({ contact, now }: { contact: Profile360; now: number }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const query = useLocations(contact.id);
  const points = query.data?.pages.flatMap((page) => page.data) ?? [];
  if (query.isSuccess && points.length === 0) return null;
  if (query.isPending) return contact.lastLocation ? <Skeleton h={40} /> : null;
  return (
    <Stack gap={6} data-testid="customer-locations">
      <Title order={6}>{t("c360.locations")}</Title>
      {query.isError && (
        <ErrorAlert title={t("c360.locationsFailed")} error={query.error} onRetry={() => void query.refetch()} />
      )}
      {points.map((point) => (
        <Group key={point.id} gap="xs" wrap="nowrap" align="flex-start" data-testid="location">
          <IconMapPin size={16} style={{ flexShrink: 0, marginTop: 2 }} aria-hidden />
          <Stack gap={0} style={{ minWidth: 0, flex: 1 }}>
            <Anchor
              href={mapUrl(point.latitude, point.longitude)}
              target="_blank"
              rel="noopener noreferrer"
              size="sm"
              style={{ overflowWrap: "anywhere" }}
            >
              {point.label || `${point.latitude.toFixed(4)}, ${point.longitude.toFixed(4)}`}{" "}
              <IconExternalLink size={12} aria-label={t("c360.opensMap")} />
            </Anchor>
            <Text size="xs" c="dimmed" title={formatDateTime(point.occurredAt, language)}>
              {formatRelative(point.occurredAt, now, language)}
              {point.channel ? ` · ${point.channel}` : ""}
              {point.accuracyM ? ` · ±${Math.round(point.accuracyM)} m` : ""}
            </Text>
          </Stack>
        </Group>
      ))}
      {query.hasNextPage && (
        <Button
          size="xs"
          variant="subtle"
          onClick={() => void query.fetchNextPage()}
          loading={query.isFetchingNextPage}
        >
          {t("c360.loadMore")}
        </Button>
      )}
    </Stack>
  );
}

/** The customer's other unsolved cases, each a link that opens it. */
export function OtherOpenCases({ contactId, caseId, now }: { contactId: string; caseId: string; now: number }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const query = useOpenCases(contactId);
  const others = (query.data ?? []).filter((item) => item.id !== caseId);
  return (
    <Stack gap={6} data-testid="customer-other-cases">
      <Title order={6}>{t("c360.otherCases")}</Title>
      {query.isPending && <Skeleton h={24} />}
      {query.isError && (
        <ErrorAlert title={t("c360.casesFailed")} error={query.error} onRetry={() => void query.refetch()} />
      )}
      {query.isSuccess && others.length === 0 && (
        <Text size="sm" c="dimmed">
          {t("c360.noOtherCases")}
        </Text>
      )}
      {others.map((item) => {
        const path = inboxPath("open", item.id);
        return (
          <Group key={item.id} gap="xs" wrap="nowrap" justify="space-between">
            <Anchor href={path} onClick={linkHandler(path)} size="sm" truncate style={{ minWidth: 0 }}>
              #{item.number} {item.subject}
            </Anchor>
            <Group gap={4} wrap="nowrap" style={{ flexShrink: 0 }}>
              <StatusBadge status={item.status} />
              <Text size="xs" c="dimmed" title={formatDateTime(item.lastMessageAt, language)}>
                {formatRelative(item.lastMessageAt, now, language)}
              </Text>
            </Group>
          </Group>
        );
      })}
    </Stack>
  );
}

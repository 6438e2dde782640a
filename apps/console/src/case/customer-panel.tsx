import { Alert, Avatar, Badge, Group, Paper, Skeleton, Stack, Table, Text, Title } from "@mantine/core";
import { IconCircleCheck } from "@tabler/icons-react";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import type { ConsentState, Identity } from "../api.ts";
import { describeError } from "../error-message.ts";
import { formatDateTime, formatRelative, useLanguage } from "../format.ts";
import en from "../i18n/en.json";
import { useContactProfile } from "./contact.ts";

type KnownKind = keyof typeof en.customer.kinds;
const consentColors: Record<ConsentState, string> = { granted: "teal", withdrawn: "red", unknown: "gray" };

function isKnownKind(kind: string): kind is KnownKind {
  return Object.hasOwn(en.customer.kinds, kind);
}

function IdentityCard({ identity, now }: { identity: Identity; now: number }) {
  const { t } = useTranslation();
  const language = useLanguage();
  return (
    <Paper withBorder p="xs" radius="sm" data-testid="identity">
      <Group justify="space-between" wrap="nowrap" gap="xs">
        <Badge variant="outline" size="sm">
          {isKnownKind(identity.kind) ? t(`customer.kinds.${identity.kind}`) : identity.kind}
        </Badge>
        {identity.verified && (
          <Badge color="teal" variant="light" size="xs" leftSection={<IconCircleCheck size={10} />}>
            {t("customer.verified")}
          </Badge>
        )}
      </Group>
      <Text size="sm" ff="monospace" mt={4} truncate title={identity.externalId}>
        {identity.externalId}
      </Text>
      <Group gap={4} mt={4}>
        {(["service", "marketing"] as const).map((purpose) => {
          const state: ConsentState = identity.consent[purpose] ?? "unknown";
          return (
            <Badge key={purpose} size="xs" variant="light" color={consentColors[state]}>
              {t(`customer.consent.${purpose}`)}: {t(`customer.consent.${state}`)}
            </Badge>
          );
        })}
      </Group>
      <Text size="xs" c="dimmed" mt={4} title={formatDateTime(identity.lastSeenAt, language)}>
        {formatRelative(identity.lastSeenAt, now, language)}
      </Text>
    </Paper>
  );
}

/** An attribute value as plain text (lists joined, anything else as JSON). */
function attributeText(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return value.map(attributeText).join(", ");
  return JSON.stringify(value);
}

/** The customer of the case, from the contact profile: details, tags and the identities on each channel. */
export function CustomerPanel({ contactId, now }: { contactId: string; now: number }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const query = useContactProfile(contactId);

  if (query.isPending) {
    return (
      <Stack gap="sm">
        <Group>
          <Skeleton circle h={48} />
          <Skeleton h={14} w="50%" />
        </Group>
        <Skeleton h={80} />
      </Stack>
    );
  }
  if (query.isError) {
    return (
      <Alert color="red" title={t("customer.loadFailed")} role="alert">
        {describeError(query.error, t)}
      </Alert>
    );
  }
  const contact = query.data;
  const attributes = Object.entries(contact.attributes ?? {}).filter(
    ([, value]) => value !== null && value !== undefined,
  );
  const name = contact.displayName ?? t("inbox.unknownContact");
  const rows: [string, ReactNode][] = [
    [t("customer.emails"), contact.emails.join(", ")],
    [t("customer.phones"), contact.phones.join(", ")],
    [t("customer.company"), contact.company],
    [t("customer.language"), contact.language],
    [t("customer.lifecycle"), contact.lifecycleStage],
    [t("customer.customerSince"), formatDateTime(contact.createdAt, language)],
  ];
  return (
    <Stack gap="md" data-testid="customer-panel">
      <Group wrap="nowrap">
        <Avatar src={contact.avatarUrl} name={name} color="initials" size="lg" alt="" />
        <Stack gap={0} style={{ minWidth: 0 }}>
          <Text fw={700} truncate>
            {name}
          </Text>
          {contact.company && (
            <Text size="sm" c="dimmed" truncate>
              {contact.company}
            </Text>
          )}
        </Stack>
      </Group>
      <Table variant="vertical" withRowBorders={false} verticalSpacing={4} fz="sm">
        <Table.Tbody>
          {rows
            .filter(([, value]) => value)
            .map(([label, value]) => (
              <Table.Tr key={label}>
                <Table.Th w={120} fw={500} c="dimmed" bg="transparent">
                  {label}
                </Table.Th>
                <Table.Td style={{ overflowWrap: "anywhere" }}>{value}</Table.Td>
              </Table.Tr>
            ))}
        </Table.Tbody>
      </Table>
      {contact.tags.length > 0 && (
        <Stack gap={4}>
          <Title order={6}>{t("customer.tags")}</Title>
          <Group gap={4}>
            {contact.tags.map((tag) => (
              <Badge key={tag} variant="light" color="gray" size="sm">
                {tag}
              </Badge>
            ))}
          </Group>
        </Stack>
      )}
      {attributes.length > 0 && (
        <Stack gap={4} data-testid="customer-attributes">
          <Title order={6}>{t("customer.attributes")}</Title>
          <Table variant="vertical" withRowBorders={false} verticalSpacing={4} fz="sm">
            <Table.Tbody>
              {attributes.map(([key, value]) => (
                <Table.Tr key={key}>
                  <Table.Th w={120} fw={500} c="dimmed" bg="transparent" style={{ overflowWrap: "anywhere" }}>
                    {key}
                  </Table.Th>
                  {/* Attribute values come from customers and integrations: always text. */}
                  <Table.Td style={{ overflowWrap: "anywhere" }}>{attributeText(value)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Stack>
      )}
      <Stack gap="xs">
        <Title order={6}>{t("customer.identities")}</Title>
        {contact.identities.length === 0 && (
          <Text size="sm" c="dimmed">
            {t("customer.noIdentities")}
          </Text>
        )}
        {contact.identities.map((identity) => (
          <IdentityCard key={identity.id} identity={identity} now={now} />
        ))}
      </Stack>
    </Stack>
  );
}

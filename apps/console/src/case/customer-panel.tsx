import { Avatar, Badge, Group, Paper, Skeleton, Stack, Table, Text, Title, Tooltip } from "@mantine/core";
import { IconCircleCheck } from "@tabler/icons-react";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import type { ConsentState, Identity, Session } from "../api.ts";
import { ErrorAlert } from "../error-alert.tsx";
import { formatDateTime, formatRelative, useLanguage } from "../format.ts";
import en from "../i18n/en.json";
import { CustomerLocations, CustomerOrders, OtherOpenCases } from "./customer-activity.tsx";
import { type ContactValue, useProfile360 } from "./customer-api.ts";
import { CustomerDuplicates } from "./customer-duplicates.tsx";
import { AttributesEditor, TagsEditor } from "./customer-profile-edit.tsx";
import { CustomerTimeline } from "./customer-timeline.tsx";

type KnownKind = keyof typeof en.customer.kinds;
const consentColors: Record<ConsentState, string> = { granted: "teal", withdrawn: "red", unknown: "gray" };

type KnownStage = keyof typeof en.c360.stages;

function isKnownKind(kind: string): kind is KnownKind {
  return Object.hasOwn(en.customer.kinds, kind);
}

function isKnownStage(stage: string): stage is KnownStage {
  return Object.hasOwn(en.c360.stages, stage);
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

/** Emails or phones as text, each as entered, an invalid one marked. */
function valuesText(values: readonly ContactValue[], invalid: string): string {
  return values.map((v) => (v.valid ? v.value : `${v.value} (${invalid})`)).join(", ");
}

const lifecycleColors: Record<string, string> = {
  new: "blue",
  active: "teal",
  "re-engaged": "cyan",
  "at-risk": "orange",
  churned: "red",
};

/**
 * Customer 360: the customer of the case — details, lifecycle, tags and attributes (editable), identities with
 * consent, other open cases, orders and lifetime value, locations, duplicates with merge/unmerge, the timeline.
 */
export function CustomerPanel({
  contactId,
  caseId,
  session,
  now,
}: {
  contactId: string;
  caseId: string;
  session: Session;
  now: number;
}) {
  const { t } = useTranslation();
  const language = useLanguage();
  const query = useProfile360(contactId);

  if (query.isPending) {
    return (
      <Stack gap="sm" aria-busy>
        <Group>
          <Skeleton circle h={48} />
          <Skeleton h={14} w="50%" />
        </Group>
        <Skeleton h={80} />
      </Stack>
    );
  }
  if (query.isError) {
    return <ErrorAlert title={t("customer.loadFailed")} error={query.error} onRetry={() => void query.refetch()} />;
  }
  const contact = query.data;
  const canEdit = session.role !== "analyst";
  const name = contact.displayName ?? t("inbox.unknownContact");
  const stage = contact.lifecycle?.stage ?? contact.lifecycleStage;
  const rows: [string, ReactNode][] = [
    [t("customer.emails"), valuesText(contact.emails, t("c360.invalid"))],
    [t("customer.phones"), valuesText(contact.phones, t("c360.invalid"))],
    [t("customer.company"), contact.company],
    [t("customer.language"), contact.language],
    [t("customer.customerSince"), formatDateTime(contact.createdAt, language)],
  ];
  return (
    <Stack gap="md" data-testid="customer-panel">
      <Group wrap="nowrap">
        <Avatar src={contact.avatarUrl} name={name} color="initials" size="lg" alt="" />
        <Stack gap={2} style={{ minWidth: 0 }}>
          <Text fw={700} truncate>
            {name}
          </Text>
          {contact.company && (
            <Text size="sm" c="dimmed" truncate>
              {contact.company}
            </Text>
          )}
          {stage && (
            <Tooltip
              label={
                contact.lifecycle
                  ? t("c360.lifecycleComputed", { at: formatDateTime(contact.lifecycle.computedAt, language) })
                  : t("customer.lifecycle")
              }
            >
              <Badge
                size="sm"
                variant="light"
                color={lifecycleColors[stage] ?? "gray"}
                data-testid="lifecycle-stage"
                style={{ alignSelf: "flex-start" }}
              >
                {isKnownStage(stage) ? t(`c360.stages.${stage}`) : stage}
              </Badge>
            </Tooltip>
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
      <TagsEditor contact={contact} canEdit={canEdit} />
      <AttributesEditor contact={contact} canEdit={canEdit} />
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
      <OtherOpenCases contactId={contact.id} caseId={caseId} now={now} />
      <CustomerOrders contact={contact} now={now} />
      <CustomerLocations contact={contact} now={now} />
      <CustomerDuplicates contact={contact} canMerge={canEdit} />
      <CustomerTimeline contactId={contact.id} now={now} />
    </Stack>
  );
}

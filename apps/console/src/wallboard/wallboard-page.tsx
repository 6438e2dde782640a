import {
  Alert,
  Badge,
  Button,
  Group,
  Paper,
  ScrollArea,
  Select,
  SimpleGrid,
  Skeleton,
  Stack,
  Table,
  Text,
  Title,
} from "@mantine/core";
import { IconRefresh } from "@tabler/icons-react";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type ReactNode, useState } from "react";
import { useTranslation } from "react-i18next";
import { caseKeys, type Member, type Session, updateCase } from "../api.ts";
import { useMembers, useTeams } from "../directory.ts";
import { ErrorAlert } from "../error-alert.tsx";
import { describeError } from "../error-message.ts";
import { formatDateTime, formatDuration, formatRelative, useLanguage, useNow } from "../format.ts";
import { PriorityBadge } from "../inbox/badges.tsx";
import { inboxPath } from "../inbox/views.ts";
import { linkHandler } from "../router.ts";
import { fetchChannels } from "../settings/settings-api.ts";
import { ApprovalsPanel } from "./approvals-panel.tsx";
import { type Bar, BarList, ColumnChart, LoadMeter } from "./charts.tsx";
import { fetchWallboard, type WallboardCase, type WallboardFilters, wallboardQueryKey } from "./wallboard-api.ts";

/** Besides the live invalidations, the board refetches on this period (waits grow without any event). */
const REFRESH_MS = 15_000;
/** Who may approve replies (`cases.configure`). */
const approverRoles = new Set(["owner", "admin", "supervisor"]);
/** Queues beyond this many (the busiest come first) are summed up in a line. */
const MAX_BARS = 10;
const presenceColours = { online: "teal", away: "yellow", offline: "gray" } as const;

function Stat({ label, value, tone, testId }: { label: string; value: ReactNode; tone?: string; testId?: string }) {
  return (
    <Paper withBorder p="sm" radius="md">
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text fz={28} fw={700} c={tone} data-testid={testId} style={{ fontVariantNumeric: "tabular-nums" }}>
        {value}
      </Text>
    </Paper>
  );
}

function Panel({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Paper withBorder p="md" radius="md" component="section" aria-label={title}>
      <Title order={2} size="h5" mb="sm">
        {title}
      </Title>
      {children}
    </Paper>
  );
}

/** Waiting against open cases per team or channel. */
function QueuePanel({ title, bars }: { title: string; bars: Bar[] }) {
  const { t } = useTranslation();
  return (
    <Panel title={title}>
      {bars.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t("wallboard.noQueue")}
        </Text>
      ) : (
        <>
          <BarList
            label={title}
            valueLabel={t("wallboard.waiting")}
            secondaryLabel={t("wallboard.open")}
            bars={bars.slice(0, MAX_BARS)}
          />
          {bars.length > MAX_BARS && (
            <Text size="xs" c="dimmed" mt={4}>
              {t("wallboard.more", { count: bars.length - MAX_BARS })}
            </Text>
          )}
        </>
      )}
    </Panel>
  );
}

function ReassignSelect({ item, members }: { item: WallboardCase; members: Member[] }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const assign = useMutation({
    mutationFn: (assigneeId: string | null) => updateCase(item.id, { assigneeId }),
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: wallboardQueryKey });
      void queryClient.invalidateQueries({ queryKey: caseKeys.all });
    },
  });
  return (
    <Stack gap={2}>
      <Select
        size="xs"
        w={180}
        placeholder={t("case.unassigned")}
        aria-label={t("wallboard.reassign", { number: item.number })}
        data={members
          .filter((member) => member.role !== "analyst")
          .map((member) => ({ value: member.id, label: member.name }))}
        value={assign.isPending ? (assign.variables ?? null) : item.assigneeId}
        onChange={(value) => {
          if (value !== item.assigneeId) assign.mutate(value);
        }}
        searchable
        clearable
        disabled={assign.isPending}
        comboboxProps={{ withinPortal: true }}
      />
      {assign.error && (
        <Text size="xs" c="red" role="alert">
          {describeError(assign.error, t)}
        </Text>
      )}
    </Stack>
  );
}

function CaseTable({
  cases,
  members,
  teamName,
  now,
  empty,
  testId,
}: {
  cases: WallboardCase[];
  members: Member[];
  teamName: (id: string | null) => string;
  now: number;
  empty: string;
  testId: string;
}) {
  const { t } = useTranslation();
  const language = useLanguage();
  if (cases.length === 0) {
    return (
      <Text size="sm" c="dimmed" data-testid={`${testId}-empty`}>
        {empty}
      </Text>
    );
  }
  return (
    <Table.ScrollContainer minWidth={640}>
      <Table verticalSpacing={4} data-testid={testId}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t("wallboard.case")}</Table.Th>
            <Table.Th>{t("case.priority")}</Table.Th>
            <Table.Th>{t("case.team")}</Table.Th>
            <Table.Th>{t("wallboard.waiting")}</Table.Th>
            <Table.Th>{t("wallboard.slaDue")}</Table.Th>
            <Table.Th>{t("case.assignee")}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {cases.map((item) => {
            const path = inboxPath("open", item.id);
            return (
              <Table.Tr key={item.id} data-testid="wallboard-case" data-case-id={item.id}>
                <Table.Td maw={260}>
                  <Text size="sm" truncate>
                    <a href={path} onClick={linkHandler(path)}>
                      #{item.number}
                    </a>{" "}
                    {item.subject || t("inbox.noSubject")}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <PriorityBadge priority={item.priority} />
                </Table.Td>
                <Table.Td>{teamName(item.teamId)}</Table.Td>
                <Table.Td>
                  {item.waitSeconds === null ? "—" : formatDuration(item.waitSeconds * 1000, language)}
                </Table.Td>
                <Table.Td>
                  {item.slaState === "breached" || item.slaState === "warning" ? (
                    <Badge color={item.slaState === "breached" ? "red" : "orange"} variant="light" size="sm">
                      {item.slaDueAt
                        ? formatRelative(item.slaDueAt, now, language)
                        : t(`wallboard.sla.${item.slaState}`)}
                    </Badge>
                  ) : (
                    "—"
                  )}
                </Table.Td>
                <Table.Td>
                  <ReassignSelect item={item} members={members} />
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

function WallboardSkeleton() {
  return (
    <Stack p="lg" gap="md" aria-busy>
      <SimpleGrid cols={{ base: 2, md: 4 }}>
        {["a", "b", "c", "d"].map((key) => (
          <Skeleton key={key} h={84} />
        ))}
      </SimpleGrid>
      <Skeleton h={220} />
      <Skeleton h={220} />
    </Stack>
  );
}

/** The supervisor's live view: queues, waits, agents, SLA and today's numbers; reassigns from the lists. */
export default function WallboardPage({ session }: { session: Session }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const now = useNow(10_000);
  const members = useMembers();
  const teams = useTeams();
  const [filters, setFilters] = useState<WallboardFilters>({});
  const board = useQuery({
    queryKey: [...wallboardQueryKey, filters],
    queryFn: () => fetchWallboard(filters),
    refetchInterval: REFRESH_MS,
    placeholderData: keepPreviousData,
  });
  const channels = useQuery({ queryKey: ["channels"], queryFn: fetchChannels, staleTime: 5 * 60_000 });

  if (board.isPending) return <WallboardSkeleton />;
  if (board.isError && !board.data) {
    return (
      <ErrorAlert title={t("wallboard.loadFailed")} error={board.error} onRetry={() => void board.refetch()} m="lg" />
    );
  }
  const data = board.data;
  const teamName = (id: string | null) =>
    id === null ? t("wallboard.noTeam") : (teams.find((team) => team.id === id)?.name ?? t("wallboard.unknownTeam"));
  const channelName = (id: string) =>
    channels.data?.data.find((channel) => channel.id === id)?.name ?? t("wallboard.unknownChannel");
  const duration = (seconds: number | null) => (seconds === null ? "—" : formatDuration(seconds * 1000, language));
  const hourFormat = new Intl.DateTimeFormat(language, { hour: "numeric", timeZone: data.timeZone });
  const sortedAgents = [...data.agents].sort(
    (a, b) =>
      ["online", "away", "offline"].indexOf(a.presence) - ["online", "away", "offline"].indexOf(b.presence) ||
      b.load - a.load,
  );

  return (
    <ScrollArea h="calc(100dvh - var(--app-shell-header-height, 56px))" type="auto">
      <Stack p="lg" gap="md" data-testid="wallboard">
        <Group justify="space-between">
          <Title order={1} size="h3">
            {t("wallboard.title")}
          </Title>
          <Group gap="xs">
            <Text size="xs" c="dimmed" role="status" title={formatDateTime(data.generatedAt, language)}>
              {t("wallboard.updated", {
                time: formatRelative(data.generatedAt, Math.max(now, Date.parse(data.generatedAt)), language),
              })}
            </Text>
            <Button
              size="xs"
              variant="default"
              leftSection={<IconRefresh size={14} />}
              loading={board.isFetching}
              onClick={() => void board.refetch()}
            >
              {t("wallboard.refresh")}
            </Button>
          </Group>
        </Group>
        {board.isError && (
          <Alert color="orange" role="alert">
            {t("wallboard.stale")} {describeError(board.error, t)}
          </Alert>
        )}
        <SimpleGrid cols={{ base: 2, sm: 4, lg: 8 }}>
          <Stat label={t("wallboard.stats.waiting")} value={data.totals.waiting} testId="stat-waiting" />
          <Stat label={t("wallboard.stats.longestWait")} value={duration(data.totals.longestWaitSeconds)} />
          <Stat label={t("wallboard.stats.open")} value={data.totals.open} testId="stat-open" />
          <Stat
            label={t("wallboard.stats.slaAtRisk")}
            value={data.sla.atRisk}
            tone={data.sla.atRisk ? "orange" : undefined}
          />
          <Stat
            label={t("wallboard.stats.slaBreached")}
            value={data.sla.breached}
            tone={data.sla.breached ? "red" : undefined}
            testId="stat-breached"
          />
          <Stat label={t("wallboard.stats.createdToday")} value={data.today.created} testId="stat-created" />
          <Stat label={t("wallboard.stats.solvedToday")} value={data.today.solved} />
          <Stat label={t("wallboard.stats.firstResponse")} value={duration(data.today.firstResponse.medianSeconds)} />
        </SimpleGrid>
        <SimpleGrid cols={{ base: 1, md: 2 }}>
          <QueuePanel
            title={t("wallboard.byTeam")}
            bars={data.teams.map((team) => ({
              label: teamName(team.teamId),
              value: team.waiting,
              secondary: team.open,
            }))}
          />
          <QueuePanel
            title={t("wallboard.byChannel")}
            bars={data.channels.map((channel) => ({
              label: channelName(channel.channelId),
              value: channel.waiting,
              secondary: channel.open,
            }))}
          />
        </SimpleGrid>
        <Group gap="sm" align="flex-end" component="section" aria-label={t("wallboard.filters")}>
          <Select
            size="xs"
            w={220}
            label={t("wallboard.filterTeam")}
            placeholder={t("wallboard.allTeams")}
            data={teams.map((team) => ({ value: team.id, label: team.name }))}
            value={filters.teamId ?? null}
            onChange={(teamId) => setFilters((current) => ({ ...current, teamId: teamId ?? undefined }))}
            clearable
            searchable
          />
          <Select
            size="xs"
            w={220}
            label={t("wallboard.filterChannel")}
            placeholder={t("wallboard.allChannels")}
            data={(channels.data?.data ?? []).map((channel) => ({ value: channel.id, label: channel.name }))}
            value={filters.channelId ?? null}
            onChange={(channelId) => setFilters((current) => ({ ...current, channelId: channelId ?? undefined }))}
            clearable
            searchable
          />
        </Group>
        <Panel title={t("wallboard.waitingCases")}>
          <CaseTable
            cases={data.waiting}
            members={members}
            teamName={teamName}
            now={now}
            empty={t("wallboard.noWaiting")}
            testId="waiting-cases"
          />
        </Panel>
        <Panel title={t("wallboard.slaCases")}>
          <CaseTable
            cases={data.sla.cases}
            members={members}
            teamName={teamName}
            now={now}
            empty={t("wallboard.noSla")}
            testId="sla-cases"
          />
        </Panel>
        {approverRoles.has(session.role) && (
          <Panel title={t("wallboard.approvals.title")}>
            <ApprovalsPanel members={members} session={session} now={now} refreshMs={REFRESH_MS} />
          </Panel>
        )}
        <SimpleGrid cols={{ base: 1, md: 2 }}>
          <Panel title={t("wallboard.agents")}>
            <Group gap="xs" mb="sm">
              {(["online", "away", "offline"] as const).map((presence) => (
                <Badge key={presence} color={presenceColours[presence]} variant="light">
                  {t(`wallboard.presence.${presence}`)}: {data.presence[presence]}
                </Badge>
              ))}
            </Group>
            {sortedAgents.length === 0 ? (
              <Text size="sm" c="dimmed">
                {t("wallboard.noAgents")}
              </Text>
            ) : (
              <Table verticalSpacing={4} data-testid="agents">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t("wallboard.agent")}</Table.Th>
                    <Table.Th>{t("wallboard.presenceLabel")}</Table.Th>
                    <Table.Th>{t("wallboard.load")}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {sortedAgents.map((agent) => (
                    <Table.Tr key={agent.userId}>
                      <Table.Td>{agent.name}</Table.Td>
                      <Table.Td>
                        <Badge color={presenceColours[agent.presence]} variant="dot">
                          {t(`wallboard.presence.${agent.presence}`)}
                        </Badge>
                      </Table.Td>
                      <Table.Td>
                        <LoadMeter
                          load={agent.load}
                          capacity={agent.capacity}
                          label={t("wallboard.loadOf", { name: agent.name })}
                        />
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
          </Panel>
          <Panel title={t("wallboard.today")}>
            <Group gap="lg" mb="sm">
              <Text size="sm">
                {t("wallboard.inbound")}: <b>{data.today.inboundMessages}</b>
              </Text>
              <Text size="sm">
                {t("wallboard.outbound")}: <b>{data.today.outboundMessages}</b>
              </Text>
              <Text size="sm">
                {t("wallboard.firstResponseAvg")}: <b>{duration(data.today.firstResponse.averageSeconds)}</b>
              </Text>
            </Group>
            {data.today.hourly.length === 0 ? (
              <Text size="sm" c="dimmed">
                {t("wallboard.noActivity")}
              </Text>
            ) : (
              <>
                <ColumnChart
                  label={t("wallboard.perHour")}
                  aLabel={t("wallboard.created")}
                  bLabel={t("wallboard.solved")}
                  columns={data.today.hourly.map((bucket) => ({
                    label: bucket.hour ? hourFormat.format(new Date(bucket.hour)) : "",
                    a: bucket.created,
                    b: bucket.solved,
                  }))}
                />
                <Group gap="md" mt={4}>
                  <Text size="xs">
                    <span style={{ color: "var(--mantine-primary-color-filled)" }}>■</span> {t("wallboard.created")}
                  </Text>
                  <Text size="xs">
                    <span style={{ color: "var(--mantine-color-teal-6)" }}>■</span> {t("wallboard.solved")}
                  </Text>
                </Group>
              </>
            )}
          </Panel>
        </SimpleGrid>
      </Stack>
    </ScrollArea>
  );
}

import { ActionIcon, Button, Checkbox, Group, Paper, Select, Stack, Table, Text, TextInput } from "@mantine/core";
import { IconPlus, IconTrash } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { describeError } from "../error-message.ts";
import { useLanguage, useNow } from "../format.ts";
import {
  adminKeys,
  type Calendar,
  fetchBusinessHours,
  type Holiday,
  type OpenInterval,
  putBusinessHours,
  type Weekday,
  weekdays,
} from "./admin-api.ts";
import { errorFor, fieldErrors } from "./field-errors.ts";
import { fetchWorkspace, settingsKeys } from "./settings-api.ts";
import { EmptyState, FormError, QueryState, Section, SettingsForm, SubmitRow } from "./settings-parts.tsx";

const timeZones = ["UTC", ...Intl.supportedValuesOf("timeZone").filter((zone) => zone !== "UTC")];
const HHMM = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const defaultDay: OpenInterval[] = [{ start: "09:00", end: "17:00" }];

type Week = Record<Weekday, OpenInterval[]>;

function weekOf(calendar: Calendar | null): Week {
  const week = {} as Week;
  for (const day of weekdays) {
    week[day] = calendar ? [...(calendar.weekly[day] ?? [])] : ["sat", "sun"].includes(day) ? [] : [...defaultDay];
  }
  return week;
}

/** The wall-clock time now in a zone, e.g. "Tue 14:05", in the UI's language. */
function nowIn(timeZone: string, now: number, language: string): string {
  try {
    return new Intl.DateTimeFormat(language, {
      timeZone,
      weekday: "short",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    }).format(now);
  } catch {
    return "";
  }
}

/** Local checks before saving: times read HH:MM, intervals are not empty, holidays are well-formed. */
function problemsOf(week: Week, holidays: Holiday[], message: (key: "time" | "empty" | "date" | "order") => string) {
  const problems: Record<string, string> = {};
  for (const day of weekdays) {
    week[day].forEach((interval, i) => {
      const at = `calendar.weekly.${day}.${i}`;
      if (!HHMM.test(interval.start) || interval.start === "24:00") problems[`${at}.start`] = message("time");
      if (!HHMM.test(interval.end)) problems[`${at}.end`] = message("time");
      else if (interval.start === interval.end) problems[`${at}.end`] = message("empty");
    });
  }
  holidays.forEach((holiday, i) => {
    const at = `calendar.holidays.${i}`;
    if (!DATE.test(holiday.date) || Number.isNaN(Date.parse(holiday.date))) problems[`${at}.date`] = message("date");
    const from = holiday.closedFrom || "00:00";
    const until = holiday.closedUntil || "24:00";
    if (holiday.closedFrom && !HHMM.test(holiday.closedFrom)) problems[`${at}.closedFrom`] = message("time");
    else if (holiday.closedUntil && !HHMM.test(holiday.closedUntil)) problems[`${at}.closedUntil`] = message("time");
    else if (until <= from) problems[`${at}.closedUntil`] = message("order");
  });
  return problems;
}

function BusinessHoursForm({ calendar, workspaceZone }: { calendar: Calendar | null; workspaceZone: string }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const now = useNow();
  const queryClient = useQueryClient();
  const [timeZone, setTimeZone] = useState(calendar?.timeZone ?? workspaceZone);
  const [week, setWeek] = useState<Week>(() => weekOf(calendar));
  const [holidays, setHolidays] = useState<Holiday[]>(calendar?.holidays ?? []);
  const [local, setLocal] = useState<Record<string, string>>({});
  useEffect(() => {
    setTimeZone(calendar?.timeZone ?? workspaceZone);
    setWeek(weekOf(calendar));
    setHolidays(calendar?.holidays ?? []);
  }, [calendar, workspaceZone]);

  const save = useMutation({
    mutationFn: putBusinessHours,
    onSuccess: (saved) => {
      queryClient.setQueryData(adminKeys.businessHours, saved);
      void queryClient.invalidateQueries({ queryKey: settingsKeys.sla });
    },
  });
  const clear = useMutation({
    mutationFn: () => putBusinessHours(null),
    onSuccess: (saved) => {
      save.reset();
      queryClient.setQueryData(adminKeys.businessHours, saved);
      void queryClient.invalidateQueries({ queryKey: settingsKeys.sla });
    },
  });
  const errors = { ...fieldErrors(save.error), ...local };
  const setDay = (day: Weekday, intervals: OpenInterval[]) => setWeek((current) => ({ ...current, [day]: intervals }));
  const setInterval = (day: Weekday, i: number, patch: Partial<OpenInterval>) =>
    setDay(
      day,
      week[day].map((interval, j) => (j === i ? { ...interval, ...patch } : interval)),
    );
  const setHoliday = (i: number, patch: Partial<Holiday>) =>
    setHolidays((current) => current.map((holiday, j) => (j === i ? { ...holiday, ...patch } : holiday)));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const problems = problemsOf(week, holidays, (key) => t(`admin.businessHours.problems.${key}`));
    setLocal(problems);
    if (Object.keys(problems).length > 0) return;
    const weekly: Calendar["weekly"] = {};
    for (const day of weekdays) if (week[day].length > 0) weekly[day] = week[day];
    save.mutate({
      timeZone,
      weekly,
      holidays: holidays.map((holiday) => ({
        date: holiday.date,
        ...(holiday.name?.trim() ? { name: holiday.name.trim() } : {}),
        ...(holiday.closedFrom ? { closedFrom: holiday.closedFrom } : {}),
        ...(holiday.closedUntil ? { closedUntil: holiday.closedUntil } : {}),
      })),
    });
  };
  const fields = Object.keys(errors).filter((key) => key.startsWith("calendar.") || key === "timeZone");

  return (
    <SettingsForm title={t("admin.businessHours.formTitle")} onSubmit={submit}>
      <Group align="flex-end">
        <Select
          label={t("admin.businessHours.timeZone")}
          description={t("admin.businessHours.timeZoneHelp")}
          data={timeZones}
          value={timeZone}
          onChange={(value) => value && setTimeZone(value)}
          searchable
          allowDeselect={false}
          limit={50}
          w={320}
          error={errorFor(errors, "calendar.timeZone")}
        />
        <Text size="sm" c="dimmed" data-testid="zone-now">
          {t("admin.businessHours.nowThere", { time: nowIn(timeZone, now, language) })}
        </Text>
      </Group>
      <Table withTableBorder verticalSpacing={6} maw={720}>
        <Table.Tbody>
          {weekdays.map((day) => (
            <Table.Tr key={day} data-testid={`day-${day}`}>
              <Table.Th scope="row" w={160}>
                <Checkbox
                  label={t(`admin.weekdays.${day}`)}
                  checked={week[day].length > 0}
                  onChange={(event) => setDay(day, event.currentTarget.checked ? [...defaultDay] : [])}
                />
              </Table.Th>
              <Table.Td>
                {week[day].length === 0 ? (
                  <Text size="sm" c="dimmed">
                    {t("admin.businessHours.closed")}
                  </Text>
                ) : (
                  <Stack gap={4}>
                    {week[day].map((interval, i) => (
                      // biome-ignore lint/suspicious/noArrayIndexKey: intervals have no identity of their own
                      <Group key={i} gap="xs" wrap="nowrap" align="flex-start">
                        <TextInput
                          size="xs"
                          placeholder="HH:MM"
                          maxLength={5}
                          w={90}
                          aria-label={`${t(`admin.weekdays.${day}`)} ${i + 1}: ${t("admin.businessHours.opens")}`}
                          value={interval.start}
                          onChange={(event) => setInterval(day, i, { start: event.currentTarget.value })}
                          error={errorFor(errors, `calendar.weekly.${day}.${i}.start`)}
                        />
                        <Text size="sm" pt={4}>
                          –
                        </Text>
                        <TextInput
                          size="xs"
                          aria-label={`${t(`admin.weekdays.${day}`)} ${i + 1}: ${t("admin.businessHours.closes")}`}
                          placeholder="HH:MM"
                          value={interval.end}
                          maxLength={5}
                          w={90}
                          onChange={(event) => setInterval(day, i, { end: event.currentTarget.value })}
                          error={errorFor(errors, `calendar.weekly.${day}.${i}.end`)}
                        />
                        <ActionIcon
                          variant="subtle"
                          color="gray"
                          mt={2}
                          aria-label={t("admin.businessHours.removeInterval")}
                          onClick={() =>
                            setDay(
                              day,
                              week[day].filter((_, j) => j !== i),
                            )
                          }
                        >
                          <IconTrash size={14} />
                        </ActionIcon>
                      </Group>
                    ))}
                  </Stack>
                )}
              </Table.Td>
              <Table.Td w={60}>
                <ActionIcon
                  variant="subtle"
                  aria-label={t("admin.businessHours.addInterval", { day: t(`admin.weekdays.${day}`) })}
                  disabled={week[day].length >= 6}
                  onClick={() => setDay(day, [...week[day], { start: "13:00", end: "17:00" }])}
                >
                  <IconPlus size={16} />
                </ActionIcon>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Text size="xs" c="dimmed">
        {t("admin.businessHours.intervalsHelp")}
      </Text>

      <Text fw={600} size="sm" mt="sm">
        {t("admin.businessHours.holidays")}
      </Text>
      {holidays.length === 0 && <EmptyState>{t("admin.businessHours.noHolidays")}</EmptyState>}
      {holidays.map((holiday, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: a holiday being typed has no identity yet
        <Paper key={i} withBorder p="xs" maw={720} data-testid="holiday">
          <Group gap="xs" align="flex-start" wrap="wrap">
            <TextInput
              type="date"
              size="xs"
              label={t("admin.businessHours.date")}
              value={holiday.date}
              required
              onChange={(event) => setHoliday(i, { date: event.currentTarget.value })}
              error={errorFor(errors, `calendar.holidays.${i}.date`)}
            />
            <TextInput
              size="xs"
              label={t("admin.businessHours.holidayName")}
              value={holiday.name ?? ""}
              maxLength={100}
              onChange={(event) => setHoliday(i, { name: event.currentTarget.value })}
            />
            <TextInput
              size="xs"
              placeholder="00:00"
              maxLength={5}
              w={110}
              label={t("admin.businessHours.closedFrom")}
              value={holiday.closedFrom ?? ""}
              onChange={(event) => setHoliday(i, { closedFrom: event.currentTarget.value })}
              error={errorFor(errors, `calendar.holidays.${i}.closedFrom`)}
            />
            <TextInput
              size="xs"
              placeholder="24:00"
              maxLength={5}
              w={110}
              label={t("admin.businessHours.closedUntil")}
              value={holiday.closedUntil ?? ""}
              onChange={(event) => setHoliday(i, { closedUntil: event.currentTarget.value })}
              error={errorFor(errors, `calendar.holidays.${i}.closedUntil`)}
            />
            <ActionIcon
              variant="subtle"
              color="gray"
              mt={26}
              aria-label={t("admin.businessHours.removeHoliday")}
              onClick={() => setHolidays((current) => current.filter((_, j) => j !== i))}
            >
              <IconTrash size={14} />
            </ActionIcon>
          </Group>
        </Paper>
      ))}
      <Text size="xs" c="dimmed">
        {t("admin.businessHours.holidaysHelp")}
      </Text>
      <Group>
        <Button
          variant="light"
          size="xs"
          leftSection={<IconPlus size={14} />}
          disabled={holidays.length >= 400}
          onClick={() => setHolidays((current) => [...current, { date: "" }])}
        >
          {t("admin.businessHours.addHoliday")}
        </Button>
      </Group>
      {errors.calendar && (
        <Text c="red" size="sm" role="alert">
          {errors.calendar}
        </Text>
      )}
      <FormError error={save.error} errors={errors} fields={["calendar", ...fields]} />
      <Group>
        <SubmitRow label={t("settings.save")} pending={save.isPending} saved={save.isSuccess} />
        {calendar && (
          <Button
            variant="subtle"
            color="red"
            loading={clear.isPending}
            onClick={() => window.confirm(t("admin.businessHours.confirmClear")) && clear.mutate()}
          >
            {t("admin.businessHours.clear")}
          </Button>
        )}
      </Group>
      {clear.error && (
        <Text c="red" size="sm" role="alert">
          {describeError(clear.error, t)}
        </Text>
      )}
    </SettingsForm>
  );
}

/** The workspace's opening hours per weekday in its time zone, and its holidays (SLA clocks and web chat use them). */
export function BusinessHoursSettings() {
  const { t } = useTranslation();
  const query = useQuery({ queryKey: adminKeys.businessHours, queryFn: fetchBusinessHours });
  const workspace = useQuery({ queryKey: settingsKeys.workspace, queryFn: fetchWorkspace });
  return (
    <Section title={t("admin.businessHours.title")} description={t("admin.businessHours.description")}>
      <QueryState
        isPending={query.isPending || workspace.isPending}
        error={query.error ?? workspace.error}
        onRetry={() => void Promise.all([query.refetch(), workspace.refetch()])}
      >
        {query.data?.calendar === null && <Text size="sm">{t("admin.businessHours.alwaysOpen")}</Text>}
        {query.data && workspace.data && (
          <BusinessHoursForm calendar={query.data.calendar} workspaceZone={workspace.data.timezone} />
        )}
      </QueryState>
    </Section>
  );
}

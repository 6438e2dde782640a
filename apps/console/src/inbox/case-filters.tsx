import { Button, Indicator, Popover, Select, Stack, TextInput } from "@mantine/core";
import { IconFilter } from "@tabler/icons-react";
import { useTranslation } from "react-i18next";
import { casePriorities, caseStatuses, type Member } from "../api.ts";

/** What the user picked on top of the view; empty values mean "as the view says". */
export type UserFilters = {
  status: string | null;
  priority: string | null;
  assigneeId: string | null;
  tag: string;
};

export const noUserFilters: UserFilters = { status: null, priority: null, assigneeId: null, tag: "" };

/** How many filters differ from the defaults. */
export function countUserFilters(filters: UserFilters): number {
  return [filters.status, filters.priority, filters.assigneeId, filters.tag.trim() || null].filter((v) => v !== null)
    .length;
}

export function CaseFiltersPopover({
  value,
  onChange,
  members,
}: {
  value: UserFilters;
  onChange: (next: UserFilters) => void;
  members: Member[];
}) {
  const { t } = useTranslation();
  const count = countUserFilters(value);
  const inPopover = { comboboxProps: { withinPortal: false } };
  return (
    <Popover width={260} position="bottom-end" shadow="md" trapFocus>
      <Popover.Target>
        <Indicator label={count} size={16} disabled={count === 0} offset={4}>
          <Button variant="default" size="xs" leftSection={<IconFilter size={14} />}>
            {t("inbox.filters")}
          </Button>
        </Indicator>
      </Popover.Target>
      <Popover.Dropdown>
        <Stack gap="xs">
          <Select
            {...inPopover}
            label={t("case.status")}
            placeholder={t("inbox.any")}
            clearable
            size="xs"
            data={caseStatuses.map((status) => ({ value: status, label: t(`status.${status}`) }))}
            value={value.status}
            onChange={(status) => onChange({ ...value, status })}
          />
          <Select
            {...inPopover}
            label={t("case.priority")}
            placeholder={t("inbox.any")}
            clearable
            size="xs"
            data={casePriorities.map((priority) => ({ value: priority, label: t(`priority.${priority}`) }))}
            value={value.priority}
            onChange={(priority) => onChange({ ...value, priority })}
          />
          <Select
            {...inPopover}
            label={t("case.assignee")}
            placeholder={t("inbox.any")}
            clearable
            searchable
            size="xs"
            data={[
              { value: "me", label: t("inbox.assigneeMe") },
              { value: "none", label: t("inbox.assigneeNone") },
              ...members.map((member) => ({ value: member.id, label: member.name })),
            ]}
            value={value.assigneeId}
            onChange={(assigneeId) => onChange({ ...value, assigneeId })}
          />
          <TextInput
            label={t("case.tags")}
            placeholder={t("inbox.tagPlaceholder")}
            size="xs"
            value={value.tag}
            onChange={(event) => onChange({ ...value, tag: event.currentTarget.value })}
          />
          <Button variant="subtle" size="xs" disabled={count === 0} onClick={() => onChange(noUserFilters)}>
            {t("inbox.clearFilters")}
          </Button>
        </Stack>
      </Popover.Dropdown>
    </Popover>
  );
}

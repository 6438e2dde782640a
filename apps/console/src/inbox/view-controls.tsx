import { ActionIcon, Button, Group, Popover, Select, Stack, TextInput, Tooltip } from "@mantine/core";
import { IconDeviceFloppy, IconTrash } from "@tabler/icons-react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { type CaseFilters, type CaseSort, caseSorts } from "../api.ts";
import { describeError } from "../error-message.ts";
import { navigate } from "../router.ts";
import { createSavedView, deleteSavedView, inboxKeys } from "./inbox-api.ts";
import { inboxPath, savedViewKey } from "./views.ts";

/** The list's order; "default" is the view's own. */
export function SortSelect({ value, onChange }: { value: CaseSort; onChange: (sort: CaseSort) => void }) {
  const { t } = useTranslation();
  return (
    <Select
      size="xs"
      aria-label={t("inbox.sort")}
      allowDeselect={false}
      w={170}
      data={caseSorts.map((sort) => ({ value: sort, label: t(`inboxViews.sort.${sort}`) }))}
      value={value}
      onChange={(next) => {
        const sort = caseSorts.find((s) => s === next);
        if (sort) onChange(sort);
      }}
      data-testid="sort-select"
    />
  );
}

/** Saves the current filters and order as a view of the member's own, then opens it. */
export function SaveViewButton({ filters, sort }: { filters: CaseFilters; sort: CaseSort }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [opened, setOpened] = useState(false);
  const [name, setName] = useState("");
  const save = useMutation({
    mutationFn: () => {
      const { sort: _sort, ...rest } = filters;
      return createSavedView({ name: name.trim(), filters: rest, sort });
    },
    onSuccess: async (view) => {
      await queryClient.invalidateQueries({ queryKey: inboxKeys.savedViews });
      setOpened(false);
      setName("");
      navigate(inboxPath(savedViewKey(view.id)));
    },
  });
  return (
    <Popover opened={opened} onChange={setOpened} position="bottom-end" width={260} trapFocus shadow="md">
      <Popover.Target>
        <Tooltip label={t("inboxViews.saveView")}>
          <ActionIcon
            variant="default"
            size="md"
            aria-label={t("inboxViews.saveView")}
            onClick={() => setOpened((o) => !o)}
          >
            <IconDeviceFloppy size={16} />
          </ActionIcon>
        </Tooltip>
      </Popover.Target>
      <Popover.Dropdown>
        <form
          onSubmit={(event) => {
            event.preventDefault();
            if (name.trim()) save.mutate();
          }}
        >
          <Stack gap="xs">
            <TextInput
              size="xs"
              label={t("inboxViews.viewName")}
              description={t("inboxViews.saveViewHelp")}
              value={name}
              maxLength={60}
              onChange={(event) => setName(event.currentTarget.value)}
              error={save.error ? describeError(save.error, t) : undefined}
              data-autofocus
            />
            <Button size="xs" type="submit" disabled={!name.trim()} loading={save.isPending}>
              {t("inboxViews.save")}
            </Button>
          </Stack>
        </form>
      </Popover.Dropdown>
    </Popover>
  );
}

/** Deletes the saved view being shown, then goes back to "My cases". */
export function DeleteViewButton({ viewId, name }: { viewId: string; name: string }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [opened, setOpened] = useState(false);
  const remove = useMutation({
    mutationFn: () => deleteSavedView(viewId),
    onSuccess: async () => {
      navigate(inboxPath("mine"));
      await queryClient.invalidateQueries({ queryKey: inboxKeys.savedViews });
    },
  });
  return (
    <Popover opened={opened} onChange={setOpened} position="bottom-end" width={240} shadow="md">
      <Popover.Target>
        <Tooltip label={t("inboxViews.deleteView")}>
          <ActionIcon
            variant="default"
            size="md"
            color="red"
            aria-label={t("inboxViews.deleteView")}
            onClick={() => setOpened((o) => !o)}
          >
            <IconTrash size={16} />
          </ActionIcon>
        </Tooltip>
      </Popover.Target>
      <Popover.Dropdown>
        <Stack gap="xs">
          {t("inboxViews.deleteConfirm", { name })}
          {remove.error && describeError(remove.error, t)}
          <Group justify="flex-end" gap="xs">
            <Button size="xs" variant="default" onClick={() => setOpened(false)}>
              {t("inboxViews.cancel")}
            </Button>
            <Button size="xs" color="red" onClick={() => remove.mutate()} loading={remove.isPending}>
              {t("inboxViews.delete")}
            </Button>
          </Group>
        </Stack>
      </Popover.Dropdown>
    </Popover>
  );
}

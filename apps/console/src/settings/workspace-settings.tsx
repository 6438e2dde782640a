import { Select, Stack, TextInput } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { meQueryKey } from "../api.ts";
import { supportedLanguages } from "../i18n/index.ts";
import { errorFor, fieldErrors } from "./field-errors.ts";
import { fetchWorkspace, settingsKeys, updateWorkspace, type Workspace } from "./settings-api.ts";
import { FormError, QueryState, Section, SubmitRow } from "./settings-parts.tsx";

const timeZones = ["UTC", ...Intl.supportedValuesOf("timeZone").filter((zone) => zone !== "UTC")];
const fields = ["name", "defaultLocale", "timezone"] as const;

function WorkspaceForm({ workspace }: { workspace: Workspace }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [name, setName] = useState(workspace.name);
  const [defaultLocale, setLocale] = useState(workspace.defaultLocale);
  const [timezone, setTimezone] = useState(workspace.timezone);
  const [localError, setLocalError] = useState<string | null>(null);
  useEffect(() => {
    setName(workspace.name);
    setLocale(workspace.defaultLocale);
    setTimezone(workspace.timezone);
  }, [workspace]);

  const save = useMutation({
    mutationFn: updateWorkspace,
    onSuccess: (saved) => {
      queryClient.setQueryData(settingsKeys.workspace, saved);
      void queryClient.invalidateQueries({ queryKey: meQueryKey });
    },
  });
  const errors = fieldErrors(save.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!name.trim()) return setLocalError(t("settings.required"));
    setLocalError(null);
    save.mutate({ name: name.trim(), defaultLocale, timezone });
  };
  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="sm" maw={480}>
        <TextInput
          label={t("settings.workspace.name")}
          value={name}
          onChange={(event) => setName(event.currentTarget.value)}
          maxLength={200}
          required
          error={localError ?? errorFor(errors, "name")}
        />
        <Select
          label={t("settings.workspace.locale")}
          description={t("settings.workspace.localeHelp")}
          data={supportedLanguages.map((language) => ({ ...language }))}
          value={defaultLocale}
          onChange={(value) => value && setLocale(value)}
          allowDeselect={false}
          error={errorFor(errors, "defaultLocale")}
        />
        <Select
          label={t("settings.workspace.timezone")}
          description={t("settings.workspace.timezoneHelp")}
          data={timeZones}
          value={timezone}
          onChange={(value) => value && setTimezone(value)}
          searchable
          allowDeselect={false}
          limit={50}
          error={errorFor(errors, "timezone")}
        />
        <FormError error={save.error} errors={errors} fields={fields} />
        <SubmitRow label={t("settings.save")} pending={save.isPending} saved={save.isSuccess} />
      </Stack>
    </form>
  );
}

/** Workspace name, default language and time zone. */
export function WorkspaceSettings() {
  const { t } = useTranslation();
  const query = useQuery({ queryKey: settingsKeys.workspace, queryFn: fetchWorkspace });
  return (
    <Section title={t("settings.workspace.title")} description={t("settings.workspace.description")}>
      <QueryState isPending={query.isPending} error={query.error} onRetry={() => void query.refetch()}>
        {query.data && <WorkspaceForm workspace={query.data} />}
      </QueryState>
    </Section>
  );
}

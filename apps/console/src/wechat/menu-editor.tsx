import {
  ActionIcon,
  Alert,
  Box,
  Button,
  Group,
  Paper,
  Select,
  Stack,
  Switch,
  Table,
  Text,
  TextInput,
} from "@mantine/core";
import { IconPlus, IconTrash } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { ApiError } from "../api.ts";
import { describeError } from "../error-message.ts";
import { EmptyState, QueryState } from "../settings/settings-parts.tsx";
import {
  addConditionalMenu,
  deleteConditionalMenu,
  editableButtons,
  fetchMenu,
  fetchSyncedTags,
  issuesByPath,
  type MenuButton,
  type MenuButtonField,
  type MenuIssue,
  type MenuRules,
  publishMenu,
  retypeButton,
  validateMenu,
  wechatKeys,
} from "./wechat-api.ts";

/** The menu issues of an API refusal (`menu_invalid` carries them in details.issues). */
function issuesOf(error: unknown): MenuIssue[] {
  if (!(error instanceof ApiError)) return [];
  const details = error.body?.details as { issues?: MenuIssue[] } | undefined;
  return Array.isArray(details?.issues) ? details.issues : [];
}

const utf8 = new TextEncoder();
const NEW_BUTTON: MenuButton = { name: "", type: "click", key: "" };

/** A button's name input, with its size in UTF-8 bytes against WeChat's limit (a Chinese character is 3). */
function NameInput({
  value,
  maxBytes,
  error,
  testId,
  onChange,
}: {
  value: string;
  maxBytes: number;
  error: string | undefined;
  testId: string;
  onChange: (name: string) => void;
}) {
  const { t } = useTranslation();
  return (
    <TextInput
      label={t("wechat.menu.name")}
      description={t("wechat.menu.bytes", { n: utf8.encode(value).length, max: maxBytes })}
      value={value}
      error={error}
      onChange={(e) => onChange(e.currentTarget.value)}
      data-testid={testId}
    />
  );
}

/** One button's inputs: name, type and the fields its type needs; `path` is WeChat's path of the button. */
function ButtonFields({
  button,
  path,
  top,
  rules,
  issues,
  onChange,
}: {
  button: MenuButton;
  path: string;
  top: boolean;
  rules: MenuRules;
  issues: Record<string, string>;
  onChange: (next: MenuButton, editedPath: string) => void;
}) {
  const { t } = useTranslation();
  const type = button.type ?? "click";
  const fields = rules.buttonTypes.find((x) => x.type === type)?.fields ?? [];
  const label = (field: MenuButtonField) =>
    field === "url" && type === "miniprogram" ? t("wechat.menu.fields.fallbackUrl") : t(`wechat.menu.fields.${field}`);
  return (
    <Stack gap="xs">
      <Group align="flex-start" grow>
        <NameInput
          value={button.name}
          maxBytes={top ? rules.limits.topNameBytes : rules.limits.subNameBytes}
          error={issues[`${path}.name`]}
          testId={`${path}.name`}
          onChange={(name) => onChange({ ...button, name }, `${path}.name`)}
        />
        <Select
          label={t("wechat.menu.type")}
          description={t(`wechat.menu.typeHelp.${type}`, { defaultValue: "" })}
          data={rules.buttonTypes.map((x) => ({
            value: x.type,
            label: t(`wechat.menu.types.${x.type}`, { defaultValue: x.type }),
          }))}
          value={type}
          allowDeselect={false}
          error={issues[`${path}.type`]}
          onChange={(value) => onChange(retypeButton(button, value ?? "click", rules), `${path}.type`)}
          data-testid={`${path}.type`}
        />
      </Group>
      {fields.length > 0 && (
        <Group align="flex-start" grow>
          {fields.map((field) => (
            <TextInput
              key={field}
              label={label(field)}
              value={button[field] ?? ""}
              error={issues[`${path}.${field}`]}
              onChange={(e) => onChange({ ...button, [field]: e.currentTarget.value }, `${path}.${field}`)}
              data-testid={`${path}.${field}`}
            />
          ))}
        </Group>
      )}
    </Stack>
  );
}

/** The menu as a follower sees it at the bottom of the chat: the top buttons, each sub-menu above its button. */
function MenuPreview({ buttons }: { buttons: MenuButton[] }) {
  const { t } = useTranslation();
  return (
    <Box maw={360} aria-label={t("wechat.menu.preview")} role="figure" data-testid="menu-preview">
      <Text size="xs" c="dimmed" mb={4}>
        {t("wechat.menu.preview")}
      </Text>
      <Group gap={0} align="flex-end" wrap="nowrap">
        {buttons.map((button, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: buttons are positional, as in WeChat's menu
          <Stack key={i} gap={0} style={{ flex: 1, minWidth: 0 }}>
            {(button.sub_button ?? []).map((sub, j) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: sub-buttons are positional
              <Paper key={j} withBorder radius={0} px={6} py={4}>
                <Text size="xs" ta="center" truncate>
                  {sub.name || "…"}
                </Text>
              </Paper>
            ))}
            <Paper withBorder radius={0} px={6} py={8} bg="var(--mantine-color-gray-light)">
              <Text size="sm" ta="center" fw={500} truncate>
                {button.sub_button ? "≡ " : ""}
                {button.name || "…"}
              </Text>
            </Paper>
          </Stack>
        ))}
      </Group>
    </Box>
  );
}

/** The WeChat menu editor of one channel: every button type WeChat takes, checked by the API before publishing. */
export function MenuEditor({ channelId }: { channelId: string }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const menu = useQuery({ queryKey: wechatKeys.menu(channelId), queryFn: () => fetchMenu(channelId) });
  const tags = useQuery({ queryKey: wechatKeys.tags(channelId), queryFn: () => fetchSyncedTags(channelId) });
  const [draft, setDraft] = useState<MenuButton[] | null>(null);
  const [issues, setIssues] = useState<MenuIssue[]>([]);
  const [tag, setTag] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const buttons = draft ?? editableButtons(menu.data?.menu?.button ?? []);
  const byPath = issuesByPath(issues);
  /** Sets the draft; the issue of the input just edited is gone, the others stay until the next check. */
  const set = (next: MenuButton[], editedPath?: string) => {
    setDraft(next);
    setNotice(null);
    if (editedPath) setIssues((current) => current.filter((issue) => issue.path !== editedPath));
  };
  const onError = (error: unknown) => setIssues(issuesOf(error));
  const validate = useMutation({
    mutationFn: () => validateMenu(channelId, buttons),
    onSuccess: (result) => {
      setIssues(result.issues);
      setNotice(result.valid ? t("wechat.menu.valid") : null);
    },
    onError,
  });
  // The API checks the menu before it calls WeChat: a refused menu answers 400 with every issue by its path.
  const publish = useMutation({
    mutationFn: async (): Promise<unknown> =>
      tag ? addConditionalMenu(channelId, buttons, tag) : publishMenu(channelId, buttons),
    onSuccess: () => {
      setIssues([]);
      setNotice(t("wechat.menu.published"));
      void client.invalidateQueries({ queryKey: wechatKeys.menu(channelId) });
    },
    onError,
  });
  const remove = useMutation({
    mutationFn: (menuId: string) => deleteConditionalMenu(channelId, menuId),
    onSuccess: () => client.invalidateQueries({ queryKey: wechatKeys.menu(channelId) }),
  });
  const failure: Error | undefined = [validate.error, publish.error].find(
    (e): e is Error => e !== null && issuesOf(e).length === 0,
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    publish.mutate();
  };

  return (
    <QueryState isPending={menu.isPending} error={menu.error} onRetry={() => void menu.refetch()}>
      {menu.data && (
        <form onSubmit={submit} noValidate aria-label={t("wechat.menu.title")}>
          <MenuForm buttons={buttons} rules={menu.data.rules} issues={issues} byPath={byPath} set={set} />
          <Stack gap="sm" mt="sm">
            <Select
              label={t("wechat.menu.audience")}
              description={t("wechat.menu.audienceHelp")}
              placeholder={t("wechat.menu.everyone")}
              clearable
              data={(tags.data?.data ?? []).filter((x) => x.wechatTagId !== null).map((x) => x.tag)}
              value={tag}
              onChange={setTag}
              maw={320}
            />
            {failure && (
              <Alert color="red" role="alert">
                {describeError(failure, t)}
              </Alert>
            )}
            {notice && (
              <Alert color="green" role="status">
                {notice}
              </Alert>
            )}
            <Group>
              <Button variant="default" onClick={() => validate.mutate()} loading={validate.isPending}>
                {t("wechat.menu.validate")}
              </Button>
              <Button type="submit" loading={publish.isPending} disabled={buttons.length === 0}>
                {tag ? t("wechat.menu.publishConditional") : t("wechat.menu.publish")}
              </Button>
            </Group>
            {menu.data.conditionalMenus.length > 0 && (
              <Table>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t("wechat.menu.conditional")}</Table.Th>
                    <Table.Th>{t("wechat.menu.rule")}</Table.Th>
                    <Table.Th />
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {menu.data.conditionalMenus.map((c) => (
                    <Table.Tr key={c.menuId}>
                      <Table.Td>{c.button.map((b) => b.name).join(" · ")}</Table.Td>
                      <Table.Td>
                        <code>{JSON.stringify(c.matchrule)}</code>
                      </Table.Td>
                      <Table.Td>
                        <ActionIcon
                          variant="subtle"
                          color="red"
                          aria-label={t("wechat.menu.remove")}
                          onClick={() => remove.mutate(c.menuId)}
                        >
                          <IconTrash size={16} />
                        </ActionIcon>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
          </Stack>
        </form>
      )}
    </QueryState>
  );
}

/** The buttons of the draft: top-level buttons, each a leaf or a sub-menu, with the issues at their inputs. */
function MenuForm({
  buttons,
  rules,
  issues,
  byPath,
  set,
}: {
  buttons: MenuButton[];
  rules: MenuRules;
  issues: MenuIssue[];
  byPath: Record<string, string>;
  set: (next: MenuButton[], editedPath?: string) => void;
}) {
  const { t } = useTranslation();
  return (
    <Stack gap="sm">
      {buttons.length === 0 && <EmptyState>{t("wechat.menu.empty")}</EmptyState>}
      {issues.length > 0 && (
        <Alert color="red" role="alert" title={t("wechat.menu.invalid")} data-testid="menu-issues">
          <Stack gap={2}>
            {issues.map((issue) => (
              <Text key={`${issue.path}:${issue.message}`} size="sm">
                <code>{issue.path}</code> — {issue.message}
              </Text>
            ))}
          </Stack>
        </Alert>
      )}
      {buttons.map((button, i) => {
        const path = `button[${i}]`;
        const subs = button.sub_button;
        const update = (next: MenuButton, editedPath?: string) =>
          set(
            buttons.map((b, k) => (k === i ? next : b)),
            editedPath,
          );
        return (
          // biome-ignore lint/suspicious/noArrayIndexKey: buttons are positional, as in WeChat's menu
          <Paper key={i} withBorder p="sm" data-testid={`menu-button-${i}`}>
            <Stack gap="xs">
              <Group justify="space-between">
                <Text fw={600} size="sm">
                  {t("wechat.menu.button", { n: i + 1 })}
                </Text>
                <Group gap="xs">
                  <Switch
                    label={t("wechat.menu.submenu")}
                    checked={subs !== undefined}
                    onChange={(e) =>
                      update(
                        e.currentTarget.checked
                          ? { name: button.name, sub_button: [{ ...NEW_BUTTON }] }
                          : { ...NEW_BUTTON, name: button.name },
                      )
                    }
                    data-testid={`${path}.submenu`}
                  />
                  <ActionIcon
                    variant="subtle"
                    color="red"
                    aria-label={t("wechat.menu.remove")}
                    onClick={() => set(buttons.filter((_, k) => k !== i))}
                  >
                    <IconTrash size={16} />
                  </ActionIcon>
                </Group>
              </Group>
              {subs === undefined ? (
                <ButtonFields button={button} path={path} top rules={rules} issues={byPath} onChange={update} />
              ) : (
                <Stack gap="xs" pl="md">
                  <NameInput
                    value={button.name}
                    maxBytes={rules.limits.topNameBytes}
                    error={byPath[`${path}.name`]}
                    testId={`${path}.name`}
                    onChange={(name) => update({ ...button, name }, `${path}.name`)}
                  />
                  {byPath[`${path}.sub_button`] && (
                    <Text c="red" size="sm">
                      {byPath[`${path}.sub_button`]}
                    </Text>
                  )}
                  {subs.map((sub, j) => (
                    // biome-ignore lint/suspicious/noArrayIndexKey: sub-buttons are positional
                    <Group key={j} align="flex-end" wrap="nowrap">
                      <Paper withBorder p="xs" style={{ flex: 1 }} data-testid={`menu-button-${i}-${j}`}>
                        <ButtonFields
                          button={sub}
                          path={`${path}.sub_button[${j}]`}
                          top={false}
                          rules={rules}
                          issues={byPath}
                          onChange={(next, editedPath) =>
                            update({ ...button, sub_button: subs.map((s, k) => (k === j ? next : s)) }, editedPath)
                          }
                        />
                      </Paper>
                      <ActionIcon
                        variant="subtle"
                        color="red"
                        mb={4}
                        aria-label={t("wechat.menu.remove")}
                        onClick={() => update({ ...button, sub_button: subs.filter((_, k) => k !== j) })}
                      >
                        <IconTrash size={16} />
                      </ActionIcon>
                    </Group>
                  ))}
                  <Button
                    variant="subtle"
                    size="xs"
                    leftSection={<IconPlus size={14} />}
                    disabled={subs.length >= rules.limits.subButtons}
                    onClick={() => update({ ...button, sub_button: [...subs, { ...NEW_BUTTON }] })}
                    w="fit-content"
                  >
                    {t("wechat.menu.addSub")}
                  </Button>
                </Stack>
              )}
            </Stack>
          </Paper>
        );
      })}
      <Group>
        <Button
          variant="default"
          leftSection={<IconPlus size={14} />}
          disabled={buttons.length >= rules.limits.topButtons}
          onClick={() => set([...buttons, { ...NEW_BUTTON }])}
        >
          {t("wechat.menu.add")}
        </Button>
      </Group>
      {buttons.length > 0 && <MenuPreview buttons={buttons} />}
    </Stack>
  );
}

import {
  ActionIcon,
  Alert,
  Badge,
  Button,
  Group,
  Image,
  NumberInput,
  Paper,
  Select,
  Stack,
  Switch,
  Table,
  Tabs,
  Text,
  TextInput,
} from "@mantine/core";
import { IconPlus, IconTrash } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { ApiError, fetchMembers } from "../api.ts";
import { describeError } from "../error-message.ts";
import { fetchChannels, settingsKeys } from "../settings/settings-api.ts";
import { EmptyState, QueryState, Section } from "../settings/settings-parts.tsx";
import {
  addConditionalMenu,
  createQrCode,
  deleteConditionalMenu,
  fetchKfAccounts,
  fetchMenu,
  fetchQrCodes,
  fetchSyncedTags,
  fetchTemplates,
  issuesByPath,
  type MenuButton,
  type MenuIssue,
  mapKfAccount,
  menuButtonTypes,
  publishMenu,
  sendTemplateTest,
  syncTemplates,
  validateMenu,
  wechatKeys,
} from "./wechat-api.ts";

/** The menu issues of an API refusal (`menu_invalid` carries them in details.issues). */
function issuesOf(error: unknown): MenuIssue[] {
  if (!(error instanceof ApiError)) return [];
  const details = error.body?.details as { issues?: MenuIssue[] } | undefined;
  return Array.isArray(details?.issues) ? details.issues : [];
}

/** One button's inputs: name, type and the field its type needs; `path` is WeChat's path of the button. */
function ButtonFields({
  button,
  path,
  issues,
  onChange,
}: {
  button: MenuButton;
  path: string;
  issues: Record<string, string>;
  onChange: (next: MenuButton) => void;
}) {
  const { t } = useTranslation();
  const type = button.type ?? "click";
  return (
    <Group align="flex-start" grow>
      <TextInput
        label={t("wechat.menu.name")}
        value={button.name}
        error={issues[`${path}.name`]}
        onChange={(e) => onChange({ ...button, name: e.currentTarget.value })}
        data-testid={`${path}.name`}
      />
      <Select
        label={t("wechat.menu.type")}
        data={menuButtonTypes.map((value) => ({ value, label: t(`wechat.menu.types.${value}`) }))}
        value={type}
        allowDeselect={false}
        error={issues[`${path}.type`]}
        onChange={(value) => onChange({ name: button.name, type: value ?? "click" })}
        data-testid={`${path}.type`}
      />
      {type === "click" && (
        <TextInput
          label={t("wechat.menu.key")}
          value={button.key ?? ""}
          error={issues[`${path}.key`]}
          onChange={(e) => onChange({ ...button, key: e.currentTarget.value })}
          data-testid={`${path}.key`}
        />
      )}
      {(type === "view" || type === "miniprogram") && (
        <TextInput
          label={type === "view" ? t("wechat.menu.url") : t("wechat.menu.fallbackUrl")}
          value={button.url ?? ""}
          error={issues[`${path}.url`]}
          onChange={(e) => onChange({ ...button, url: e.currentTarget.value })}
          data-testid={`${path}.url`}
        />
      )}
      {type === "miniprogram" && (
        <>
          <TextInput
            label={t("wechat.menu.appid")}
            value={button.appid ?? ""}
            error={issues[`${path}.appid`]}
            onChange={(e) => onChange({ ...button, appid: e.currentTarget.value })}
          />
          <TextInput
            label={t("wechat.menu.pagepath")}
            value={button.pagepath ?? ""}
            error={issues[`${path}.pagepath`]}
            onChange={(e) => onChange({ ...button, pagepath: e.currentTarget.value })}
          />
        </>
      )}
    </Group>
  );
}

function MenuEditor({ channelId }: { channelId: string }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const menu = useQuery({ queryKey: wechatKeys.menu(channelId), queryFn: () => fetchMenu(channelId) });
  const tags = useQuery({ queryKey: wechatKeys.tags(channelId), queryFn: () => fetchSyncedTags(channelId) });
  const [draft, setDraft] = useState<MenuButton[] | null>(null);
  const [issues, setIssues] = useState<MenuIssue[]>([]);
  const [tag, setTag] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const buttons = draft ?? menu.data?.menu?.button ?? [];
  const byPath = issuesByPath(issues);
  const set = (next: MenuButton[]) => {
    setDraft(next);
    setNotice(null);
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
      <form onSubmit={submit} noValidate aria-label={t("wechat.menu.title")}>
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
            const update = (next: MenuButton) => set(buttons.map((b, k) => (k === i ? next : b)));
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
                              ? { name: button.name, sub_button: [{ name: "", type: "click", key: "" }] }
                              : { name: button.name, type: "click", key: "" },
                          )
                        }
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
                    <ButtonFields button={button} path={path} issues={byPath} onChange={update} />
                  ) : (
                    <Stack gap="xs" pl="md">
                      <TextInput
                        label={t("wechat.menu.name")}
                        value={button.name}
                        error={byPath[`${path}.name`]}
                        onChange={(e) => update({ ...button, name: e.currentTarget.value })}
                        data-testid={`${path}.name`}
                      />
                      {byPath[`${path}.sub_button`] && (
                        <Text c="red" size="sm">
                          {byPath[`${path}.sub_button`]}
                        </Text>
                      )}
                      {subs.map((sub, j) => (
                        // biome-ignore lint/suspicious/noArrayIndexKey: sub-buttons are positional
                        <Group key={j} align="flex-end" wrap="nowrap">
                          <div style={{ flex: 1 }}>
                            <ButtonFields
                              button={sub}
                              path={`${path}.sub_button[${j}]`}
                              issues={byPath}
                              onChange={(next) =>
                                update({ ...button, sub_button: subs.map((s, k) => (k === j ? next : s)) })
                              }
                            />
                          </div>
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
                        disabled={subs.length >= 5}
                        onClick={() =>
                          update({ ...button, sub_button: [...subs, { name: "", type: "click", key: "" }] })
                        }
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
              disabled={buttons.length >= 3}
              onClick={() => set([...buttons, { name: "", type: "click", key: "" }])}
            >
              {t("wechat.menu.add")}
            </Button>
          </Group>
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
          {(menu.data?.conditionalMenus.length ?? 0) > 0 && (
            <Table>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t("wechat.menu.conditional")}</Table.Th>
                  <Table.Th>{t("wechat.menu.rule")}</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {menu.data?.conditionalMenus.map((c) => (
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
    </QueryState>
  );
}

function KfAccounts({ channelId }: { channelId: string }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const kf = useQuery({ queryKey: wechatKeys.kf(channelId), queryFn: () => fetchKfAccounts(channelId) });
  const members = useQuery({ queryKey: ["members"], queryFn: fetchMembers });
  const map = useMutation({
    mutationFn: (input: { kfAccount: string; userId: string | null }) =>
      mapKfAccount(channelId, input.kfAccount, input.userId),
    onSuccess: () => client.invalidateQueries({ queryKey: wechatKeys.kf(channelId) }),
  });
  const agents = (members.data?.data ?? []).map((m) => ({ value: m.id, label: m.name || m.email }));
  return (
    <QueryState isPending={kf.isPending} error={kf.error} onRetry={() => void kf.refetch()}>
      {map.error && (
        <Alert color="red" role="alert" mb="sm">
          {describeError(map.error, t)}
        </Alert>
      )}
      {(kf.data?.data.length ?? 0) === 0 ? (
        <EmptyState>{t("wechat.kf.empty")}</EmptyState>
      ) : (
        <Table>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("wechat.kf.account")}</Table.Th>
              <Table.Th>{t("wechat.kf.nickname")}</Table.Th>
              <Table.Th>{t("wechat.kf.agent")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {kf.data?.data.map((k) => (
              <Table.Tr key={k.kfAccount}>
                <Table.Td>{k.kfAccount}</Table.Td>
                <Table.Td>{k.nickname}</Table.Td>
                <Table.Td>
                  <Select
                    aria-label={t("wechat.kf.agent")}
                    placeholder={t("wechat.kf.unmapped")}
                    data={agents}
                    value={k.userId}
                    clearable
                    onChange={(userId) => map.mutate({ kfAccount: k.kfAccount, userId })}
                  />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </QueryState>
  );
}

function Templates({ channelId }: { channelId: string }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const list = useQuery({ queryKey: wechatKeys.templates(channelId), queryFn: () => fetchTemplates(channelId) });
  const sync = useMutation({
    mutationFn: () => syncTemplates(channelId),
    onSuccess: () => client.invalidateQueries({ queryKey: wechatKeys.templates(channelId) }),
  });
  const [templateId, setTemplateId] = useState<string | null>(null);
  const [openId, setOpenId] = useState("");
  const [values, setValues] = useState<Record<string, string>>({});
  const chosen = list.data?.data.find((x) => x.templateId === templateId);
  const send = useMutation({
    mutationFn: () =>
      sendTemplateTest(channelId, {
        openId: openId.trim(),
        templateId: templateId ?? "",
        data: Object.fromEntries((chosen?.variables ?? []).map((v) => [v, values[v] ?? ""])),
      }),
  });
  return (
    <QueryState isPending={list.isPending} error={list.error} onRetry={() => void list.refetch()}>
      <Stack gap="sm">
        <Group>
          <Button variant="default" onClick={() => sync.mutate()} loading={sync.isPending}>
            {t("wechat.templates.sync")}
          </Button>
        </Group>
        {sync.error && <Alert color="red">{describeError(sync.error, t)}</Alert>}
        {(list.data?.data.length ?? 0) === 0 ? (
          <EmptyState>{t("wechat.templates.empty")}</EmptyState>
        ) : (
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("wechat.templates.name")}</Table.Th>
                <Table.Th>{t("wechat.templates.variables")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.data?.data.map((x) => (
                <Table.Tr key={x.templateId}>
                  <Table.Td>{x.title}</Table.Td>
                  <Table.Td>{x.variables.join(", ")}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
        <form
          aria-label={t("wechat.templates.test")}
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            send.mutate();
          }}
        >
          <Stack gap="xs" maw={480}>
            <Text fw={600} size="sm">
              {t("wechat.templates.test")}
            </Text>
            <Select
              label={t("wechat.templates.template")}
              data={(list.data?.data ?? []).map((x) => ({ value: x.templateId, label: x.title }))}
              value={templateId}
              onChange={setTemplateId}
            />
            <TextInput
              label={t("wechat.templates.openId")}
              value={openId}
              onChange={(e) => setOpenId(e.currentTarget.value)}
            />
            {chosen?.variables.map((v) => (
              <TextInput
                key={v}
                label={v}
                value={values[v] ?? ""}
                onChange={(e) => setValues({ ...values, [v]: e.currentTarget.value })}
              />
            ))}
            {send.error && <Alert color="red">{describeError(send.error, t)}</Alert>}
            {send.isSuccess && <Alert color="green">{t("wechat.templates.sent")}</Alert>}
            <Button type="submit" w="fit-content" loading={send.isPending} disabled={!templateId || !openId.trim()}>
              {t("wechat.templates.send")}
            </Button>
          </Stack>
        </form>
      </Stack>
    </QueryState>
  );
}

function QrCodes({ channelId }: { channelId: string }) {
  const { t, i18n } = useTranslation();
  const client = useQueryClient();
  const list = useQuery({ queryKey: wechatKeys.qrCodes(channelId), queryFn: () => fetchQrCodes(channelId) });
  const [name, setName] = useState("");
  const [campaign, setCampaign] = useState("");
  const [permanent, setPermanent] = useState(false);
  const [scene, setScene] = useState("");
  const [days, setDays] = useState<number | string>(30);
  const create = useMutation({
    mutationFn: () => {
      const numeric = /^\d+$/.test(scene.trim());
      return createQrCode(channelId, {
        name: name.trim(),
        ...(campaign.trim() ? { campaign: campaign.trim() } : {}),
        permanent,
        ...(numeric ? { sceneId: Number(scene.trim()) } : { sceneStr: scene.trim() }),
        ...(permanent ? {} : { expireSeconds: Math.round(Number(days) * 86_400) }),
      });
    },
    onSuccess: () => {
      setName("");
      setScene("");
      void client.invalidateQueries({ queryKey: wechatKeys.qrCodes(channelId) });
    },
  });
  const field = (f: string) => {
    const details = create.error instanceof ApiError ? (create.error.body?.details as { field?: string }) : undefined;
    return details?.field === f ? create.error?.message : undefined;
  };
  return (
    <Stack gap="md">
      <form
        aria-label={t("wechat.qr.create")}
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate();
        }}
      >
        <Stack gap="xs" maw={480}>
          <TextInput
            label={t("wechat.qr.name")}
            required
            value={name}
            error={field("name")}
            onChange={(e) => setName(e.currentTarget.value)}
          />
          <TextInput
            label={t("wechat.qr.campaign")}
            value={campaign}
            onChange={(e) => setCampaign(e.currentTarget.value)}
          />
          <TextInput
            label={t("wechat.qr.scene")}
            description={t("wechat.qr.sceneHelp")}
            required
            value={scene}
            error={field("sceneId") ?? field("sceneStr")}
            onChange={(e) => setScene(e.currentTarget.value)}
          />
          <Switch
            label={t("wechat.qr.permanent")}
            checked={permanent}
            onChange={(e) => setPermanent(e.currentTarget.checked)}
          />
          {!permanent && (
            <NumberInput
              label={t("wechat.qr.days")}
              min={1}
              max={30}
              value={days}
              error={field("expireSeconds")}
              onChange={setDays}
            />
          )}
          {create.error && !field("name") && !field("sceneId") && !field("sceneStr") && !field("expireSeconds") && (
            <Alert color="red" role="alert">
              {describeError(create.error, t)}
            </Alert>
          )}
          <Button type="submit" w="fit-content" loading={create.isPending} disabled={!name.trim() || !scene.trim()}>
            {t("wechat.qr.create")}
          </Button>
        </Stack>
      </form>
      <QueryState isPending={list.isPending} error={list.error} onRetry={() => void list.refetch()}>
        {(list.data?.data.length ?? 0) === 0 ? (
          <EmptyState>{t("wechat.qr.empty")}</EmptyState>
        ) : (
          <Table data-testid="qr-codes">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("wechat.qr.image")}</Table.Th>
                <Table.Th>{t("wechat.qr.name")}</Table.Th>
                <Table.Th>{t("wechat.qr.scene")}</Table.Th>
                <Table.Th>{t("wechat.qr.scans")}</Table.Th>
                <Table.Th>{t("wechat.qr.newFollowers")}</Table.Th>
                <Table.Th>{t("wechat.qr.expires")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.data?.data.map((q) => (
                <Table.Tr key={q.id}>
                  <Table.Td>
                    <a href={q.imagePath} download={`${q.name}.png`}>
                      <Image
                        src={q.imagePath}
                        alt={t("wechat.qr.imageOf", { name: q.name })}
                        w={64}
                        h={64}
                        data-testid="qr-image"
                      />
                    </a>
                  </Table.Td>
                  <Table.Td>
                    {q.name}
                    {q.campaign && (
                      <Badge ml="xs" variant="light" size="xs">
                        {q.campaign}
                      </Badge>
                    )}
                  </Table.Td>
                  <Table.Td>{q.scene}</Table.Td>
                  <Table.Td>{q.scans}</Table.Td>
                  <Table.Td>{q.newFollowers}</Table.Td>
                  <Table.Td>
                    {q.permanent
                      ? t("wechat.qr.never")
                      : q.expiresAt
                        ? new Date(q.expiresAt).toLocaleString(i18n.language)
                        : ""}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </QueryState>
    </Stack>
  );
}

/** The WeChat Official Account pages: menus, kf accounts, template messages, QR codes, per WeChat channel. */
export function WechatSettings() {
  const { t } = useTranslation();
  const channels = useQuery({ queryKey: settingsKeys.channels, queryFn: fetchChannels });
  const wechat = (channels.data?.data ?? []).filter((c) => c.type === "wechat");
  const [picked, setPicked] = useState<string | null>(null);
  const channelId = picked ?? wechat[0]?.id ?? null;
  return (
    <Section title={t("wechat.title")} description={t("wechat.description")}>
      <QueryState isPending={channels.isPending} error={channels.error} onRetry={() => void channels.refetch()}>
        {!channelId ? (
          <EmptyState>{t("wechat.noChannel")}</EmptyState>
        ) : (
          <Stack gap="md">
            {wechat.length > 1 && (
              <Select
                label={t("wechat.channel")}
                data={wechat.map((c) => ({ value: c.id, label: c.name }))}
                value={channelId}
                onChange={setPicked}
                allowDeselect={false}
                maw={320}
              />
            )}
            <Tabs defaultValue="menu" keepMounted={false}>
              <Tabs.List>
                <Tabs.Tab value="menu">{t("wechat.tabs.menu")}</Tabs.Tab>
                <Tabs.Tab value="kf">{t("wechat.tabs.kf")}</Tabs.Tab>
                <Tabs.Tab value="templates">{t("wechat.tabs.templates")}</Tabs.Tab>
                <Tabs.Tab value="qr">{t("wechat.tabs.qr")}</Tabs.Tab>
              </Tabs.List>
              <Tabs.Panel value="menu" pt="md">
                <MenuEditor key={channelId} channelId={channelId} />
              </Tabs.Panel>
              <Tabs.Panel value="kf" pt="md">
                <KfAccounts channelId={channelId} />
              </Tabs.Panel>
              <Tabs.Panel value="templates" pt="md">
                <Templates channelId={channelId} />
              </Tabs.Panel>
              <Tabs.Panel value="qr" pt="md">
                <QrCodes channelId={channelId} />
              </Tabs.Panel>
            </Tabs>
          </Stack>
        )}
      </QueryState>
    </Section>
  );
}

import {
  Alert,
  Badge,
  Button,
  Group,
  Image,
  NumberInput,
  Select,
  Stack,
  Switch,
  Table,
  Tabs,
  Text,
  TextInput,
} from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { ApiError, fetchMembers } from "../api.ts";
import { describeError } from "../error-message.ts";
import { fetchChannels, settingsKeys } from "../settings/settings-api.ts";
import { EmptyState, QueryState, Section } from "../settings/settings-parts.tsx";
import { MenuEditor } from "./menu-editor.tsx";
import {
  createQrCode,
  fetchKfAccounts,
  fetchQrCodes,
  fetchTemplates,
  mapKfAccount,
  sendTemplateTest,
  syncTemplates,
  wechatKeys,
} from "./wechat-api.ts";

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

import { Alert, Button, Modal, Select, Stack, Text, TextInput } from "@mantine/core";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { describeError } from "../error-message.ts";
import { type Conversation, fetchWechatTemplates, sendWechatTemplate, workspaceKeys } from "./workspace-api.ts";

/** The alternative after a WeChat window closes: one of the account's synced template messages, filled in. */
export function WechatTemplateForm({
  conversation,
  opened,
  onClose,
  onSent,
}: {
  conversation: Conversation;
  opened: boolean;
  onClose: () => void;
  onSent: () => void;
}) {
  const { t } = useTranslation();
  const templates = useQuery({
    queryKey: workspaceKeys.templates(conversation.channelId),
    queryFn: () => fetchWechatTemplates(conversation.channelId),
    enabled: opened,
  });
  const [templateId, setTemplateId] = useState<string | null>(null);
  const [data, setData] = useState<Record<string, string>>({});
  const template = templates.data?.find((x) => x.templateId === templateId);
  const send = useMutation({
    mutationFn: () =>
      sendWechatTemplate(conversation.channelId, {
        openId: conversation.externalThreadId,
        templateId: templateId as string,
        data: Object.fromEntries((template?.variables ?? []).map((v) => [v, data[v] ?? ""])),
      }),
    onSuccess: () => {
      onSent();
      onClose();
    },
  });
  return (
    <Modal opened={opened} onClose={onClose} title={t("workspace.template.title")}>
      <Stack gap="sm">
        {templates.isError && <Alert color="red">{describeError(templates.error, t)}</Alert>}
        {templates.data?.length === 0 && <Text size="sm">{t("workspace.template.none")}</Text>}
        <Select
          label={t("workspace.template.choose")}
          data={(templates.data ?? []).map((x) => ({ value: x.templateId, label: x.title }))}
          value={templateId}
          onChange={setTemplateId}
        />
        {template?.variables.map((variable) => (
          <TextInput
            key={variable}
            label={variable}
            value={data[variable] ?? ""}
            onChange={(event) => {
              const value = event.currentTarget.value;
              setData((old) => ({ ...old, [variable]: value }));
            }}
          />
        ))}
        {send.isError && (
          <Alert color="red" title={t("workspace.template.failed")} role="alert">
            {describeError(send.error, t)}
          </Alert>
        )}
        <Button onClick={() => send.mutate()} disabled={!template} loading={send.isPending}>
          {t("workspace.template.send")}
        </Button>
      </Stack>
    </Modal>
  );
}

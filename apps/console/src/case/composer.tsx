import {
  ActionIcon,
  Alert,
  Button,
  FileButton,
  Group,
  Menu,
  Paper,
  Pill,
  Select,
  Stack,
  Switch,
  Text,
  Textarea,
  Tooltip,
  UnstyledButton,
} from "@mantine/core";
import { getHotkeyHandler, useDisclosure } from "@mantine/hooks";
import {
  IconBolt,
  IconChevronDown,
  IconClockOff,
  IconLock,
  IconPaperclip,
  IconSend,
  IconTemplate,
  IconWand,
} from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type KeyboardEvent, type Ref, useImperativeHandle, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import {
  ApiError,
  type Case,
  type CaseStatus,
  caseKeys,
  errorReason,
  fetchAllMessages,
  type Member,
  type Message,
  type Session,
  updateCase,
} from "../api.ts";
import { describeError } from "../error-message.ts";
import { formatRelative, useLanguage } from "../format.ts";
import { AiSuggestions } from "./ai-suggestions.tsx";
import { matchMembers, mentionHandle, replaceToken, type Token, tokenAt } from "./composer-tokens.ts";
import { EmojiPicker } from "./emoji-picker.tsx";
import { QuickReplyMenu, useQuickReplySearch } from "./quick-reply-menu.tsx";
import { replyWindowState, WindowCountdown } from "./reply-window.tsx";
import { WechatTemplateForm } from "./template-form.tsx";
import { useConversations } from "./thread.tsx";
import {
  type Attachment,
  applyMacro,
  type Conversation,
  fetchChannels,
  fetchMacros,
  type QuickReply,
  type ReplyInput,
  renderQuickReply,
  sendReply,
  type ThreadMessage,
  uploadAttachment,
  workspaceKeys,
} from "./workspace-api.ts";

/** Lets the inbox's shortcuts (r, n) put the cursor in the composer. */
export type ComposerHandle = { focus: (mode: "reply" | "note") => void };

const afterSendStatuses: CaseStatus[] = ["pending", "on-hold", "solved"];

function closedAtOf(error: unknown): string | null {
  if (!(error instanceof ApiError)) return null;
  const details = error.body?.details as { closedAt?: unknown } | undefined;
  return typeof details?.closedAt === "string" ? details.closedAt : null;
}

/** The content a sent attachment takes: images as images, the rest as files. */
function attachmentContent(file: Attachment): NonNullable<ReplyInput["content"]> {
  const kind = file.contentType.startsWith("image/") ? "image" : "file";
  return { type: kind, attachmentId: file.id, ...(kind === "file" ? { name: file.fileName ?? file.id } : {}) };
}

/** Channel names for the channel picker (any member may read the channel list). */
function useChannelNames(): Map<string, string> {
  const query = useQuery({ queryKey: workspaceKeys.channels, queryFn: fetchChannels, staleTime: 5 * 60_000 });
  return useMemo(() => new Map((query.data?.data ?? []).map((c) => [c.id, c.name])), [query.data]);
}

type ComposerProps = { item: Case; now: number; members: Member[]; session: Session; ref: Ref<ComposerHandle> };

/**
 * Reply or internal-note box: quick replies on `/`, @mentions in notes, emoji, attachments, macros, the channel
 * to answer on, "send and set status", and the reply window's countdown; a public reply is refused up front when
 * the chosen channel's window has closed, with the alternatives (another channel, a WeChat template, a note).
 */
export function Composer({ item, now, members, session, ref }: ComposerProps) {
  const { t } = useTranslation();
  const language = useLanguage();
  const queryClient = useQueryClient();
  const textarea = useRef<HTMLTextAreaElement>(null);
  const [text, setText] = useState("");
  const [caret, setCaret] = useState(0);
  const [isNote, setIsNote] = useState(false);
  const [active, setActive] = useState(0);
  const [dismissed, setDismissed] = useState<number | null>(null);
  const [files, setFiles] = useState<Attachment[]>([]);
  const [channelId, setChannelId] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [statusError, setStatusError] = useState<unknown>(null);
  const [templateOpen, template] = useDisclosure(false);
  const conversations = useConversations(item.id);
  const channelNames = useChannelNames();
  const macros = useQuery({ queryKey: workspaceKeys.macros, queryFn: fetchMacros, staleTime: 60_000 });
  // The thread's messages (same query as the thread): my replies still waiting for a supervisor's approval.
  const thread = useQuery({ queryKey: caseKeys.messages(item.id), queryFn: () => fetchAllMessages(item.id) });
  const myPending = (thread.data ?? []).filter(
    (m) => (m.status as string) === "pending_approval" && m.authorType === "user" && m.authorId === session.user.id,
  ).length;

  // One entry per channel the case spans (the first is where the customer wrote last: the default), then the
  // contact's threads on other channels: a reply there moves the thread into this case, unless another case
  // still being worked on holds it (shown, not choosable).
  const channels = useMemo(() => {
    const seen = new Map<string, Conversation>();
    for (const c of conversations) if (!seen.has(c.channelId)) seen.set(c.channelId, c);
    return [...seen.values()];
  }, [conversations]);
  const busy = (c: Conversation) => c.case !== undefined && c.case.status !== "solved" && c.case.status !== "closed";
  const conversation = channels.find((c) => c.channelId === channelId && !busy(c)) ?? channels[0];
  const channelName = (c: Conversation) =>
    channelNames.get(c.channelId) ?? t(`channelTypes.${c.channelType}`, { defaultValue: c.channelType });
  const channelLabel = (c: Conversation) =>
    c.case
      ? t(busy(c) ? "workspace.composer.busyThread" : "workspace.composer.otherThread", {
          channel: channelName(c),
          number: c.case.number,
        })
      : channelName(c);

  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: caseKeys.messages(item.id) });
    void queryClient.invalidateQueries({ queryKey: caseKeys.detail(item.id) });
    void queryClient.invalidateQueries({ queryKey: caseKeys.events(item.id) });
    void queryClient.invalidateQueries({ queryKey: caseKeys.lists() });
    void queryClient.invalidateQueries({ queryKey: workspaceKeys.conversations(item.id) });
  };

  const send = useMutation({
    mutationFn: async (input: { status?: CaseStatus }) => {
      const target = conversation && channels.length > 1 ? { channelId: conversation.channelId } : {};
      const sent: ThreadMessage[] = [];
      if (text.trim()) {
        sent.push(await sendReply(item.id, isNote ? { text, private: true } : { text, ...target }));
      }
      for (const file of files) {
        sent.push(
          await sendReply(item.id, {
            content: attachmentContent(file),
            ...(isNote ? { private: true as const } : target),
          }),
        );
      }
      // The replies are out even when the status change is refused (e.g. 409 checklist_incomplete): say so apart.
      let statusError: unknown = null;
      if (input.status)
        await updateCase(item.id, { status: input.status }).catch((error: unknown) => {
          statusError = error;
        });
      return { sent, statusError };
    },
    onSuccess: ({ sent, statusError }) => {
      setText("");
      setFiles([]);
      setStatusError(statusError);
      setNotice(null);
      queryClient.setQueryData<Message[]>(caseKeys.messages(item.id), (old) =>
        old ? [...old, ...sent.filter((m) => !old.some((existing) => existing.id === m.id))] : old,
      );
    },
    onSettled: refresh,
  });

  const upload = useMutation({
    mutationFn: (picked: File[]) => Promise.all(picked.map((file) => uploadAttachment(item.id, file))),
    onSuccess: (uploaded) => setFiles((old) => [...old, ...uploaded]),
  });

  const macro = useMutation({
    mutationFn: (id: string) => applyMacro(item.id, id),
    onSuccess: (_result, id) => {
      const name = macros.data?.data.find((m) => m.id === id)?.name ?? "";
      setNotice(t("workspace.composer.macroApplied", { name }));
      refresh();
    },
  });

  useImperativeHandle(ref, () => ({
    focus: (mode) => {
      setIsNote(mode === "note");
      send.reset();
      textarea.current?.focus();
    },
  }));

  const token: Token | null = dismissed === caret ? null : tokenAt(text, caret, isNote);
  const slashQuery = token?.kind === "slash" ? token.query : "";
  const quickReplies = useQuickReplySearch(slashQuery, token?.kind === "slash");
  const mentionOptions = token?.kind === "mention" ? matchMembers(members, token.query) : [];

  const closesAt = conversation ? conversation.replyWindowClosesAt : item.replyWindowClosesAt;
  const refusedForWindow = errorReason(send.error) === "reply_window_closed";
  const windowClosed = replyWindowState(closesAt, now).kind === "closed";
  const showWindowClosed = !isNote && (windowClosed || refusedForWindow);
  const closedAt = closedAtOf(send.error) ?? closesAt;
  const otherOpen = channels.filter(
    (c) =>
      c.channelId !== conversation?.channelId &&
      !busy(c) &&
      replyWindowState(c.replyWindowClosesAt, now).kind !== "closed",
  );
  const canSend =
    (text.trim().length > 0 || files.length > 0) && !showWindowClosed && !send.isPending && !upload.isPending;

  const setValue = (value: string, nextCaret: number) => {
    setText(value);
    setCaret(nextCaret);
    setDismissed(null);
    requestAnimationFrame(() => {
      textarea.current?.focus();
      textarea.current?.setSelectionRange(nextCaret, nextCaret);
    });
  };
  const insertAtCaret = (insert: string) => {
    const at = textarea.current?.selectionStart ?? caret;
    setValue(text.slice(0, at) + insert + text.slice(at), at + insert.length);
  };
  const pickQuickReply = async (reply: QuickReply, rendered: string | undefined) => {
    if (!token) return;
    const body = rendered ?? (await renderQuickReply(reply.id, item.id)).text;
    const next = replaceToken(text, token, body);
    setValue(next.text, next.caret);
  };
  const pickMember = (member: Member) => {
    if (!token) return;
    const next = replaceToken(text, token, `@${mentionHandle(member, members)} `);
    setValue(next.text, next.caret);
  };

  const submit = (status?: CaseStatus) => {
    if (!canSend) return;
    send.mutate(status ? { status } : {});
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    const options = token?.kind === "slash" ? (quickReplies.data?.data ?? []) : mentionOptions;
    if (token && event.key === "Escape") {
      event.preventDefault();
      setDismissed(caret);
      return;
    }
    if (token && options.length > 0) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        const step = event.key === "ArrowDown" ? 1 : -1;
        setActive((old) => (Math.min(old, options.length - 1) + step + options.length) % options.length);
        return;
      }
      if (event.key === "Enter" || event.key === "Tab") {
        event.preventDefault();
        const index = Math.min(active, options.length - 1);
        if (token.kind === "slash") void pickQuickReply(options[index] as QuickReply, undefined);
        else pickMember(options[index] as Member);
        return;
      }
    }
    getHotkeyHandler([
      ["mod+Enter", () => submit()],
      ["Escape", () => textarea.current?.blur()],
    ])(event);
  };

  return (
    <Stack
      gap="xs"
      p="sm"
      style={{ borderTop: "1px solid var(--mantine-color-default-border)", position: "relative" }}
      data-testid="composer"
      data-mode={isNote ? "note" : "reply"}
    >
      {showWindowClosed && (
        <Alert
          color="orange"
          variant="light"
          title={t("composer.windowClosedTitle")}
          icon={<IconClockOff size={18} />}
          role="alert"
          data-testid="window-closed"
        >
          <Text size="sm">
            {t("composer.windowClosedBody", { at: closedAt ? formatRelative(closedAt, now, language) : "—" })}
          </Text>
          <Text size="sm" mt="xs" fw={500}>
            {t("workspace.composer.alternatives")}
          </Text>
          <Group gap="xs" mt={4}>
            {otherOpen.map((c) => (
              <Button key={c.channelId} size="xs" variant="light" onClick={() => setChannelId(c.channelId)}>
                {t("workspace.composer.useChannel", { channel: channelLabel(c) })}
              </Button>
            ))}
            {conversation?.channelType === "wechat" && (
              <Button size="xs" variant="light" leftSection={<IconTemplate size={14} />} onClick={template.open}>
                {t("workspace.composer.useTemplate")}
              </Button>
            )}
            <Button size="xs" variant="default" leftSection={<IconLock size={14} />} onClick={() => setIsNote(true)}>
              {t("composer.writeNote")}
            </Button>
          </Group>
        </Alert>
      )}
      {conversation?.channelType === "wechat" && (
        <WechatTemplateForm
          conversation={conversation}
          opened={templateOpen}
          onClose={template.close}
          onSent={refresh}
        />
      )}
      {myPending > 0 && (
        <Alert
          color="grape"
          variant="light"
          title={t("workspace.approval.pendingTitle")}
          data-testid="approval-pending"
        >
          <Text size="sm">{t("workspace.approval.pendingBody")}</Text>
        </Alert>
      )}
      {notice && (
        <Alert
          color="green"
          variant="light"
          withCloseButton
          onClose={() => setNotice(null)}
          data-testid="composer-notice"
        >
          <Text size="sm">{notice}</Text>
        </Alert>
      )}
      {send.isError && !refusedForWindow && (
        <Alert color="red" title={t("composer.sendFailed")} role="alert" withCloseButton onClose={() => send.reset()}>
          {describeError(send.error, t)}
        </Alert>
      )}
      {statusError !== null && (
        <Alert
          color="red"
          title={t("workspace.composer.statusFailed")}
          role="alert"
          withCloseButton
          onClose={() => setStatusError(null)}
          data-testid="status-error"
        >
          {describeError(statusError, t)}
        </Alert>
      )}
      {(upload.isError || macro.isError) && (
        <Alert
          color="red"
          title={upload.isError ? t("workspace.composer.uploadFailed") : t("workspace.composer.macroFailed")}
          role="alert"
          withCloseButton
          onClose={() => {
            upload.reset();
            macro.reset();
          }}
          data-testid="composer-error"
        >
          {describeError(upload.error ?? macro.error, t)}
        </Alert>
      )}
      {token?.kind === "slash" && (
        <QuickReplyMenu
          caseId={item.id}
          query={token.query}
          active={active}
          onActiveChange={setActive}
          onPick={(reply, rendered) => void pickQuickReply(reply, rendered)}
        />
      )}
      {token?.kind === "mention" && (
        <Paper withBorder shadow="md" p={4} data-testid="mention-menu">
          <Stack gap={2} role="listbox" aria-label={t("workspace.composer.mentionMembers")}>
            {mentionOptions.length === 0 && (
              <Text size="xs" c="dimmed" p="xs">
                {t("workspace.composer.noMembers")}
              </Text>
            )}
            {mentionOptions.map((member, i) => (
              <UnstyledButton
                key={member.id}
                role="option"
                aria-selected={i === Math.min(active, mentionOptions.length - 1)}
                onMouseDown={(event) => event.preventDefault()}
                onClick={() => pickMember(member)}
                px="xs"
                py={2}
                style={{
                  borderRadius: 4,
                  background:
                    i === Math.min(active, mentionOptions.length - 1)
                      ? "var(--mantine-primary-color-light)"
                      : undefined,
                }}
              >
                <Text size="sm">
                  {member.name}{" "}
                  <Text span size="xs" c="dimmed">
                    {member.email}
                  </Text>
                </Text>
              </UnstyledButton>
            ))}
          </Stack>
        </Paper>
      )}
      <Textarea
        ref={textarea}
        aria-label={isNote ? t("composer.internalNote") : t("composer.label")}
        placeholder={isNote ? t("composer.notePlaceholder") : t("composer.replyPlaceholder")}
        description={isNote ? undefined : t("workspace.composer.quickRepliesHint")}
        inputWrapperOrder={["label", "input", "description", "error"]}
        autosize
        minRows={2}
        maxRows={8}
        value={text}
        onChange={(event) => {
          setText(event.currentTarget.value);
          setCaret(event.currentTarget.selectionStart);
          setActive(0);
          if (send.isError) send.reset();
        }}
        onSelect={(event) => setCaret(event.currentTarget.selectionStart)}
        onKeyDown={onKeyDown}
        styles={isNote ? { input: { background: "var(--mantine-color-yellow-light)" } } : undefined}
      />
      {files.length > 0 && (
        <Group gap={4}>
          {files.map((file) => (
            <Pill
              key={file.id}
              withRemoveButton
              removeButtonProps={{ "aria-label": t("workspace.composer.removeAttachment", { name: file.fileName }) }}
              onRemove={() => setFiles((old) => old.filter((f) => f.id !== file.id))}
            >
              {file.fileName ?? file.id}
            </Pill>
          ))}
        </Group>
      )}
      <Group justify="space-between" wrap="nowrap" gap="xs" align="center">
        <Group gap={4} wrap="wrap" style={{ minWidth: 0 }}>
          <Switch
            label={t("composer.internalNote")}
            color="yellow"
            styles={{ label: { whiteSpace: "nowrap" } }}
            checked={isNote}
            onChange={(event) => {
              setIsNote(event.currentTarget.checked);
              send.reset();
            }}
            thumbIcon={isNote ? <IconLock size={10} color="var(--mantine-color-yellow-filled)" /> : undefined}
          />
          <Tooltip label={t("workspace.composer.quickReplies")}>
            <ActionIcon
              variant="subtle"
              color="gray"
              aria-label={t("workspace.composer.quickReplies")}
              onClick={() => insertAtCaret(text.length === 0 || /\s$/.test(text) ? "/" : " /")}
            >
              <IconBolt size={18} />
            </ActionIcon>
          </Tooltip>
          <EmojiPicker onPick={insertAtCaret} />
          <AiSuggestions caseId={item.id} onPick={insertAtCaret} />
          <FileButton onChange={(picked) => picked.length > 0 && upload.mutate(picked)} multiple>
            {(props) => (
              <Tooltip label={upload.isPending ? t("workspace.composer.uploading") : t("workspace.composer.attach")}>
                <ActionIcon
                  {...props}
                  variant="subtle"
                  color="gray"
                  loading={upload.isPending}
                  aria-label={t("workspace.composer.attach")}
                >
                  <IconPaperclip size={18} />
                </ActionIcon>
              </Tooltip>
            )}
          </FileButton>
          <Menu position="top-start" withinPortal>
            <Menu.Target>
              <Tooltip label={t("workspace.composer.macros")}>
                <ActionIcon
                  variant="subtle"
                  color="gray"
                  aria-label={t("workspace.composer.macros")}
                  loading={macro.isPending}
                >
                  <IconWand size={18} />
                </ActionIcon>
              </Tooltip>
            </Menu.Target>
            <Menu.Dropdown>
              <Menu.Label>{t("workspace.composer.macros")}</Menu.Label>
              {(macros.data?.data ?? []).length === 0 && (
                <Menu.Item disabled>{t("workspace.composer.noMacros")}</Menu.Item>
              )}
              {(macros.data?.data ?? []).map((m) => (
                <Menu.Item key={m.id} onClick={() => macro.mutate(m.id)}>
                  {m.name}
                </Menu.Item>
              ))}
            </Menu.Dropdown>
          </Menu>
          {!isNote && channels.length > 1 && (
            <Select
              size="xs"
              w={150}
              aria-label={t("workspace.composer.channel")}
              data={channels.map((c) => ({ value: c.channelId, label: channelLabel(c), disabled: busy(c) }))}
              value={conversation?.channelId ?? null}
              onChange={(value) => value && setChannelId(value)}
              allowDeselect={false}
              data-testid="channel-select"
            />
          )}
          {!isNote && <WindowCountdown closesAt={closesAt} now={now} />}
        </Group>
        <Group gap={0} wrap="nowrap" style={{ flexShrink: 0 }}>
          <Button
            onClick={() => submit()}
            disabled={!canSend}
            loading={send.isPending}
            color={isNote ? "yellow" : undefined}
            autoContrast
            leftSection={isNote ? <IconLock size={16} /> : <IconSend size={16} />}
            style={{ borderTopRightRadius: 0, borderBottomRightRadius: 0 }}
          >
            {isNote ? t("composer.addNote") : t("composer.send")}
          </Button>
          <Menu position="top-end" withinPortal>
            <Menu.Target>
              <ActionIcon
                size={36}
                disabled={!canSend}
                color={isNote ? "yellow" : undefined}
                aria-label={t("workspace.composer.sendAndSet")}
                style={{
                  borderTopLeftRadius: 0,
                  borderBottomLeftRadius: 0,
                  borderLeft: "1px solid var(--mantine-color-body)",
                }}
              >
                <IconChevronDown size={16} />
              </ActionIcon>
            </Menu.Target>
            <Menu.Dropdown>
              <Menu.Label>{t("workspace.composer.sendAndSet")}</Menu.Label>
              {afterSendStatuses
                .filter((status) => status !== item.status)
                .map((status) => (
                  <Menu.Item key={status} onClick={() => submit(status)}>
                    {t("workspace.composer.sendAnd", { status: t(`status.${status}`) })}
                  </Menu.Item>
                ))}
            </Menu.Dropdown>
          </Menu>
        </Group>
      </Group>
    </Stack>
  );
}

import { Alert, Button, Group, Stack, Switch, Text, Textarea } from "@mantine/core";
import { getHotkeyHandler } from "@mantine/hooks";
import { IconClockOff, IconLock, IconSend } from "@tabler/icons-react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type Ref, useImperativeHandle, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { ApiError, type Case, caseKeys, errorReason, type Message, sendMessage } from "../api.ts";
import { describeError } from "../error-message.ts";
import { formatRelative, useLanguage } from "../format.ts";

/** Lets the inbox's shortcuts (r, n) put the cursor in the composer. */
export type ComposerHandle = { focus: (mode: "reply" | "note") => void };

function closedAtOf(error: unknown): string | null {
  if (!(error instanceof ApiError)) return null;
  const details = error.body?.details as { closedAt?: unknown } | undefined;
  return typeof details?.closedAt === "string" ? details.closedAt : null;
}

/** Reply or internal-note box; a public reply is refused up front when the channel's reply window has closed. */
export function Composer({ item, now, ref }: { item: Case; now: number; ref: Ref<ComposerHandle> }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const queryClient = useQueryClient();
  const textarea = useRef<HTMLTextAreaElement>(null);
  const [text, setText] = useState("");
  const [isNote, setIsNote] = useState(false);

  const send = useMutation({
    mutationFn: (input: { text: string; private?: true }) => sendMessage(item.id, input),
    onSuccess: (message) => {
      setText("");
      queryClient.setQueryData<Message[]>(caseKeys.messages(item.id), (old) =>
        old && !old.some((existing) => existing.id === message.id) ? [...old, message] : old,
      );
      void queryClient.invalidateQueries({ queryKey: caseKeys.messages(item.id) });
      void queryClient.invalidateQueries({ queryKey: caseKeys.detail(item.id) });
      void queryClient.invalidateQueries({ queryKey: caseKeys.events(item.id) });
      void queryClient.invalidateQueries({ queryKey: caseKeys.lists() });
    },
  });

  useImperativeHandle(ref, () => ({
    focus: (mode) => {
      setIsNote(mode === "note");
      send.reset();
      textarea.current?.focus();
    },
  }));

  const refusedForWindow = errorReason(send.error) === "reply_window_closed";
  const closesAt = item.replyWindowClosesAt;
  const windowClosed = closesAt !== null && new Date(closesAt).getTime() <= now;
  const showWindowClosed = !isNote && (windowClosed || refusedForWindow);
  const closedAt = closedAtOf(send.error) ?? closesAt;
  const canSend = text.trim().length > 0 && !showWindowClosed && !send.isPending;

  const submit = () => {
    if (!canSend) return;
    send.mutate(isNote ? { text, private: true } : { text });
  };

  return (
    <Stack
      gap="xs"
      p="sm"
      style={{ borderTop: "1px solid var(--mantine-color-default-border)" }}
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
          <Button
            mt="xs"
            size="xs"
            variant="default"
            leftSection={<IconLock size={14} />}
            onClick={() => setIsNote(true)}
          >
            {t("composer.writeNote")}
          </Button>
        </Alert>
      )}
      {send.isError && !refusedForWindow && (
        <Alert color="red" title={t("composer.sendFailed")} role="alert" withCloseButton onClose={() => send.reset()}>
          {describeError(send.error, t)}
        </Alert>
      )}
      <Textarea
        ref={textarea}
        aria-label={isNote ? t("composer.internalNote") : t("composer.label")}
        placeholder={isNote ? t("composer.notePlaceholder") : t("composer.replyPlaceholder")}
        autosize
        minRows={2}
        maxRows={8}
        value={text}
        onChange={(event) => {
          setText(event.currentTarget.value);
          if (send.isError) send.reset();
        }}
        onKeyDown={getHotkeyHandler([
          ["mod+Enter", submit],
          ["Escape", () => textarea.current?.blur()],
        ])}
        styles={isNote ? { input: { background: "var(--mantine-color-yellow-light)" } } : undefined}
      />
      <Group justify="space-between" wrap="nowrap">
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
        <Group gap="sm" wrap="nowrap">
          <Text size="xs" c="dimmed" visibleFrom="xl">
            {t("composer.hint")}
          </Text>
          <Button
            onClick={submit}
            disabled={!canSend}
            loading={send.isPending}
            color={isNote ? "yellow" : undefined}
            autoContrast
            leftSection={isNote ? <IconLock size={16} /> : <IconSend size={16} />}
          >
            {isNote ? t("composer.addNote") : t("composer.send")}
          </Button>
        </Group>
      </Group>
    </Stack>
  );
}

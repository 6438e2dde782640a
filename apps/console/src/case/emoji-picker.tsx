import { ActionIcon, Popover, SimpleGrid, Tooltip, UnstyledButton } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { IconMoodSmile } from "@tabler/icons-react";
import { useTranslation } from "react-i18next";

/** A small fixed set: enough for customer care, no emoji library in the bundle. */
export const EMOJIS = [
  "😀",
  "😊",
  "🙂",
  "😉",
  "😍",
  "🤗",
  "🤔",
  "😅",
  "😂",
  "😢",
  "😮",
  "😎",
  "🙏",
  "👍",
  "👎",
  "👏",
  "🙌",
  "👋",
  "💪",
  "🤝",
  "❤️",
  "💯",
  "🎉",
  "✨",
  "✅",
  "❌",
  "⚠️",
  "⏳",
  "📦",
  "🚚",
  "💳",
  "🧾",
  "📞",
  "📧",
  "🔗",
  "🎁",
];

/** An emoji button: picks one and hands it to `onPick` (inserted at the cursor). */
export function EmojiPicker({ onPick }: { onPick: (emoji: string) => void }) {
  const { t } = useTranslation();
  const [opened, { close, toggle }] = useDisclosure(false);
  return (
    <Popover opened={opened} onChange={(value) => !value && close()} position="top-start" shadow="md" trapFocus>
      <Popover.Target>
        <Tooltip label={t("workspace.composer.emoji")}>
          <ActionIcon variant="subtle" color="gray" aria-label={t("workspace.composer.emoji")} onClick={toggle}>
            <IconMoodSmile size={18} />
          </ActionIcon>
        </Tooltip>
      </Popover.Target>
      <Popover.Dropdown p={6}>
        <SimpleGrid cols={8} spacing={2} role="listbox" aria-label={t("workspace.composer.emoji")}>
          {EMOJIS.map((emoji) => (
            <UnstyledButton
              key={emoji}
              role="option"
              aria-selected={false}
              aria-label={emoji}
              onClick={() => {
                onPick(emoji);
                close();
              }}
              style={{ fontSize: 20, lineHeight: "28px", width: 28, textAlign: "center", borderRadius: 4 }}
            >
              {emoji}
            </UnstyledButton>
          ))}
        </SimpleGrid>
      </Popover.Dropdown>
    </Popover>
  );
}

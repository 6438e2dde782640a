import { Anchor, Image } from "@mantine/core";
import { useTranslation } from "react-i18next";

type Media = { attachmentId: string; mimeType: string; size: number };

/** The media a channel attached to a message after the fact (`content.media`, e.g. a fetched WeChat image). */
export function mediaOf(content: unknown): Media | null {
  const media = (content as { media?: Partial<Media> } | null)?.media;
  if (!media || typeof media.attachmentId !== "string" || typeof media.mimeType !== "string") return null;
  return { attachmentId: media.attachmentId, mimeType: media.mimeType, size: Number(media.size ?? 0) };
}

/** Shows an image, plays a voice or video, else links the file; nothing when the message has no media. */
export function MessageMedia({ content }: { content: unknown }) {
  const { t } = useTranslation();
  const media = mediaOf(content);
  if (!media) return null;
  const src = `/api/v1/attachments/${encodeURIComponent(media.attachmentId)}`;
  if (media.mimeType.startsWith("image/")) {
    return <Image src={src} alt={t("wechat.media.image")} maw={280} radius="sm" mt={4} data-testid="message-media" />;
  }
  if (media.mimeType.startsWith("audio/")) {
    // biome-ignore lint/a11y/useMediaCaption: a customer's voice message has no caption track (the transcript is the text)
    return <audio controls src={src} data-testid="message-media" style={{ maxWidth: 280 }} />;
  }
  if (media.mimeType.startsWith("video/")) {
    // biome-ignore lint/a11y/useMediaCaption: a customer's video has no caption track
    return <video controls src={src} data-testid="message-media" style={{ maxWidth: 280 }} />;
  }
  return (
    <Anchor href={src} size="sm" data-testid="message-media">
      {t("wechat.media.download", { type: media.mimeType })}
    </Anchor>
  );
}

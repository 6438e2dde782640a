import { Anchor, Card, Group, Image, Stack, Text } from "@mantine/core";
import { IconFile, IconMapPin } from "@tabler/icons-react";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { safeUrl, sanitizeHtml } from "./sanitize.ts";
import type { ThreadMessage } from "./workspace-api.ts";

type Content = Record<string, unknown>;

const str = (content: Content, key: string): string => {
  const value = content[key];
  return typeof value === "string" ? value : "";
};
const num = (content: Content, key: string): number | null => {
  const value = content[key];
  const parsed = typeof value === "number" ? value : typeof value === "string" ? Number(value) : Number.NaN;
  return Number.isFinite(parsed) ? parsed : null;
};
const external = { target: "_blank", rel: "noopener noreferrer" } as const;
const textStyle = { whiteSpace: "pre-wrap", overflowWrap: "anywhere" } as const;

/**
 * Where a media file of a message can be fetched: its attachment (`attachmentId`, or `media.attachmentId` that a
 * channel adds once it fetched the file, e.g. WeChat), a safe URL, or the WeChat media store.
 */
export function mediaSource(content: Content, channelId: string | null): string | null {
  const fetched = content.media as { attachmentId?: unknown } | null | undefined;
  const attachmentId =
    str(content, "attachmentId") || (typeof fetched?.attachmentId === "string" ? fetched.attachmentId : "");
  if (/^[0-9a-f-]{36}$/i.test(attachmentId)) return `/api/v1/attachments/${attachmentId}`;
  const url = safeUrl(content.url);
  if (url) return url;
  const mediaId = str(content, "mediaId");
  if (mediaId && channelId && /^[\w-]{1,128}$/.test(mediaId)) {
    return `/api/v1/channels/${channelId}/wechat/media/${encodeURIComponent(mediaId)}/file`;
  }
  return null;
}

const URL_IN_TEXT = /\bhttps?:\/\/[^\s<>"']+/gi;

/** Plain text with its http(s) URLs turned into links (new tab, no referrer); everything else stays text. */
export function LinkifiedText({ text }: { text: string }) {
  const parts: ReactNode[] = [];
  let last = 0;
  for (const match of text.matchAll(URL_IN_TEXT)) {
    const raw = match[0].replace(/[.,;:!?)]+$/, "");
    const href = safeUrl(raw);
    const start = match.index ?? 0;
    if (!href) continue;
    parts.push(text.slice(last, start));
    parts.push(
      <Anchor key={start} href={href} {...external} inherit>
        {raw}
      </Anchor>,
    );
    last = start + raw.length;
  }
  parts.push(text.slice(last));
  return (
    <Text size="sm" style={textStyle}>
      {parts}
    </Text>
  );
}

function ArticleCard({ article }: { article: Content }) {
  const url = safeUrl(article.url);
  const picture = safeUrl(article.picUrl) ?? safeUrl(article.thumbUrl) ?? safeUrl(article.image);
  const title = str(article, "title");
  const html = str(article, "html");
  return (
    <Card withBorder padding="xs" radius="sm" data-testid="article-card">
      {picture && (
        <Card.Section>
          <Image src={picture} alt="" h={120} fit="cover" referrerPolicy="no-referrer" />
        </Card.Section>
      )}
      <Stack gap={4} mt={picture ? "xs" : 0}>
        {title &&
          (url ? (
            <Anchor href={url} {...external} fw={600} size="sm">
              {title}
            </Anchor>
          ) : (
            <Text fw={600} size="sm">
              {title}
            </Text>
          ))}
        {str(article, "description") && (
          <Text size="xs" c="dimmed" style={textStyle}>
            {str(article, "description")}
          </Text>
        )}
        {html && (
          <Text
            size="sm"
            component="div"
            // biome-ignore lint/security/noDangerouslySetInnerHtml: the one place HTML is shown, sanitised with the strict profile (sanitize.ts).
            dangerouslySetInnerHTML={{ __html: sanitizeHtml(html) }}
          />
        )}
      </Stack>
    </Card>
  );
}

/** A message's body by type: text, image, voice (player + transcript), video, location, link, article, file. */
export function MessageContent({ message }: { message: ThreadMessage }) {
  const { t } = useTranslation();
  const content: Content =
    message.content && typeof message.content === "object" && !Array.isArray(message.content)
      ? (message.content as Content)
      : {};
  const source = mediaSource(content, message.channelId);
  const caption = str(content, "caption");
  const fallback = message.text.trim() ? message.text : t("thread.nonText", { type: message.type });

  switch (message.type) {
    case "image":
      return (
        <Stack gap={4}>
          {source ? (
            <Anchor href={source} {...external}>
              <Image
                src={source}
                alt={caption || t("workspace.thread.image")}
                maw={260}
                mah={260}
                fit="contain"
                radius="sm"
                referrerPolicy="no-referrer"
              />
            </Anchor>
          ) : (
            <Text size="sm">{fallback}</Text>
          )}
          {caption && <LinkifiedText text={caption} />}
        </Stack>
      );
    case "voice":
      return (
        <Stack gap={4}>
          {source ? (
            // biome-ignore lint/a11y/useMediaCaption: a customer's voice note has no captions; its transcript is shown below.
            <audio controls preload="none" src={source} aria-label={t("workspace.thread.voice")} />
          ) : (
            <Text size="sm">{t("workspace.thread.voice")}</Text>
          )}
          {str(content, "transcript") && (
            <Text size="sm" style={textStyle} data-testid="transcript">
              <Text span size="xs" c="dimmed">
                {t("workspace.thread.transcript")}:{" "}
              </Text>
              {str(content, "transcript")}
            </Text>
          )}
        </Stack>
      );
    case "video":
      return (
        <Stack gap={4}>
          {source ? (
            // biome-ignore lint/a11y/useMediaCaption: customers' videos come without captions.
            <video
              controls
              preload="none"
              src={source}
              style={{ maxWidth: 320, borderRadius: 4 }}
              aria-label={t("workspace.thread.video")}
            />
          ) : (
            <Text size="sm">{fallback}</Text>
          )}
          {caption && <LinkifiedText text={caption} />}
        </Stack>
      );
    case "location": {
      const latitude = num(content, "latitude");
      const longitude = num(content, "longitude");
      const label = str(content, "label");
      const map =
        latitude !== null && longitude !== null
          ? `https://www.openstreetmap.org/?mlat=${latitude}&mlon=${longitude}#map=16/${latitude}/${longitude}`
          : null;
      return (
        <Group gap={6} wrap="nowrap" align="flex-start">
          <IconMapPin size={16} aria-hidden />
          <Stack gap={2}>
            {label && <Text size="sm">{label}</Text>}
            {map ? (
              <Anchor href={map} {...external} size="sm" data-testid="map-link">
                {t("workspace.thread.openMap")} ({latitude?.toFixed(5)}, {longitude?.toFixed(5)})
              </Anchor>
            ) : (
              <Text size="sm">{fallback}</Text>
            )}
          </Stack>
        </Group>
      );
    }
    case "link":
      return <ArticleCard article={content} />;
    case "article":
    case "news": {
      const articles = Array.isArray(content.articles)
        ? content.articles.filter((a): a is Content => typeof a === "object" && a !== null)
        : [content];
      return (
        <Stack gap="xs">
          {articles.slice(0, 8).map((article, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: articles have no id and never move.
            <ArticleCard key={index} article={article} />
          ))}
        </Stack>
      );
    }
    case "file":
      return (
        <Group gap={6} wrap="nowrap">
          <IconFile size={16} aria-hidden />
          {source ? (
            <Anchor href={source} {...external} size="sm">
              {str(content, "name") || str(content, "fileName") || t("workspace.thread.file")}
            </Anchor>
          ) : (
            <Text size="sm">{fallback}</Text>
          )}
        </Group>
      );
    default:
      return <LinkifiedText text={fallback} />;
  }
}

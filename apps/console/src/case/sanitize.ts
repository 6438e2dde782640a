// Customer content is untrusted. Text is always rendered as text; the only HTML ever shown (an article's
// body) goes through DOMPurify with a strict profile: a few formatting tags, links with safe URLs only,
// no attributes but href, and every link opening in a new tab with rel="noopener noreferrer".
import DOMPurify from "dompurify";

const SAFE_URL = /^(?:https?:|mailto:)/i;

/** The URL when it is an absolute http(s) or mailto URL, else null (javascript:, data:, relative paths…). */
export function safeUrl(value: unknown): string | null {
  if (typeof value !== "string") return null;
  const trimmed = value.trim();
  if (!SAFE_URL.test(trimmed)) return null;
  try {
    const url = new URL(trimmed);
    return url.protocol === "http:" || url.protocol === "https:" || url.protocol === "mailto:" ? url.href : null;
  } catch {
    return null;
  }
}

const ALLOWED_TAGS = ["a", "b", "strong", "i", "em", "u", "p", "br", "ul", "ol", "li", "blockquote", "code", "pre"];

let hooked = false;

function addLinkHook(): void {
  if (hooked) return;
  hooked = true;
  DOMPurify.addHook("afterSanitizeAttributes", (node) => {
    if (node.tagName !== "A") return;
    const href = safeUrl(node.getAttribute("href"));
    if (!href) {
      node.removeAttribute("href");
      return;
    }
    node.setAttribute("href", href);
    node.setAttribute("target", "_blank");
    node.setAttribute("rel", "noopener noreferrer");
  });
}

/** What a knowledge-base article may also show: headings, rules, tables and struck text (still no images). */
const ARTICLE_TAGS = [
  ...ALLOWED_TAGS,
  "h1",
  "h2",
  "h3",
  "h4",
  "h5",
  "h6",
  "hr",
  "del",
  "table",
  "thead",
  "tbody",
  "tr",
  "th",
  "td",
];

/** An article's rendered Markdown with the same strict profile, plus headings, rules and tables. */
export function sanitizeArticleHtml(html: string): string {
  return sanitizeHtml(html, ARTICLE_TAGS);
}

/** HTML reduced to formatting tags and safe links; scripts, styles, handlers, images and forms are gone. */
export function sanitizeHtml(html: string, allowedTags: readonly string[] = ALLOWED_TAGS): string {
  // Without a DOM DOMPurify hands the input back untouched: show the markup as text then.
  if (!DOMPurify.isSupported) return html.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  addLinkHook();
  return DOMPurify.sanitize(html, {
    ALLOWED_TAGS: [...allowedTags],
    ALLOWED_ATTR: ["href"],
    ALLOW_DATA_ATTR: false,
    ALLOW_ARIA_ATTR: false,
    ALLOW_UNKNOWN_PROTOCOLS: false,
    KEEP_CONTENT: true,
    RETURN_TRUSTED_TYPE: false,
  });
}

/**
 * HTML of a customer's email made safe to display: no script, iframe, object, form, style sheet or event
 * handler; links open in a new tab without referrer; remote images (tracking pixels) are dropped, inline
 * (`cid:`) images point at their stored attachment. The original HTML stays in the raw message.
 */
import sanitizeHtml from "sanitize-html";

export type SanitizedHtml = { html: string; remoteImagesBlocked: number };

const ALLOWED_TAGS = [
  ...sanitizeHtml.defaults.allowedTags.filter((t) => t !== "style"),
  "img",
  "font",
  "center",
  "span",
  "div",
];

/** Sanitises an email's HTML; `cidUrl` maps an inline image's Content-ID to the URL it is served at. */
export function sanitizeEmailHtml(html: string, cidUrl: (cid: string) => string | undefined = () => undefined) {
  let remoteImagesBlocked = 0;
  const clean = sanitizeHtml(html, {
    allowedTags: ALLOWED_TAGS,
    allowedAttributes: {
      a: ["href", "name", "title", "target", "rel"],
      img: ["src", "alt", "title", "width", "height"],
      td: ["colspan", "rowspan", "align", "valign"],
      th: ["colspan", "rowspan", "align", "valign"],
      table: ["border", "cellpadding", "cellspacing", "width"],
      font: ["color", "size"],
      "*": ["dir", "lang"],
    },
    allowedSchemes: ["http", "https", "mailto", "tel"],
    allowedSchemesByTag: { img: ["cid", "data"] },
    allowProtocolRelative: false,
    disallowedTagsMode: "discard",
    exclusiveFilter: (frame) => frame.tag === "img" && !frame.attribs.src,
    transformTags: {
      a: (tagName, attribs) => ({
        tagName,
        attribs: { ...attribs, target: "_blank", rel: "noopener noreferrer nofollow" },
      }),
      img: (tagName, attribs) => {
        const src = (attribs.src ?? "").trim();
        const out = { ...attribs };
        if (/^cid:/i.test(src)) {
          const url = cidUrl(src.slice(4).replace(/^<|>$/g, ""));
          if (url) out.src = url;
          else delete out.src;
        } else if (!/^data:image\/(png|gif|jpe?g|webp);base64,/i.test(src)) {
          // Remote images track the reader (and leak the agent's IP); they are not loaded.
          remoteImagesBlocked++;
          delete out.src;
        }
        return { tagName, attribs: out };
      },
    },
  });
  return { html: clean, remoteImagesBlocked } satisfies SanitizedHtml;
}

/**
 * Search snippets from the server (escaped text with the matched words in `<mark>`), read into parts for the
 * console's global search and the widget's help search; shared so that both render them as text only.
 */

/** A piece of a search snippet: text, marked or not. */
export type SnippetPart = { text: string; mark: boolean };

const ENTITIES: Record<string, string> = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'" };

/**
 * Reads a server snippet (escaped text with the matched terms in `<mark>`) into parts rendered as React text:
 * nothing in it is ever parsed as HTML, so a forged snippet can only show up as text.
 */
export function snippetParts(snippet: string): SnippetPart[] {
  const parts: SnippetPart[] = [];
  let mark = false;
  for (const piece of snippet.split(/(<mark>|<\/mark>)/)) {
    if (piece === "<mark>" || piece === "</mark>") {
      mark = piece === "<mark>";
      continue;
    }
    if (piece) parts.push({ text: piece.replace(/&(?:amp|lt|gt|quot|#39);/g, (e) => ENTITIES[e] ?? e), mark });
  }
  return parts;
}

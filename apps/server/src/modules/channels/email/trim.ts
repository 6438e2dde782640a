/**
 * The new part of a reply, for display: quoted history ("On … wrote:", "-----Original Message-----",
 * `>` lines, the header block Outlook quotes) and the signature ("-- ", "Sent from my iPhone") are cut.
 * The full text is kept beside it.
 */

const QUOTE_HEADERS = [
  /^\s*On\b.{0,200}\bwrote:?\s*$/i,
  /^\s*Le\b.{0,200}\ba écrit\s*:?\s*$/i,
  /^\s*Am\b.{0,200}\bschrieb.{0,40}:?\s*$/i,
  /^\s*El\b.{0,200}\bescribió:?\s*$/i,
  /^\s*在.{0,200}写道[:：]?\s*$/,
  /^\s*-{2,}\s*(Original Message|Message d'origine|Ursprüngliche Nachricht|Mensaje original|原始邮件)\s*-{2,}\s*$/i,
  /^\s*_{10,}\s*$/,
  /^\s*(From|De|Von|发件人)\s*[:：].+$/i,
];

const SIGNATURES = [
  /^-- ?$/,
  /^\s*(Sent from my|Envoyé de mon|Von meinem|Enviado desde mi|Get Outlook for|发自我的)\b.*$/i,
];

/** The displayed part of an email body: the new text above quoted history and signature, trimmed. */
export function trimReply(text: string): string {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  let end = lines.length;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const next = lines[i + 1] ?? "";
    const isQuoteHeader =
      QUOTE_HEADERS.some((re) => re.test(line)) ||
      // "On Mon, 2 Dec 2026 at 10:00, Ann <ann@example.com>" wrapped over two lines before "wrote:".
      (/^\s*On\b/i.test(line) && /^\s*.{0,100}wrote:\s*$/i.test(next));
    const isFromBlock = /^\s*(From|De|Von|发件人)\s*[:：]/i.test(line);
    if (isQuoteHeader && (!isFromBlock || /^\s*(Sent|Date|Envoyé|Gesendet|发送时间)\s*[:：]/i.test(next))) {
      end = i;
      break;
    }
    if (SIGNATURES.some((re) => re.test(line))) {
      end = i;
      break;
    }
    if (/^\s*>/.test(line) && lines.slice(i).every((l) => /^\s*(>|$)/.test(l))) {
      end = i;
      break;
    }
  }
  const kept = lines.slice(0, end).join("\n").trim();
  // A message that is all quote (a forward without comment) is shown whole rather than empty.
  return kept || text.trim();
}

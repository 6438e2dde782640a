// CSV and line reading for contact import/export: RFC 4180 records (quoted fields, "" escapes, line breaks
// inside quotes, CRLF), strict UTF-8 per line, and formula-injection-safe cells for spreadsheets.

/** Characters a spreadsheet reads as the start of a formula (or that hide one): = + - @ tab CR. */
const FORMULA_START = /^'*[=+\-@\t\r]/;

/**
 * A cell made safe for spreadsheets: a value starting with = + - @ tab or CR gets a leading apostrophe
 * (so does one that already starts with apostrophes before such a character, which keeps it reversible).
 */
export function escapeFormula(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

/** Undoes escapeFormula on import: one apostrophe before (apostrophes and) a formula character is dropped. */
export function unescapeFormula(value: string): string {
  return value.charCodeAt(0) === 39 && FORMULA_START.test(value.slice(1)) ? value.slice(1) : value;
}

/** One CSV cell: formula-escaped, then quoted when it holds the delimiter, a quote or a line break. */
export function csvCell(value: string, delimiter = ","): string {
  const safe = escapeFormula(value);
  return safe.includes(delimiter) || /["\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** One CSV line (CRLF-terminated, as RFC 4180 says) from cells. */
export function csvLine(cells: readonly string[], delimiter = ","): string {
  return `${cells.map((c) => csvCell(c, delimiter)).join(delimiter)}\r\n`;
}

export type CsvRecord = { line: number; endLine: number; fields: string[] };
export type CsvProblem = { line: number; endLine: number; reason: "csv_quote_invalid" | "csv_quote_unclosed" };

/**
 * Assembles CSV records from lines (without their line break). A record whose quoted field spans lines is
 * returned when its last line arrives; `line` is where it starts, `endLine` where it ends.
 */
export class CsvRecordParser {
  private fields: string[] = [];
  private field = "";
  private inQuotes = false;
  private startLine = 0;
  private broken = false;

  constructor(private readonly delimiter = ",") {}

  /** Feeds one line; returns a record, a problem, or null while a quoted field is still open. */
  push(text: string, lineNo: number): CsvRecord | CsvProblem | null {
    if (!this.inQuotes) {
      this.fields = [];
      this.field = "";
      this.startLine = lineNo;
      this.broken = false;
    } else {
      this.field += "\n";
    }
    const d = this.delimiter;
    const s = text.endsWith("\r") ? text.slice(0, -1) : text;
    let i = 0;
    const n = s.length;
    while (i < n) {
      if (this.inQuotes) {
        const q = s.indexOf('"', i);
        if (q === -1) {
          this.field += s.slice(i);
          i = n;
          break;
        }
        this.field += s.slice(i, q);
        if (s[q + 1] === '"') {
          this.field += '"';
          i = q + 2;
          continue;
        }
        this.inQuotes = false;
        i = q + 1;
        if (i < n && s[i] !== d) {
          this.broken = true;
          const next = s.indexOf(d, i);
          i = next === -1 ? n : next;
        }
        continue;
      }
      if (s[i] === '"' && this.field === "") {
        this.inQuotes = true;
        i++;
        continue;
      }
      const next = s.indexOf(d, i);
      if (next === -1) {
        this.field += s.slice(i);
        i = n;
        break;
      }
      this.field += s.slice(i, next);
      this.fields.push(this.field);
      this.field = "";
      i = next + d.length;
      if (i === n) {
        // A trailing delimiter ends with one more, empty field.
        break;
      }
    }
    if (this.inQuotes) return null;
    this.fields.push(this.field);
    this.field = "";
    if (this.broken) return { line: this.startLine, endLine: lineNo, reason: "csv_quote_invalid" };
    return { line: this.startLine, endLine: lineNo, fields: this.fields };
  }

  /** At the end of the file: the problem of a quoted field never closed, if any. */
  end(lastLine: number): CsvProblem | null {
    if (!this.inQuotes) return null;
    this.inQuotes = false;
    return { line: this.startLine, endLine: lastLine, reason: "csv_quote_unclosed" };
  }
}

/** True when the parser's result is a problem rather than a record. */
export function isCsvProblem(r: CsvRecord | CsvProblem): r is CsvProblem {
  return "reason" in r;
}

/** A line of the file; `invalidUtf8` when its bytes are not UTF-8 (the text then holds U+FFFD in their place). */
export type Line = { lineNo: number; text: string; invalidUtf8: boolean };

/** The file's encoding is not one we read; found on its first bytes. */
export class EncodingError extends Error {
  constructor(
    readonly reason: "encoding_utf16" | "encoding_invalid",
    message: string,
  ) {
    super(message);
  }
}

/**
 * Splits a byte stream into lines (LF; a CR before it is kept for the CSV parser to drop) and decodes each
 * as strict UTF-8, skipping a UTF-8 byte-order mark. A UTF-16 file, or invalid UTF-8 on the first line,
 * throws an EncodingError (the whole file is in another encoding); invalid UTF-8 later only marks its line.
 * Memory stays bounded by the longest line and one chunk.
 */
export async function* readLines(source: AsyncIterable<Uint8Array>): AsyncGenerator<Line> {
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  const lossy = new TextDecoder("utf-8", { ignoreBOM: true });
  let pending: Buffer = Buffer.alloc(0);
  let lineNo = 0;
  let first = true;
  const decode = (bytes: Buffer): Line => {
    lineNo++;
    try {
      return { lineNo, text: decoder.decode(bytes), invalidUtf8: false };
    } catch {
      if (lineNo === 1) {
        throw new EncodingError(
          "encoding_invalid",
          "Line 1 is not valid UTF-8: the file seems to be in another encoding (Latin-1, Windows-1252, GBK…). Save it as UTF-8 and import it again.",
        );
      }
      return { lineNo, text: lossy.decode(bytes), invalidUtf8: true };
    }
  };
  const checkStart = (buf: Buffer): Buffer => {
    if ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff)) {
      throw new EncodingError(
        "encoding_utf16",
        "Line 1: the file is UTF-16 (it starts with a UTF-16 byte-order mark). Save it as UTF-8 and import it again.",
      );
    }
    const body = buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? buf.subarray(3) : buf;
    const firstLine = body.subarray(0, (body.indexOf(10) + 1 || body.length + 1) - 1);
    if (firstLine.includes(0)) {
      throw new EncodingError(
        "encoding_utf16",
        "Line 1 holds NUL bytes: the file seems to be UTF-16 (or binary). Save it as UTF-8 and import it again.",
      );
    }
    return body;
  };
  for await (const chunk of source) {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let buf: Buffer = pending.length ? Buffer.concat([pending, bytes]) : bytes;
    if (first) {
      if (buf.length < 4096 && !buf.includes(10)) {
        pending = buf;
        continue;
      }
      first = false;
      buf = checkStart(buf);
    }
    let start = 0;
    for (let nl = buf.indexOf(10, start); nl !== -1; nl = buf.indexOf(10, start)) {
      yield decode(buf.subarray(start, nl));
      start = nl + 1;
    }
    pending = buf.subarray(start);
  }
  if (first && pending.length) pending = checkStart(pending);
  if (pending.length) yield decode(pending);
}

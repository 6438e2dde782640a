import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CsvRecordParser,
  csvCell,
  csvLine,
  EncodingError,
  escapeFormula,
  isCsvProblem,
  type Line,
  readLines,
  unescapeFormula,
} from "./csv.ts";
import { parseMapPairs, planColumns, targetOf } from "./import-mapping.ts";

async function* chunks(...parts: (string | Buffer)[]) {
  for (const p of parts) yield typeof p === "string" ? Buffer.from(p) : p;
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<Line[]> {
  const out: Line[] = [];
  for await (const l of readLines(source)) out.push(l);
  return out;
}

/** Parses a whole CSV text into records (or problems) the way the import does, line by line. */
function parse(text: string, delimiter = ",") {
  const parser = new CsvRecordParser(delimiter);
  const out: (string[] | string)[] = [];
  const lines = text.split("\n");
  for (const [i, line] of lines.entries()) {
    const r = parser.push(line, i + 1);
    if (r) out.push(isCsvProblem(r) ? r.reason : r.fields);
  }
  const end = parser.end(lines.length);
  if (end) out.push(end.reason);
  return out;
}

describe("formula escaping", () => {
  it("prefixes an apostrophe to cells a spreadsheet would run as a formula", () => {
    for (const v of ["=1+1", "+33 6 12", "-5", "@SUM(A1)", "\tx", "\rx"]) expect(escapeFormula(v)).toBe(`'${v}`);
    for (const v of ["Ada", "", "1+1", "a=b", "'quoted"]) expect(escapeFormula(v)).toBe(v);
    expect(escapeFormula("'=already")).toBe("''=already");
  });

  it("undoes its own escaping and nothing else", () => {
    const text = fc.string({ unit: fc.constantFrom("'", "=", "+", "-", "@", "\t", "a", " ") });
    fc.assert(
      fc.property(text, (v) => {
        expect(unescapeFormula(escapeFormula(v))).toBe(v);
      }),
    );
    expect(unescapeFormula("'hello")).toBe("'hello");
  });

  it("quotes cells holding the delimiter, quotes or line breaks", () => {
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell("a,b")).toBe('"a,b"');
    expect(csvCell("a;b", ";")).toBe('"a;b"');
    expect(csvCell("two\nlines")).toBe('"two\nlines"');
    expect(csvCell("=cmd|' /C calc'!A0")).toBe("'=cmd|' /C calc'!A0");
    expect(csvLine(["a", "b,c"])).toBe('a,"b,c"\r\n');
  });
});

describe("CSV records", () => {
  it("reads quoted fields, escaped quotes, empty fields and CRLF", () => {
    expect(parse('a,"b,c","say ""hi""",,\r\nx,y,z,,w')).toEqual([
      ["a", "b,c", 'say "hi"', "", ""],
      ["x", "y", "z", "", "w"],
    ]);
  });

  it("joins a quoted field across lines and starts the record on its first line", () => {
    const parser = new CsvRecordParser();
    expect(parser.push('1,"two', 5)).toBeNull();
    expect(parser.push('lines",3', 6)).toEqual({ line: 5, endLine: 6, fields: ["1", "two\nlines", "3"] });
  });

  it("reports characters after a closing quote and a quote never closed", () => {
    expect(parse('"a"b,c\nok,1')).toEqual(["csv_quote_invalid", ["ok", "1"]]);
    expect(parse('x,"never closed\nmore')).toEqual(["csv_quote_unclosed"]);
  });

  it("reads back any cells it wrote (property)", () => {
    const cell = fc.string({
      unit: fc.constantFrom("a", "Z", "é", "王", ",", ";", '"', "\n", " ", "=", "+", "-", "'"),
    });
    fc.assert(
      fc.property(fc.array(cell, { minLength: 1, maxLength: 6 }), fc.constantFrom(",", ";", "\t"), (cells, d) => {
        const text = csvLine(cells, d).slice(0, -2);
        const records = parse(text, d);
        expect(records).toEqual([cells.map((c) => escapeFormula(c))]);
      }),
    );
  });
});

describe("reading lines", () => {
  it("splits across chunk boundaries, drops a UTF-8 BOM and keeps a last line without newline", async () => {
    const lines = await collect(chunks(Buffer.from([0xef, 0xbb, 0xbf]), "a,b\r\nc", "é\nlast"));
    expect(lines.map((l) => [l.lineNo, l.text])).toEqual([
      [1, "a,b\r"],
      [2, "cé"],
      [3, "last"],
    ]);
  });

  it("refuses UTF-16 and a first line that is not UTF-8", async () => {
    await expect(collect(chunks(Buffer.from([0xff, 0xfe, 0x61, 0x00])))).rejects.toMatchObject({
      reason: "encoding_utf16",
    });
    await expect(collect(chunks(Buffer.from("a\u0000b\u0000\n", "latin1")))).rejects.toBeInstanceOf(EncodingError);
    await expect(collect(chunks(Buffer.from("prénom\n", "latin1")))).rejects.toMatchObject({
      reason: "encoding_invalid",
    });
  });

  it("marks a later line that is not UTF-8 and goes on", async () => {
    const lines = await collect(chunks("name\n", Buffer.from("José\n", "latin1"), "Ana\n"));
    expect(lines.map((l) => l.invalidUtf8)).toEqual([false, true, false]);
  });
});

describe("column mapping", () => {
  it("understands fields, aliases, attributes and identities", () => {
    expect(targetOf("First Name")).toEqual({ kind: "scalar", field: "givenName" });
    expect(targetOf("E-mail")).toEqual({ kind: "list", field: "emails" });
    expect(targetOf("attributes.vip_level")).toEqual({ kind: "attribute", key: "vip_level" });
    expect(targetOf("crm_id")).toEqual({ kind: "identity", identityKind: "crm_id", namespace: "" });
    expect(targetOf("identity.wechat_openid.wx123")).toEqual({
      kind: "identity",
      identityKind: "wechat_openid",
      namespace: "wx123",
    });
    expect(targetOf("identity.wechat_openid")).toBeNull();
    expect(targetOf("shoe_size")).toBeNull();
  });

  it("says on line 1 when the header uses another delimiter", () => {
    expect(() => planColumns(["given_name;family_name;email"], {}, ",")).toThrow(/semicolons/);
    expect(() => planColumns(["given_name", "shoe"], {}, ",")).toThrow(/unknown column\(s\) "shoe"/);
    expect(planColumns(["given_name", "shoe"], { shoe: "-" }, ",")[1]).toEqual({ kind: "skip" });
    expect(() => parseMapPairs(["nofield"])).toThrow(/column=field/);
  });
});

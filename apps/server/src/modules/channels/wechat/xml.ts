/**
 * A tiny strict parser for WeChat's XML: elements, text, CDATA, the five predefined entities and numeric
 * character references. No DOCTYPE, no entity declarations, no processing instructions beyond the XML
 * declaration, no attributes: an XML bomb or an external entity has nothing to expand and is refused.
 */

export type XmlElement = { name: string; text: string; children: XmlElement[] };

/** Malformed or refused XML (WXBizMsgCrypt's -40002). */
export class XmlError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(`${message} (at character ${position})`);
    this.name = "XmlError";
  }
}

const MAX_DEPTH = 8;
const MAX_ELEMENTS = 5000;
const NAME = /[A-Za-z_][\w.-]*/y;
const PREDEFINED: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

/** Parses a document into its root element; throws XmlError on anything outside the accepted subset. */
export function parseXml(input: string): XmlElement {
  let pos = 0;
  let elements = 0;
  const fail = (message: string): never => {
    throw new XmlError(message, pos);
  };

  const skipSpace = () => {
    while (pos < input.length && /\s/.test(input[pos] as string)) pos++;
  };

  const decodeText = (raw: string, at: number): string =>
    raw.replace(/&([^;&\s]{0,10});?/g, (whole, ref: string) => {
      if (!whole.endsWith(";")) throw new XmlError("An unterminated entity reference", at);
      if (ref in PREDEFINED) return PREDEFINED[ref] as string;
      const numeric = /^#(?:x([0-9A-Fa-f]{1,6})|([0-9]{1,7}))$/.exec(ref);
      if (numeric) {
        const code = numeric[1] !== undefined ? Number.parseInt(numeric[1], 16) : Number(numeric[2]);
        if (code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff)) return String.fromCodePoint(code);
      }
      throw new XmlError(`The entity "&${ref};" is not allowed`, at);
    });

  const readName = (): string => {
    NAME.lastIndex = pos;
    const m = NAME.exec(input);
    if (!m) return fail("An element name was expected");
    pos += m[0].length;
    return m[0];
  };

  const element = (depth: number): XmlElement => {
    if (depth > MAX_DEPTH) fail("Elements are nested too deeply");
    if (++elements > MAX_ELEMENTS) fail("Too many elements");
    if (input[pos] !== "<") fail("An element was expected");
    pos++;
    const name = readName();
    skipSpace();
    if (input.startsWith("/>", pos)) {
      pos += 2;
      return { name, text: "", children: [] };
    }
    if (input[pos] !== ">") fail(`Attributes are not accepted (element <${name}>)`);
    pos++;
    let text = "";
    const children: XmlElement[] = [];
    for (;;) {
      if (pos >= input.length) fail(`<${name}> is not closed`);
      if (input.startsWith("<![CDATA[", pos)) {
        const end = input.indexOf("]]>", pos + 9);
        if (end < 0) fail("A CDATA section is not closed");
        text += input.slice(pos + 9, end);
        pos = end + 3;
      } else if (input.startsWith("</", pos)) {
        pos += 2;
        if (readName() !== name) fail(`The closing tag does not match <${name}>`);
        skipSpace();
        if (input[pos] !== ">") fail("A closing tag is malformed");
        pos++;
        return { name, text: children.length && !text.trim() ? "" : text, children };
      } else if (input.startsWith("<!", pos) || input.startsWith("<?", pos)) {
        fail("Declarations, comments and processing instructions are not accepted inside elements");
      } else if (input[pos] === "<") {
        children.push(element(depth + 1));
      } else {
        const next = input.indexOf("<", pos);
        const end = next < 0 ? input.length : next;
        const raw = input.slice(pos, end);
        if (raw.includes("]]>")) fail('"]]>" may not appear in text');
        text += decodeText(raw, pos);
        pos = end;
      }
    }
  };

  if (input.charCodeAt(0) === 0xfeff) pos = 1;
  skipSpace();
  if (input.startsWith("<?xml", pos)) {
    const end = input.indexOf("?>", pos);
    if (end < 0) fail("The XML declaration is not closed");
    pos = end + 2;
    skipSpace();
  }
  if (input.startsWith("<!", pos) || input.startsWith("<?", pos)) {
    fail("DOCTYPE, entity declarations, comments and processing instructions are not accepted");
  }
  const root = element(0);
  skipSpace();
  if (pos !== input.length) fail("Content after the root element");
  return root;
}

/** The text of each direct child that has no children (first occurrence wins), by element name. */
export function fieldsOf(element: XmlElement): Record<string, string> {
  // No prototype: an element named "__proto__" or "constructor" is just a field.
  const fields: Record<string, string> = Object.create(null);
  for (const child of element.children) {
    if (child.children.length === 0 && !Object.hasOwn(fields, child.name)) fields[child.name] = child.text;
  }
  return fields;
}

/** The first direct child of that name. */
export function childOf(element: XmlElement, name: string): XmlElement | undefined {
  return element.children.find((c) => c.name === name);
}

import { describe, expect, it } from "vitest";
import {
  documentTokens,
  fold,
  highlight,
  queryTerms,
  tsqueryLiteral,
  tsvectorLiteral,
} from "../../platform/search-text.ts";
import { markdownToText, renderMarkdown, slugify } from "./text.ts";

describe("knowledge search text", () => {
  it("folds accents, width and case", () => {
    expect(fold("Envío RÉSUMÉ Ｒｅｆｕｎｄ")).toBe("envio resume refund");
  });

  it("cuts Chinese into character unigrams and bigrams, other scripts into words", () => {
    expect(documentTokens("申请退款 refund")).toEqual(["申", "申请", "请", "请退", "退", "退款", "款", "refund"]);
    expect(documentTokens("mot-de-passe")).toEqual(["mot", "de", "passe"]);
  });

  it("queries Chinese by bigrams and words by prefix", () => {
    expect(queryTerms("退款政策")).toEqual([
      { text: "退款", prefix: false },
      { text: "款政", prefix: false },
      { text: "政策", prefix: false },
    ]);
    expect(queryTerms("款")).toEqual([{ text: "款", prefix: false }]);
    expect(queryTerms("How do I get a refund", { dropStopWords: true }).map((t) => t.text)).toEqual(["get", "refund"]);
    expect(tsqueryLiteral(queryTerms("Refund it"), "all")).toBe("'refund':* & 'it'");
    expect(tsqueryLiteral([], "any")).toBeUndefined();
  });

  it("writes weighted tsvector literals with positions", () => {
    expect(
      tsvectorLiteral([
        { text: "Refund refund", weight: "A" },
        { text: "money", weight: "C" },
      ]),
    ).toBe("'refund':1A,2A 'money':13C");
  });

  it("highlights terms, escaped, around the first match", () => {
    const terms = queryTerms("remboursement");
    expect(highlight("Votre <b>Remboursement</b> arrive", terms)).toBe(
      "Votre &lt;b&gt;<mark>Remboursement</mark>&lt;/b&gt; arrive",
    );
    expect(highlight("Le envío está en camino", queryTerms("envio"))).toBe("Le <mark>envío</mark> está en camino");
    expect(highlight("我们会在14天内退款。", queryTerms("退款"))).toBe("我们会在14天内<mark>退款</mark>。");
    expect(highlight("refunded today", queryTerms("refund"))).toBe("<mark>refunded</mark> today");
    expect(highlight("prerefund", queryTerms("refund"))).toBe("prerefund");
    const long = `${"word ".repeat(100)}refund ${"tail ".repeat(100)}`;
    const cut = highlight(long, queryTerms("refund"), 60);
    expect(cut.startsWith("…")).toBe(true);
    expect(cut.endsWith("…")).toBe(true);
    expect(cut).toContain("<mark>refund</mark>");
  });

  it("renders Markdown without scripts, handlers or javascript: links", () => {
    const html = renderMarkdown(
      '# Title\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1)) <img src="https://a.example/i.png" onerror="alert(1)"> **bold**',
    );
    expect(html).toContain("<h1>Title</h1>");
    expect(html).toContain("<strong>bold</strong>");
    expect(html).not.toContain("<script");
    expect(html).not.toContain("onerror");
    expect(html).not.toContain("javascript:");
    expect(markdownToText("## Hi\n\n* **a** [link](https://x)")).toBe("Hi a link");
  });

  it("slugs titles to ASCII", () => {
    expect(slugify("Cómo solicitar un reembolso?")).toBe("como-solicitar-un-reembolso");
    expect(slugify("如何申请退款")).toBe("");
  });
});

import { describe, expect, it } from "vitest";
import { safeUrl, sanitizeArticleHtml, sanitizeHtml } from "./sanitize.ts";

describe("sanitizeHtml (strict profile)", () => {
  it("keeps formatting and text, drops scripts, handlers, styles, frames, images and forms", () => {
    const dirty =
      '<p onclick="alert(1)" style="color:red">Hi <b>there</b><script>alert(1)</script></p>' +
      '<img src=x onerror="alert(2)"><iframe src="https://evil.test"></iframe><form><input value="x"></form>' +
      "<svg><script>alert(3)</script></svg><style>body{display:none}</style>";
    const clean = sanitizeHtml(dirty);
    expect(clean).toBe("<p>Hi <b>there</b></p>");
    expect(clean).not.toMatch(/script|onerror|onclick|style|iframe|img|svg|form/i);
  });

  it("keeps only safe links, opening them in a new tab without opener or referrer", () => {
    const clean = sanitizeHtml(
      '<a href="https://shop.test/order?id=1" target="_self" onmouseover="x()">order</a> ' +
        '<a href="javascript:alert(1)">js</a> <a href="data:text/html,<script>alert(1)</script>">data</a> ' +
        '<a href=" JaVaScRiPt:alert(1)">mixed</a> <a href="/relative">rel</a>',
    );
    const doc = new DOMParser().parseFromString(clean, "text/html");
    const links = [...doc.querySelectorAll("a")];
    expect(links.map((a) => a.getAttribute("href"))).toEqual(["https://shop.test/order?id=1", null, null, null, null]);
    expect(links[0]?.getAttribute("rel")).toBe("noopener noreferrer");
    expect(links[0]?.getAttribute("target")).toBe("_blank");
    expect(clean).not.toMatch(/onmouseover|javascript|data:/i);
    expect(doc.body.textContent).toContain("order js data mixed rel");
  });

  it("neutralises the classic mutation-XSS and entity tricks", () => {
    const payloads = [
      '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
      "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
      '<a href="&#106;avascript:alert(1)">x</a>',
      '<div><a href="jav&#x09;ascript:alert(1)">y</a></div>',
      "<details open ontoggle=alert(1)>",
    ];
    for (const payload of payloads) {
      const clean = sanitizeHtml(payload);
      expect(clean, payload).not.toMatch(/onerror|ontoggle|javascript|<img|<style/i);
    }
  });
});

describe("safeUrl", () => {
  it("accepts absolute http(s) and mailto URLs only", () => {
    expect(safeUrl("https://example.com/a b")).toBe("https://example.com/a%20b");
    expect(safeUrl("mailto:help@example.com")).toBe("mailto:help@example.com");
    for (const bad of [
      "javascript:alert(1)",
      "data:image/png;base64,AA",
      "//evil.test",
      "/api/x",
      "vbscript:x",
      42,
      null,
    ]) {
      expect(safeUrl(bad)).toBeNull();
    }
  });
});

describe("sanitizeArticleHtml (an article's preview)", () => {
  it("also keeps headings, rules and tables, and still drops scripts, images, handlers and unsafe links", () => {
    const clean = sanitizeArticleHtml(
      '<h2 id="x" onclick="a()">Refunds</h2><hr><table><tbody><tr><td>14 days</td></tr></tbody></table>' +
        '<img src=x onerror="alert(1)"><script>alert(2)</script><a href="javascript:alert(3)">x</a>',
    );
    expect(clean).toBe("<h2>Refunds</h2><hr><table><tbody><tr><td>14 days</td></tr></tbody></table><a>x</a>");
    expect(sanitizeHtml("<h2>Refunds</h2>")).toBe("Refunds");
  });
});

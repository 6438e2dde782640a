import { snippetParts } from "@rapport/contracts/snippet";
import { describe, expect, it } from "vitest";

describe("search snippets", () => {
  it("splits marked terms from text and unescapes the text", () => {
    expect(
      snippetParts("Where is my <mark>refund</mark>? &lt;script&gt;alert(1)&lt;/script&gt; &amp; &#39;x&#39;"),
    ).toEqual([
      { text: "Where is my ", mark: false },
      { text: "refund", mark: true },
      { text: "? <script>alert(1)</script> & 'x'", mark: false },
    ]);
  });

  it("keeps any other markup as plain text", () => {
    expect(snippetParts('<img src=x onerror="alert(1)"><mark>退款</mark>')).toEqual([
      { text: '<img src=x onerror="alert(1)">', mark: false },
      { text: "退款", mark: true },
    ]);
  });
});

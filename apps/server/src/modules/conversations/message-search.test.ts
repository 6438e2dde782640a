import { beforeAll, describe, expect, it } from "vitest";
import { TEST_DATABASES } from "../../../test/harness.ts";
import { setupCaseTests } from "./test-helpers.ts";

type Hit = {
  message: { id: string; text: string; direction: string; private: boolean };
  case: { id: string; number: number; subject: string; status: string };
  contact: { id: string; displayName: string } | null;
  snippet: string;
};

describe.each(TEST_DATABASES)("message search on %s", (kind) => {
  const t = setupCaseTests(kind);
  let refundCase: string;
  let chineseCase: string;
  let noteId: string;

  beforeAll(async () => {
    refundCase = (await t.api.inbound("Marie Refund", "Bonjour, je voudrais un remboursement pour ma commande 4411"))
      .caseId;
    await t.api.inbound("Marie Refund", "Where is my refund? <script>alert(1)</script>");
    chineseCase = (await t.api.inbound("Wang Wei", "我想申请退款，订单还没有发货")).caseId;
    await t.api.inbound("Other Person", "The delivery was late");
    const reply = await t.api.call("POST", `/api/v1/cases/${refundCase}/messages`, {
      text: "Your refund has been issued today.",
    });
    expect(reply.statusCode, reply.body).toBe(201);
    const note = await t.api.call("POST", `/api/v1/cases/${refundCase}/messages`, {
      text: "Refund approved by finance",
      private: true,
    });
    expect(note.statusCode, note.body).toBe(201);
    noteId = note.json().id;
    // The other workspace has the same words: never found from the first.
    await t.other.inbound("Intruder", "refund refund 退款 remboursement");
  });

  const search = async (query: string) => {
    const res = await t.api.call("GET", `/api/v1/messages/search?${query}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { data: Hit[]; nextCursor: string | null };
  };

  it("finds inbound messages, replies and notes, newest first, with the case, contact and a highlighted snippet", async () => {
    const { data } = await search("q=refund");
    expect(data.map((h) => h.message.text)).toEqual([
      "Refund approved by finance",
      "Your refund has been issued today.",
      "Where is my refund? <script>alert(1)</script>",
    ]);
    expect(data[0]?.message.private).toBe(true);
    expect(data[0]?.case).toMatchObject({ id: refundCase, status: "open" });
    expect(data[2]?.contact?.displayName).toBe("Marie Refund");
    // The snippet is escaped text with only <mark> as markup.
    expect(data[2]?.snippet).toBe("Where is my <mark>refund</mark>? &lt;script&gt;alert(1)&lt;/script&gt;");
  });

  it("matches folded accents, word prefixes and Chinese words inside a sentence", async () => {
    expect((await search("q=REMBOURSEMENT")).data).toHaveLength(1);
    expect((await search("q=rembours")).data).toHaveLength(1);
    expect((await search(`q=${encodeURIComponent("refund issued")}`)).data).toHaveLength(1);
    const chinese = await search(`q=${encodeURIComponent("退款")}`);
    expect(chinese.data.map((h) => h.case.id)).toEqual([chineseCase]);
    expect(chinese.data[0]?.snippet).toContain("<mark>退款</mark>");
    expect((await search(`q=${encodeURIComponent("发货")}`)).data).toHaveLength(1);
    expect((await search("q=nothingmatches")).data).toEqual([]);
  });

  it("filters by case, direction and notes, and pages without gaps or repeats", async () => {
    const inbound = await search("q=refund&direction=inbound");
    expect(inbound.data.map((h) => h.message.direction)).toEqual(["inbound"]);
    const notes = await search("q=refund&private=true");
    expect(notes.data.map((h) => h.message.id)).toEqual([noteId]);
    const visible = await search("q=refund&private=false");
    expect(visible.data).toHaveLength(2);
    expect((await search(`q=refund&caseId=${chineseCase}`)).data).toEqual([]);

    const seen: string[] = [];
    let cursor = "";
    for (let i = 0; i < 5; i++) {
      const page = await search(`q=refund&limit=1${cursor ? `&cursor=${cursor}` : ""}`);
      seen.push(...page.data.map((h) => h.message.id));
      cursor = page.nextCursor ?? "";
      if (!cursor) break;
    }
    expect(seen).toHaveLength(3);
    expect(new Set(seen).size).toBe(3);
  });

  it("never returns another workspace's messages", async () => {
    for (const q of ["refund", "退款", "remboursement"]) {
      const { data } = await search(`q=${encodeURIComponent(q)}`);
      expect(data.every((h) => !h.message.text.includes("refund refund"))).toBe(true);
    }
    const theirs = await t.other.call("GET", "/api/v1/messages/search?q=refund");
    expect(theirs.json().data).toHaveLength(1);
  });

  it("explains a missing query, a bad filter or a forged cursor", async () => {
    const empty = await t.api.call("GET", "/api/v1/messages/search?q=%20");
    expect(empty.statusCode).toBe(400);
    expect(empty.body).toContain("q=refund");
    const badCase = await t.api.call("GET", "/api/v1/messages/search?q=refund&caseId=nope");
    expect(badCase.statusCode).toBe(400);
    expect(badCase.body).toContain("caseId");
    const forged = await t.api.call("GET", "/api/v1/messages/search?q=refund&cursor=bm9wZQ");
    expect(forged.statusCode).toBe(400);
    expect(forged.json().error.reason).toBe("cursor_invalid");
  });
});

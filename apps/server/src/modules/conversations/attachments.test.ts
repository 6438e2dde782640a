import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { TEST_DATABASES } from "../../../test/harness.ts";
import { localStorage } from "../../platform/storage.ts";
import { type CaseTests, setupCaseTests } from "./test-helpers.ts";

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(200, 7)]);

describe("the local storage driver", () => {
  it("stores, reads and deletes by key, refuses oversize bodies without keeping them, and refuses escaping keys", async () => {
    const dir = await mkdtemp(join(tmpdir(), "rapport-storage-"));
    try {
      const storage = localStorage(dir);
      const put = await storage.put("ws/a", Readable.from([Buffer.from("hello "), Buffer.from("world")]));
      expect(put.size).toBe(11);
      const chunks: Buffer[] = [];
      for await (const c of await storage.get("ws/a")) chunks.push(c as Buffer);
      expect(Buffer.concat(chunks).toString()).toBe("hello world");
      await expect(
        storage.put("ws/big", Readable.from([Buffer.alloc(600), Buffer.alloc(600)]), { maxBytes: 1000 }),
      ).rejects.toMatchObject({
        reason: "file_too_large",
      });
      expect(await readdir(join(dir, "ws"))).toEqual(["a"]);
      await expect(storage.put("../escape", Buffer.from("x"))).rejects.toMatchObject({ reason: "storage_key_invalid" });
      await storage.delete("ws/a");
      await expect(storage.get("ws/a")).rejects.toMatchObject({ reason: "file_not_found" });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe.each(TEST_DATABASES)("attachments on %s", (kind) => {
  const dataDir = join(tmpdir(), `rapport-attachments-${process.pid}-${kind}`);
  const t = setupCaseTests(kind, {
    configure: (_env) => {
      t.env.config.DATA_DIR = dataDir;
      t.env.config.ATTACHMENT_MAX_BYTES = 4096;
    },
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  const upload = (
    ws: CaseTests["a"],
    caseId: string,
    body: Buffer,
    contentType: string,
    role: "agent" | "analyst" = "agent",
  ) =>
    t.env.app.inject({
      method: "POST",
      url: `/api/v1/cases/${caseId}/attachments?fileName=${encodeURIComponent("reçu.png")}`,
      headers: { ...ws.auth(role), "content-type": contentType },
      payload: body,
    });

  it("stores a file for a case, lists it, serves it back, and lets a reply carry it", async () => {
    const { caseId } = await t.api.inbound("files-1", "here is the problem");
    const res = await upload(t.a, caseId, PNG, "image/png");
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ caseId, fileName: "reçu.png", contentType: "image/png", size: PNG.length });
    const id = res.json().id;
    expect(
      (await t.api.call("GET", `/api/v1/cases/${caseId}/attachments`)).json().data.map((x: { id: string }) => x.id),
    ).toEqual([id]);
    const download = await t.api.call("GET", `/api/v1/attachments/${id}`);
    expect(download.statusCode).toBe(200);
    expect(download.headers["content-type"]).toBe("image/png");
    expect(download.headers["content-disposition"]).toBe("attachment; filename*=UTF-8''re%C3%A7u.png");
    expect(download.rawPayload.equals(PNG)).toBe(true);

    const reply = await t.api.call("POST", `/api/v1/cases/${caseId}/messages`, {
      content: { type: "image", attachmentId: id, caption: "this one?" },
    });
    expect(reply.statusCode, reply.body).toBe(201);
    expect(reply.json().content).toMatchObject({ attachmentId: id });

    const elsewhere = await t.api.inbound("files-2", "another case");
    const wrongCase = await t.api.call("POST", `/api/v1/cases/${elsewhere.caseId}/messages`, {
      content: { type: "image", attachmentId: id },
    });
    expect(wrongCase.statusCode).toBe(422);
    expect(wrongCase.json().error).toMatchObject({
      reason: "attachment_not_found",
      details: { field: "content.attachmentId" },
    });
  });

  it("moves files with their messages on merge and split, and back on undo", async () => {
    const filesOf = async (caseId: string) =>
      (await t.api.call("GET", `/api/v1/cases/${caseId}/attachments`)).json().data.map((x: { id: string }) => x.id);
    const source = await t.api.inbound("files-merge", "first case");
    const sent = (await upload(t.a, source.caseId, PNG, "image/png")).json().id;
    const reply = await t.api.call("POST", `/api/v1/cases/${source.caseId}/messages`, {
      content: { type: "image", attachmentId: sent },
    });
    expect(reply.statusCode, reply.body).toBe(201);
    const unsent = (await upload(t.a, source.caseId, PNG, "image/png")).json().id;
    const target = await t.api.inbound("files-merge-2", "second case");

    const merge = await t.api.call("POST", `/api/v1/cases/${source.caseId}/merge`, { targetCaseId: target.caseId });
    expect(merge.statusCode, merge.body).toBe(200);
    expect((await filesOf(target.caseId)).sort()).toEqual([sent, unsent].sort());
    expect(await filesOf(source.caseId)).toEqual([]);
    // The reply keeps working from the case it now lives in.
    const again = await t.api.call("POST", `/api/v1/cases/${target.caseId}/messages`, {
      content: { type: "image", attachmentId: sent },
    });
    expect(again.statusCode, again.body).toBe(201);

    const undo = await t.api.call("POST", `/api/v1/case-operations/${merge.json().operation.id}/undo`);
    expect(undo.statusCode, undo.body).toBe(200);
    expect((await filesOf(source.caseId)).sort()).toEqual([sent, unsent].sort());

    // A split takes the files of the messages it moves, and only those.
    const split = await t.api.call("POST", `/api/v1/cases/${source.caseId}/split`, {
      messageIds: [reply.json().id],
    });
    expect(split.statusCode, split.body).toBe(201);
    expect(await filesOf(split.json().case.id)).toEqual([sent]);
    expect(await filesOf(source.caseId)).toEqual([unsent]);
  });

  it("refuses oversize (413) and disallowed or mislabelled files (415), stating the limits", async () => {
    const { caseId } = await t.api.inbound("files-3", "big file");
    const big = await upload(t.a, caseId, Buffer.concat([PNG, Buffer.alloc(5000)]), "image/png");
    expect(big.statusCode).toBe(413);
    expect(big.json().error).toMatchObject({ reason: "attachment_too_large", details: { maxBytes: 4096 } });
    expect(big.json().error.message).toContain("4096 bytes");
    const exe = await upload(t.a, caseId, Buffer.from("MZ..."), "application/x-msdownload");
    expect(exe.statusCode).toBe(415);
    expect(exe.json().error.reason).toBe("attachment_type_not_allowed");
    expect(exe.json().error.details.allowed).toContain("image/png");
    const fake = await upload(t.a, caseId, Buffer.from("not really a png"), "image/png");
    expect(fake.statusCode).toBe(415);
    expect(fake.json().error.reason).toBe("attachment_content_mismatch");
    expect((await upload(t.a, caseId, Buffer.alloc(0), "text/plain")).statusCode).toBe(415);
    expect((await t.api.call("GET", `/api/v1/cases/${caseId}/attachments`)).json().data).toEqual([]);
    expect((await upload(t.a, caseId, PNG, "image/png", "analyst")).statusCode).toBe(403);
    // Types Fastify parses by itself (text/plain) still arrive as raw bytes.
    const text = await upload(t.a, caseId, Buffer.from("order 1234, tracking ABC"), "text/plain");
    expect(text.statusCode, text.body).toBe(201);
  });

  it("hides attachments and cases of other workspaces", async () => {
    const { caseId } = await t.api.inbound("files-4", "mine");
    const id = (await upload(t.a, caseId, PNG, "image/png")).json().id;
    expect((await t.other.call("GET", `/api/v1/attachments/${id}`)).statusCode).toBe(404);
    expect((await t.other.call("GET", `/api/v1/cases/${caseId}/attachments`)).statusCode).toBe(404);
    expect((await upload(t.b, caseId, PNG, "image/png")).statusCode).toBe(404);
  });
});

import { beforeAll, describe, expect, it } from "vitest";
import { TEST_DATABASES } from "../../../../test/harness.ts";
import { nextClientId, setupWebchatTests } from "./test-helpers.ts";
import { signVisitorToken } from "./token.ts";

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(300, 7)]);
const PDF = Buffer.from("%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n");

describe.each(TEST_DATABASES)("web chat file uploads on %s", (kind) => {
  const { t, createChannel, patchChannel, widget, startSession, say, caseWith, messagesOf } = setupWebchatTests(kind);
  let channelId: string;
  let otherChannelId: string;

  beforeAll(async () => {
    channelId = (await createChannel(t.a, { uploads: { maxBytes: 4096 } })).channel.id;
    otherChannelId = (await createChannel(t.b)).channel.id;
  });

  const upload = (
    token: string | undefined,
    body: Buffer,
    contentType: string,
    o: { fileName?: string; clientMessageId?: string; channel?: string; caption?: string } = {},
  ) => {
    const query = new URLSearchParams({ clientMessageId: o.clientMessageId ?? nextClientId() });
    if (o.fileName) query.set("fileName", o.fileName);
    if (o.caption) query.set("caption", o.caption);
    return widget(o.channel ?? channelId, "POST", `/attachments?${query}`, {
      ...(token ? { token } : {}),
      payload: body,
      headers: { "content-type": contentType },
    });
  };

  it("stores a visitor's image on their case, shows it to the agent and serves it back to the visitor only", async () => {
    const { token } = await startSession(channelId);
    await say(channelId, token, "Photo of the broken teapot coming");
    const { id: caseId } = await caseWith(t.a, "broken teapot");
    const clientMessageId = nextClientId();
    const res = await upload(token, PNG, "image/png", { fileName: "teapot.png", clientMessageId, caption: "lid" });
    expect(res.statusCode, res.body).toBe(201);
    const { message } = res.json();
    expect(message).toMatchObject({
      type: "image",
      direction: "inbound",
      clientMessageId,
      text: "lid",
      attachment: { name: "teapot.png", contentType: "image/png", size: PNG.length },
    });
    const attachmentId = message.attachment.id as string;

    // The agent's thread: an image message whose media names the stored attachment, served to the console.
    const thread = await messagesOf(t.a, caseId);
    const image = thread.find((m) => m.id === message.id);
    expect(image).toMatchObject({ type: "image", content: { media: { attachmentId, mimeType: "image/png" } } });
    const agentDownload = await t.env.app.inject({
      url: `/api/v1/attachments/${attachmentId}`,
      headers: t.a.auth("agent"),
    });
    expect(agentDownload.statusCode).toBe(200);
    expect(agentDownload.rawPayload.equals(PNG)).toBe(true);
    const listed = await t.env.app.inject({ url: `/api/v1/cases/${caseId}/attachments`, headers: t.a.auth("agent") });
    expect(listed.json().data).toEqual([
      expect.objectContaining({ id: attachmentId, uploadedBy: { type: "channel", id: null } }),
    ]);

    // The visitor downloads it inline, sandboxed.
    const mine = await widget(channelId, "GET", `/attachments/${attachmentId}`, { token });
    expect(mine.statusCode).toBe(200);
    expect(mine.headers["content-type"]).toBe("image/png");
    expect(mine.headers["content-disposition"]).toBe("inline; filename*=UTF-8''teapot.png");
    expect(mine.headers["content-security-policy"]).toContain("sandbox");
    expect(mine.rawPayload.equals(PNG)).toBe(true);

    // A retry of the same upload is the same message and the same file.
    const again = await upload(token, PNG, "image/png", { fileName: "teapot.png", clientMessageId });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({
      duplicate: true,
      message: { id: message.id, attachment: { id: attachmentId } },
    });
    const after = await t.env.app.inject({ url: `/api/v1/cases/${caseId}/attachments`, headers: t.a.auth("agent") });
    expect(after.json().data).toHaveLength(1);

    // A client message id already used by a text message is refused, not reused.
    const textId = nextClientId();
    await widget(channelId, "POST", "/messages", { token, payload: { clientMessageId: textId, text: "text first" } });
    const reused = await upload(token, PNG, "image/png", { clientMessageId: textId });
    expect(reused.statusCode).toBe(409);
    expect(reused.json().error.reason).toBe("client_message_id_reused");

    // Another visitor of the same channel cannot read it.
    const stranger = await startSession(channelId);
    expect((await widget(channelId, "GET", `/attachments/${attachmentId}`, { token: stranger.token })).statusCode).toBe(
      404,
    );
  });

  it("serves documents as downloads and opens a case when the first message is a file", async () => {
    const { token } = await startSession(channelId);
    const res = await upload(token, PDF, "application/pdf", { fileName: "invoice 12.pdf" });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().message).toMatchObject({ type: "file", text: "", attachment: { name: "invoice 12.pdf" } });
    const file = await widget(channelId, "GET", `/attachments/${res.json().message.attachment.id}`, { token });
    expect(file.headers["content-type"]).toBe("application/octet-stream");
    expect(file.headers["content-disposition"]).toBe("attachment; filename*=UTF-8''invoice%2012.pdf");
    const cases = await caseWith(t.a, "invoice 12.pdf");
    expect(cases.subject).toContain("[file] invoice 12.pdf");
  });

  it("refuses too large, disallowed, mislabelled and anonymous files with clear errors, keeping nothing", async () => {
    const { token } = await startSession(channelId);
    const big = await upload(token, Buffer.concat([PNG, Buffer.alloc(5000)]), "image/png");
    expect(big.statusCode).toBe(413);
    expect(big.json().error).toMatchObject({ reason: "attachment_too_large", details: { maxBytes: 4096 } });
    expect(big.json().error.message).toContain("4096 bytes");
    const exe = await upload(token, Buffer.from("MZ\x90\x00"), "application/x-msdownload");
    expect(exe.statusCode).toBe(415);
    expect(exe.json().error.reason).toBe("attachment_type_not_allowed");
    expect(exe.json().error.details.allowed).toContain("application/pdf");
    const fake = await upload(token, Buffer.from("<script>alert(1)</script>"), "image/png");
    expect(fake.statusCode).toBe(415);
    expect(fake.json().error.reason).toBe("attachment_content_mismatch");
    expect((await upload(token, Buffer.alloc(0), "text/plain")).json().error.reason).toBe(
      "attachment_content_mismatch",
    );
    const noId = await widget(channelId, "POST", "/attachments", {
      token,
      payload: PNG,
      headers: { "content-type": "image/png" },
    });
    expect(noId.statusCode).toBe(400);
    expect(noId.json().error.details).toMatchObject({ in: "querystring" });
    expect(noId.json().error.message).toContain("clientMessageId");
    // Nothing of these became a message.
    expect((await widget(channelId, "GET", "/conversation", { token })).json().data).toEqual([]);

    expect((await upload(undefined, PNG, "image/png")).json().error.reason).toBe("visitor_token_missing");
    const session = await startSession(channelId);
    const forged = signVisitorToken("not-this-channels-secret", {
      workspaceId: t.a.workspace.id,
      channelId,
      visitorId: session.visitorId,
    });
    const refused = await upload(forged, PNG, "image/png");
    expect(refused.statusCode).toBe(401);
    expect(refused.json().error.reason).toBe("visitor_token_invalid");
  });

  it("honours a channel that turned uploads off", async () => {
    const off = (await createChannel(t.a, { uploads: { enabled: false } })).channel.id;
    const { token } = await startSession(off);
    const res = await upload(token, PNG, "image/png", { channel: off });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.reason).toBe("uploads_disabled");
    const bad = await patchChannel(t.a, off, { uploads: { maxBytes: 10 } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.field).toBe("config.uploads.maxBytes");
    const badType = await patchChannel(t.a, off, { uploads: { types: ["png"] } });
    expect(badType.json().error.details.field).toBe("config.uploads.types[0]");
  });

  it("delivers an agent's image reply to the widget, downloadable by the visitor", async () => {
    const { token } = await startSession(channelId);
    await say(channelId, token, "Which cup do you mean for the agent image?");
    const { id: caseId } = await caseWith(t.a, "agent image");
    const uploaded = await t.env.app.inject({
      method: "POST",
      url: `/api/v1/cases/${caseId}/attachments?fileName=cup.png`,
      headers: { ...t.a.auth("agent"), "content-type": "image/png" },
      payload: PNG,
    });
    expect(uploaded.statusCode, uploaded.body).toBe(201);
    const attachmentId = uploaded.json().id as string;
    const reply = await t.env.app.inject({
      method: "POST",
      url: `/api/v1/cases/${caseId}/messages`,
      headers: t.a.auth("agent"),
      payload: { content: { type: "image", attachmentId, caption: "This one" } },
    });
    expect(reply.statusCode, reply.body).toBe(201);
    const conversation = (await widget(channelId, "GET", "/conversation", { token })).json().data;
    expect(conversation.at(-1)).toMatchObject({
      direction: "outbound",
      type: "image",
      text: "This one",
      attachment: { id: attachmentId },
    });
    const got = await widget(channelId, "GET", `/attachments/${attachmentId}`, { token });
    expect(got.statusCode).toBe(200);
    expect(got.rawPayload.equals(PNG)).toBe(true);
  });

  it("keeps files of another workspace out of reach", async () => {
    const { token } = await startSession(channelId);
    const sent = await upload(token, PNG, "image/png", { fileName: "mine.png" });
    const attachmentId = sent.json().message.attachment.id as string;
    // Workspace b's agent, b's channel with a's token, a's token on b's channel.
    expect(
      (await t.env.app.inject({ url: `/api/v1/attachments/${attachmentId}`, headers: t.b.auth("agent") })).statusCode,
    ).toBe(404);
    expect((await upload(token, PNG, "image/png", { channel: otherChannelId })).statusCode).toBe(401);
    const bVisitor = await startSession(otherChannelId);
    const crossRead = await widget(otherChannelId, "GET", `/attachments/${attachmentId}`, { token: bVisitor.token });
    expect(crossRead.statusCode).toBe(404);
    expect((await widget(channelId, "GET", `/attachments/${attachmentId}`, { token: bVisitor.token })).statusCode).toBe(
      401,
    );
  });
});

/**
 * Test helper: a local fake of the WeChat API (the documented JSON, error codes and token expiry), for tests
 * that point a channel's `apiBaseUrl` at it. Built in: `stable_token` (with rotation and a secret check),
 * `message/custom/send` (with scripted error codes) and `qrcode/create`; tests add any other path with `on()`.
 * Every call but `stable_token`, `/sns/*` and `/cdn/*` (files, e.g. a video_url) must carry the current
 * access_token, else 42001.
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { TestEnv } from "../../../../test/harness.ts";
import { wechatSignature } from "./crypto.ts";

type ApiFixture = { id: string; body: Record<string, unknown> };
const apiFixtures = (
  JSON.parse(readFileSync(new URL("./fixtures/wechat-oa-messages.json", import.meta.url), "utf8")) as {
    fixtures: ApiFixture[];
  }
).fixtures;

/** The JSON body of a fixture of `wechat-oa-messages.json` (the `api-*` ones are WeChat API answers). */
export function apiFixture(id: string): Record<string, unknown> {
  const f = apiFixtures.find((x) => x.id === id);
  if (!f) throw new Error(`no fixture ${id}`);
  return structuredClone(f.body);
}

export const FAKE_APP_ID = "wxb11529c136998cb6";
export const FAKE_SECRET = "0123456789abcdef0123456789abcdef";

/** One request the fake received (JSON bodies parsed; other bodies as raw bytes). */
export type FakeRequest = {
  method: string;
  path: string;
  query: URLSearchParams;
  body: Record<string, unknown>;
  raw: Buffer;
  headers: IncomingHttpHeaders;
};

/** A non-JSON answer (binary media, HTTP errors). */
export class FakeRaw {
  constructor(
    readonly body: Buffer | string,
    readonly contentType = "application/octet-stream",
    readonly status = 200,
    readonly headers: Record<string, string> = {},
  ) {}
}

/** A path handler: returns a JSON object (or a FakeRaw); may be async. */
export type FakeHandler = (req: FakeRequest) => object | FakeRaw | Promise<object | FakeRaw>;

/** Starts the fake on a free loopback port. */
export async function startFakeWechat() {
  const state = {
    generation: 1,
    expiresIn: 7200,
    tokenCalls: [] as { appid: unknown; force: unknown }[],
    sends: [] as Record<string, unknown>[],
    sendAttempts: 0,
    qrRequests: [] as Record<string, unknown>[],
    script: [] as number[],
    secret: FAKE_SECRET,
    /** Every request but stable_token, in arrival order. */
    requests: [] as FakeRequest[],
  };
  const token = () => `ACCESS_TOKEN_${state.generation}_${"x".repeat(120)}`;
  const handlers = new Map<string, FakeHandler>();

  handlers.set("/cgi-bin/qrcode/create", ({ body }) => {
    state.qrRequests.push(body);
    const fixture = apiFixture("api-qrcode-create");
    return body.expire_seconds
      ? { ...fixture, expire_seconds: body.expire_seconds }
      : { ...fixture, expire_seconds: undefined };
  });
  handlers.set("/cgi-bin/message/custom/send", ({ body }) => {
    const scripted = state.script.shift();
    if (scripted) return { errcode: scripted, errmsg: `scripted ${scripted}` };
    state.sends.push(body);
    return apiFixture("api-message-custom-send-ok");
  });

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://x");
      const raw = Buffer.concat(chunks);
      const respond = (answer: object | FakeRaw) => {
        if (answer instanceof FakeRaw) {
          res.writeHead(answer.status, { "content-type": answer.contentType, ...answer.headers });
          res.end(answer.body);
          return;
        }
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(answer));
      };
      let body: Record<string, unknown> = {};
      if (raw.length && (req.headers["content-type"] ?? "").includes("json")) {
        body = JSON.parse(raw.toString("utf8")) as Record<string, unknown>;
      }
      if (url.pathname === "/cgi-bin/stable_token") {
        state.tokenCalls.push({ appid: body.appid, force: body.force_refresh });
        if (body.secret !== state.secret) return respond({ errcode: 40125, errmsg: "invalid appsecret" });
        if (body.force_refresh === true) state.generation++;
        // Slow enough that concurrent callers overlap.
        setTimeout(
          () => respond({ ...apiFixture("api-token"), access_token: token(), expires_in: state.expiresIn }),
          100,
        );
        return;
      }
      const request: FakeRequest = {
        method: req.method ?? "GET",
        path: url.pathname,
        query: url.searchParams,
        body,
        raw,
        headers: req.headers,
      };
      state.requests.push(request);
      if (url.pathname === "/cgi-bin/message/custom/send") state.sendAttempts++;
      // showqrcode (a QR image by its ticket) needs no token on WeChat either.
      const tokenless =
        url.pathname.startsWith("/sns/") || url.pathname.startsWith("/cdn/") || url.pathname === "/cgi-bin/showqrcode";
      if (!tokenless && url.searchParams.get("access_token") !== token()) {
        return respond({ errcode: 42001, errmsg: "access_token expired" });
      }
      const handler = handlers.get(url.pathname);
      if (!handler) return respond(new FakeRaw("not found", "text/plain", 404));
      Promise.resolve(handler(request)).then(respond, (err: unknown) =>
        respond(new FakeRaw(String(err), "text/plain", 500)),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    state,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    /** Answers `path` with `handler` (replacing a built-in one). */
    on(path: string, handler: FakeHandler) {
      handlers.set(path, handler);
    },
    /** The requests made to `path` so far. */
    requestsTo: (path: string) => state.requests.filter((r) => r.path === path),
    /** WeChat invalidates the current token (another caller forced a refresh). */
    rotate: () => {
      state.generation++;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export type FakeWechat = Awaited<ReturnType<typeof startFakeWechat>>;

/** The config of a plain-mode channel calling the fake. */
export function fakeChannelConfig(fake: FakeWechat, extra: Record<string, unknown> = {}) {
  return {
    appId: FAKE_APP_ID,
    appSecret: FAKE_SECRET,
    token: "pamtest",
    messageMode: "plain",
    apiBaseUrl: fake.url,
    allowPrivateNetwork: true,
    ...extra,
  };
}

/** Creates a plain-mode WeChat channel calling the fake (as `auth`, an admin); returns its id. */
export async function createFakeChannel(
  env: TestEnv,
  auth: Record<string, string>,
  fake: FakeWechat,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const created = await env.app.inject({
    method: "POST",
    url: "/api/v1/channels",
    headers: auth,
    payload: { type: "wechat", name: "OA", config: fakeChannelConfig(fake, extra) },
  });
  if (created.statusCode !== 201) throw new Error(`channel not created: ${created.body}`);
  return created.json().channel.id as string;
}

/** Pushes plain-mode XML to a channel's webhook, signed with `token` and the current time. */
export function pushPlain(env: TestEnv, channelId: string, xml: string, token = "pamtest") {
  const t = String(Math.floor(Date.now() / 1000));
  return env.app.inject({
    method: "POST",
    url: `/webhooks/wechat/${channelId}?signature=${wechatSignature([token, t, "n"])}&timestamp=${t}&nonce=n`,
    headers: { "content-type": "text/xml" },
    payload: xml,
  });
}

// bench/wechat-webhook: WeChat webhook throughput and latency in safe mode (verify + decrypt + parse + dedupe +
// ingest into a case + ack) against plain mode (the same without the crypto) measured in the same run, on
// PostgreSQL; then the crypto alone (decrypts/s on one core). Targets (issue 5): safe mode ≥ 1,500 msgs/s with
// p99 ≤ 50 ms; ≥ 20,000 decrypts/s.
// Usage: node --import tsx bench/wechat-webhook.ts [--db=postgres|pglite] [--messages=10000] [--connections=32]
//        (TEST_DATABASE_URL, default postgres://root@127.0.0.1:5432/test)
// The server runs in a child process (this file with BENCH_ROLE=server), so the load generator never shares its
// event loop.
import { spawn } from "node:child_process";
import type { AddressInfo } from "node:net";
import { createInterface } from "node:readline";
import autocannon from "autocannon";
import {
  aesKeyOf,
  decryptMessage,
  encryptMessage,
  wechatSignature,
} from "../apps/server/src/modules/channels/wechat/crypto.ts";
import { buildWorkspace } from "../apps/server/test/factories.ts";
import { openTestEnv } from "../apps/server/test/harness.ts";

const arg = (name: string, fallback: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback;
const db = arg("db", "postgres") as "postgres" | "pglite";
const messages = Number(arg("messages", "10000"));
// 32 clients by default: each waits for its answer before sending again, so a run's rate is at most clients ÷
// latency (16 clients cannot show 1,500 msgs/s unless the mean latency is under 11 ms; the target allows a p99 of
// 50 ms).
const connections = Number(arg("connections", "32"));
process.env.TEST_DATABASE_URL ??= "postgres://root@127.0.0.1:5432/test";
process.env.TEST_DB_POOL_MAX ??= "16";

const APP_ID = "wxb11529c136998cb6";
const TOKEN = "benchtoken";
const ENCODING_AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const key = aesKeyOf(ENCODING_AES_KEY);

type Served = { base: string; plainId: string; safeId: string };

async function serve(): Promise<void> {
  const env = await openTestEnv(db);
  const ws = await buildWorkspace(env);
  async function channel(mode: "plain" | "safe"): Promise<string> {
    const res = await env.app.inject({
      method: "POST",
      url: "/api/v1/channels",
      headers: ws.auth("admin"),
      payload: {
        type: "wechat",
        name: mode,
        config: {
          appId: APP_ID,
          appSecret: "0123456789abcdef0123456789abcdef",
          token: TOKEN,
          messageMode: mode,
          encodingAesKey: ENCODING_AES_KEY,
        },
      },
    });
    if (res.statusCode !== 201) throw new Error(res.body);
    return res.json().channel.id as string;
  }
  const plainId = await channel("plain");
  const safeId = await channel("safe");
  await env.app.listen({ port: 0, host: "127.0.0.1" });
  const base = `http://127.0.0.1:${(env.app.server.address() as AddressInfo).port}`;
  process.stdout.write(`${JSON.stringify({ base, plainId, safeId } satisfies Served)}\n`);
  process.on("SIGTERM", async () => {
    await env.close();
    process.exit(0);
  });
}

if (process.env.BENCH_ROLE === "server") {
  await serve();
  await new Promise(() => {}); // serves until SIGTERM; the client part below is the parent's
}

const child = spawn(process.execPath, ["--import", "tsx", "bench/wechat-webhook.ts", ...process.argv.slice(2)], {
  env: { ...process.env, BENCH_ROLE: "server" },
  stdio: ["ignore", "pipe", "inherit"],
});
const line = await new Promise<string>((resolve) => createInterface({ input: child.stdout }).once("line", resolve));
const { base, plainId, safeId } = JSON.parse(line) as Served;

let seq = 0;
/** One message from one of 500 customers, as WeChat would push it (safe: encrypted and signed). */
function push(channelId: string, safe: boolean): { path: string; body: string } {
  seq++;
  const ts = String(Math.floor(Date.now() / 1000));
  const nonce = String(100000 + seq);
  const xml = `<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName><FromUserName><![CDATA[o-bench-${seq % 500}]]></FromUserName><CreateTime>${ts}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[Bench message ${seq}: 我的订单在哪里？]]></Content><MsgId>${7_000_000_000_000_000_000n + BigInt(seq)}</MsgId></xml>`;
  const signature = wechatSignature([TOKEN, ts, nonce]);
  if (!safe)
    return {
      path: `/webhooks/wechat/${channelId}?signature=${signature}&timestamp=${ts}&nonce=${nonce}&openid=x`,
      body: xml,
    };
  const encrypt = encryptMessage(key, APP_ID, xml);
  const msgSignature = wechatSignature([TOKEN, ts, nonce, encrypt]);
  return {
    path: `/webhooks/wechat/${channelId}?signature=${signature}&timestamp=${ts}&nonce=${nonce}&openid=x&encrypt_type=aes&msg_signature=${msgSignature}`,
    body: `<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`,
  };
}

async function measure(channelId: string, safe: boolean, amount: number, clients = connections) {
  // Prepared before the clock starts, so the client's encryption does not count against the server.
  const prepared = Array.from({ length: amount }, () => push(channelId, safe));
  let next = 0;
  const r = await autocannon({
    url: base,
    connections: clients,
    amount,
    requests: [
      {
        method: "POST",
        headers: { "content-type": "text/xml" },
        setupRequest: (req) => {
          const p = prepared[next++ % prepared.length] as { path: string; body: string };
          return { ...req, path: p.path, body: p.body };
        },
      },
    ],
  });
  if (r.non2xx > 0 || r.errors > 0) {
    throw new Error(`${r.non2xx} non-2xx, ${r.errors} errors: ${JSON.stringify(r.statusCodeStats)}`);
  }
  // Messages over the run's wall time (autocannon's average is over whole-second buckets: a 3.1 s run of 3,000
  // requests would read 750/s).
  const seconds = (r.finish.getTime() - r.start.getTime()) / 1000;
  return { rps: r.requests.total / seconds, p50: r.latency.p50, p99: r.latency.p99 };
}

// Warm up both with one message from each of the 500 customers, one at a time (each customer's first message
// opens their case), then measure follow-up messages, alternating so drift affects both alike.
await measure(plainId, false, 500, 1);
await measure(safeId, true, 500, 1);
const plain = await measure(plainId, false, messages);
const safe = await measure(safeId, true, messages);
const plain2 = await measure(plainId, false, messages);
const safe2 = await measure(safeId, true, messages);
const avg = (a: number, b: number) => (a + b) / 2;

// The crypto alone: msg_signature check + decrypt + app id check of a typical message, one core.
const sample = push(safeId, true);
const encrypted = /<Encrypt><!\[CDATA\[(.*)\]\]><\/Encrypt>/.exec(sample.body)?.[1] ?? "";
let decrypts = 0;
const until = performance.now() + 2000;
const started = performance.now();
while (performance.now() < until) {
  for (let i = 0; i < 100; i++) {
    wechatSignature([TOKEN, "1714036504", "1514711492", encrypted]);
    decryptMessage(key, APP_ID, encrypted);
  }
  decrypts += 100;
}
const perSecond = decrypts / ((performance.now() - started) / 1000);

const safeRps = avg(safe.rps, safe2.rps);
const plainRps = avg(plain.rps, plain2.rps);
const safeP99 = avg(safe.p99, safe2.p99);
console.log(`database: ${db}, ${connections} connections, ${messages} messages per run, 2 runs each after warm-up`);
console.log(
  `plain mode : ${plainRps.toFixed(0)} msgs/s  p50 ${avg(plain.p50, plain2.p50)} ms  p99 ${avg(plain.p99, plain2.p99)} ms`,
);
console.log(`safe mode  : ${safeRps.toFixed(0)} msgs/s  p50 ${avg(safe.p50, safe2.p50)} ms  p99 ${safeP99} ms`);
console.log(`safe/plain : ${(safeRps / plainRps).toFixed(2)}`);
console.log(
  `target     : ≥ 1500 msgs/s with p99 ≤ 50 ms → ${safeRps >= 1500 && safeP99 <= 50 ? "OK" : "BELOW TARGET"}`,
);
console.log(
  `crypto     : ${perSecond.toFixed(0)} verify+decrypts/s on one core (target ≥ 20000) ${perSecond >= 20_000 ? "OK" : "BELOW TARGET"}`,
);
child.kill("SIGTERM");
await new Promise((resolve) => child.once("exit", resolve));

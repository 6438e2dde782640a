import { createCipheriv, createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  aesKeyOf,
  decryptMessage,
  decryptWithRotation,
  encryptedReplyEnvelope,
  encryptMessage,
  isSignatureValid,
  openEncryptedCallback,
  WxCryptError,
  wechatSignature,
} from "./crypto.ts";
import { fieldsOf, parseXml } from "./xml.ts";

const fixture = <T>(name: string): T =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8"));

type SignatureVector = { id: string; inputs: string[]; expected: string; expect_match: boolean };
type EncryptVector = {
  id: string;
  kind: "wx-aes-encrypt";
  encodingAESKey: string;
  receiveid: string;
  random_utf8: string;
  msg: string;
  expected_ciphertext: string;
};
type CallbackVector = {
  id: string;
  kind: "wx-callback";
  token: string;
  encodingAESKey: string;
  receiveid: string;
  query: { msg_signature: string; timestamp: string; nonce: string };
  body: string;
  expected?: { random_hex: string; receiveid: string; msg: string };
  published_fields?: Record<string, string>;
  expect_error?: string;
};

const signatures = fixture<{ vectors: SignatureVector[] }>("wechat-signature.json").vectors;
const msgcrypt = fixture<{ vectors: (EncryptVector | CallbackVector)[] }>("wechat-oa-msgcrypt.json").vectors;
const encryptVectors = msgcrypt.filter((v): v is EncryptVector => v.kind === "wx-aes-encrypt");
const callbackVectors = msgcrypt.filter((v): v is CallbackVector => v.kind === "wx-callback");

/** Runs `fn` and returns the WxCryptError it threw (fails the test on success or another error). */
function cryptError(fn: () => unknown): WxCryptError {
  try {
    fn();
  } catch (err) {
    if (err instanceof WxCryptError) return err;
    throw err;
  }
  throw new Error("expected a WxCryptError");
}

/** AES-256-CBC of an already padded buffer, to build corrupted plaintexts. */
function rawEncrypt(key: Buffer, full: Buffer): string {
  const cipher = createCipheriv("aes-256-cbc", key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(full), cipher.final()]).toString("base64");
}

const KEY = aesKeyOf("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG");
const APP = "wxb11529c136998cb6";

describe("WeChat signatures (wechat-signature.json)", () => {
  it("covers every vector of the fixture file", () => {
    expect(signatures.length).toBe(4);
  });
  it.each(signatures)("$id", (v) => {
    expect(wechatSignature(v.inputs) === v.expected).toBe(v.expect_match);
    expect(isSignatureValid(v.expected, v.inputs)).toBe(v.expect_match);
    // Order of the inputs does not matter: they are sorted.
    expect(isSignatureValid(v.expected, [...v.inputs].reverse())).toBe(v.expect_match);
  });
  it("accepts an upper-case hex signature and refuses a missing or truncated one", () => {
    const [ok] = signatures;
    if (!ok) throw new Error("no vector");
    expect(isSignatureValid(ok.expected.toUpperCase(), ok.inputs)).toBe(true);
    expect(isSignatureValid(undefined, ok.inputs)).toBe(false);
    expect(isSignatureValid(ok.expected.slice(0, 39), ok.inputs)).toBe(false);
  });
});

describe("WXBizMsgCrypt (wechat-oa-msgcrypt.json)", () => {
  it("covers every vector of the fixture file", () => {
    expect(encryptVectors.length + callbackVectors.length).toBe(msgcrypt.length);
    expect(msgcrypt.length).toBe(4);
  });

  it.each(encryptVectors)("$id: encrypts byte for byte and decrypts back", (v) => {
    const key = aesKeyOf(v.encodingAESKey);
    const random = Buffer.from(v.random_utf8, "utf8");
    expect(encryptMessage(key, v.receiveid, v.msg, random)).toBe(v.expected_ciphertext);
    const decrypted = decryptMessage(key, v.receiveid, v.expected_ciphertext);
    expect(decrypted.msg).toBe(v.msg);
    expect(decrypted.appId).toBe(v.receiveid);
    expect(decrypted.random.equals(random)).toBe(true);
    // The ciphertext is whole 32-byte PKCS#7 blocks (not 16).
    const bytes = Buffer.from(v.expected_ciphertext, "base64").length;
    const unpadded = 20 + Buffer.byteLength(v.msg) + Buffer.byteLength(v.receiveid);
    expect(bytes).toBe(unpadded + (32 - (unpadded % 32)));
  });

  it.each(callbackVectors)("$id: verifies, decrypts and re-encrypts, or fails with the right code", (v) => {
    const key = aesKeyOf(v.encodingAESKey);
    const open = (appId = v.receiveid, keys = [key]) =>
      openEncryptedCallback({
        token: v.token,
        appId,
        keys,
        msgSignature: v.query.msg_signature,
        timestamp: v.query.timestamp,
        nonce: v.query.nonce,
        body: v.body,
      });
    if (v.expect_error) {
      const code = Number(/\((-\d+)\)/.exec(v.expect_error)?.[1]);
      // No key at all: the error proves the signature was refused before any decryption was tried.
      expect(cryptError(() => open(v.receiveid, [])).code).toBe(code);
      expect(cryptError(() => open()).code).toBe(code);
      return;
    }
    const expected = v.expected;
    if (!expected) throw new Error("vector without expectation");
    const opened = open();
    expect(opened.msg).toBe(expected.msg);
    expect(opened.appId).toBe(expected.receiveid);
    expect(opened.random.toString("hex")).toBe(expected.random_hex);
    expect(encryptMessage(key, expected.receiveid, expected.msg, opened.random)).toBe(opened.encrypted);
    const fields = fieldsOf(parseXml(opened.msg));
    for (const [name, value] of Object.entries(v.published_fields ?? {})) expect(fields[name]).toBe(value);
    // The source's negative cases: another app id → -40005, another signature → -40001.
    expect(cryptError(() => open("wx0000000000000000")).code).toBe(-40005);
    expect(
      cryptError(() =>
        openEncryptedCallback({
          ...v.query,
          token: v.token,
          appId: v.receiveid,
          keys: [key],
          msgSignature: "0".repeat(40),
          body: v.body,
        }),
      ).code,
    ).toBe(-40001);
  });

  it("refuses corrupted padding (a last byte of 0 or above 32, or an uneven run) with -40008", () => {
    const body = Buffer.concat([Buffer.alloc(16, 1), Buffer.from([0, 0, 0, 2]), Buffer.from("hi"), Buffer.from(APP)]);
    const filler = Buffer.alloc(64 - body.length - 1, 7);
    for (const last of [0, 33, 200]) {
      const bad = rawEncrypt(KEY, Buffer.concat([body, filler, Buffer.from([last])]));
      const err = cryptError(() => decryptMessage(KEY, APP, bad));
      expect(err.code).toBe(-40008);
      expect(err.reason).toBe("buffer_invalid");
    }
    const padLength = 64 - body.length;
    const uneven = Buffer.concat([body, Buffer.alloc(padLength - 1, padLength), Buffer.from([padLength - 1])]);
    expect(cryptError(() => decryptMessage(KEY, APP, rawEncrypt(KEY, uneven))).code).toBe(-40008);
    // A length field running past the buffer.
    const long = Buffer.concat([Buffer.alloc(16), Buffer.from([0, 0, 1, 0]), Buffer.alloc(11), Buffer.from([1])]);
    expect(cryptError(() => decryptMessage(KEY, APP, rawEncrypt(KEY, long))).code).toBe(-40008);
  });

  it("refuses an EncodingAESKey of the wrong length or alphabet with -40004 and the rule", () => {
    for (const bad of ["abc", "a".repeat(44), `${"a".repeat(42)}+`, `${"a".repeat(42)}=`]) {
      const err = cryptError(() => aesKeyOf(bad));
      expect(err.code).toBe(-40004);
      expect(err.message).toContain("43 characters");
    }
    // 43 × "A" is the official doc's all-zero key and IV.
    expect(aesKeyOf("A".repeat(43)).equals(Buffer.alloc(32))).toBe(true);
  });

  it("accepts a non-canonical key (non-zero trailing bits) as Node's base64 decoder does", () => {
    const key = aesKeyOf("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG");
    expect(key.length).toBe(32);
    expect(`${key.toString("base64")}`).not.toBe("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG=");
  });

  it("refuses base64 garbage with -40010 and a partial block with -40007", () => {
    expect(cryptError(() => decryptMessage(KEY, APP, "not base64!")).code).toBe(-40010);
    expect(cryptError(() => decryptMessage(KEY, APP, Buffer.alloc(48).toString("base64"))).code).toBe(-40007);
    expect(cryptError(() => decryptMessage(KEY, APP, "")).code).toBe(-40007);
  });

  it("falls back to the previous EncodingAESKey after a rotation and says which key worked", () => {
    const previous = aesKeyOf("A".repeat(43));
    const current = aesKeyOf("B".repeat(43));
    const sealed = encryptMessage(previous, APP, "<xml>old key</xml>");
    const opened = decryptWithRotation([current, previous], APP, sealed);
    expect(opened.msg).toBe("<xml>old key</xml>");
    expect(opened.key).toBe(previous);
    expect(decryptWithRotation([current, previous], APP, encryptMessage(current, APP, "x")).key).toBe(current);
    // Neither key: the current key's error.
    const other = encryptMessage(aesKeyOf("C".repeat(43)), APP, "x");
    expect(() => decryptWithRotation([current, previous], APP, other)).toThrow(WxCryptError);
  });

  it("builds the encrypted reply envelope: signed over the 4 values, decryptable, sized in 32-byte blocks", () => {
    const reply = "<xml><ToUserName><![CDATA[oia2T]]></ToUserName><Content><![CDATA[你好]]></Content></xml>";
    const random = Buffer.from("1205899eaf019bbd", "utf8");
    const envelope = encryptedReplyEnvelope({
      key: KEY,
      appId: APP,
      token: "pamtest",
      reply,
      timestamp: "1713424427",
      nonce: "415670741",
      random,
    });
    const f = fieldsOf(parseXml(envelope));
    expect(Object.keys(f)).toEqual(["Encrypt", "MsgSignature", "TimeStamp", "Nonce"]);
    expect(f.TimeStamp).toBe("1713424427");
    expect(f.Nonce).toBe("415670741");
    const encrypted = f.Encrypt ?? "";
    expect(encrypted).toBe(encryptMessage(KEY, APP, reply, random));
    expect(f.MsgSignature).toBe(
      createHash("sha1").update(["pamtest", "1713424427", "415670741", encrypted].sort().join("")).digest("hex"),
    );
    expect(decryptMessage(KEY, APP, encrypted).msg).toBe(reply);
    expect(envelope.startsWith("<xml>\n<Encrypt><![CDATA[")).toBe(true);
  });
});

describe("WXBizMsgCrypt properties (fast-check)", () => {
  const keyArb = fc.stringMatching(/^[A-Za-z0-9]{43}$/);
  const appArb = fc.stringMatching(/^wx[0-9a-f]{16}$/);
  const randomArb = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((a) => Buffer.from(a));

  it("round-trips any UTF-8 message, any key, any app id", () => {
    fc.assert(
      fc.property(keyArb, appArb, fc.string({ unit: "binary", maxLength: 400 }), randomArb, (k, app, msg, random) => {
        const key = aesKeyOf(k);
        const sealed = encryptMessage(key, app, msg, random);
        expect(Buffer.from(sealed, "base64").length % 32).toBe(0);
        const opened = decryptMessage(key, app, sealed);
        expect(opened.msg).toBe(msg);
        expect(opened.random.equals(random)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("refuses any truncation of a ciphertext with a WxCryptError, never a crash", () => {
    const sealed = encryptMessage(KEY, APP, "<xml><Content><![CDATA[hello 你好]]></Content></xml>");
    fc.assert(
      fc.property(fc.integer({ min: 0, max: sealed.length - 1 }), (cut) => {
        expect(() => decryptMessage(KEY, APP, sealed.slice(0, cut))).toThrow(WxCryptError);
      }),
    );
  });

  it("refuses random ciphertexts and bit flips with a WxCryptError, never a crash", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 8 }), (blocks) => {
        const data = Buffer.concat([...blocks].map((b) => Buffer.alloc(32, b)));
        expect(() => decryptMessage(KEY, APP, data.toString("base64"))).toThrow(WxCryptError);
      }),
    );
    const sealed = Buffer.from(encryptMessage(KEY, APP, "<xml>x</xml>"), "base64");
    fc.assert(
      fc.property(fc.integer({ min: 0, max: sealed.length * 8 - 1 }), (bit) => {
        const flipped = Buffer.from(sealed);
        flipped[bit >> 3] = (flipped[bit >> 3] ?? 0) ^ (1 << (bit & 7));
        try {
          // CBC without a MAC: some flips only garble the random prefix or change a character.
          expect(typeof decryptMessage(KEY, APP, flipped.toString("base64")).msg).toBe("string");
        } catch (err) {
          expect(err).toBeInstanceOf(WxCryptError);
        }
      }),
    );
  });

  it("refuses any bad padding byte with -40008", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.constant(0), fc.integer({ min: 33, max: 255 })),
        fc.uint8Array({ minLength: 31, maxLength: 31 }),
        (last, rest) => {
          const full = Buffer.concat([Buffer.alloc(32), Buffer.from(rest), Buffer.from([last])]);
          expect(cryptError(() => decryptMessage(KEY, APP, rawEncrypt(KEY, full))).code).toBe(-40008);
        },
      ),
    );
  });
});

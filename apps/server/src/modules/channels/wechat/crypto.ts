/**
 * WeChat message signatures and WXBizMsgCrypt (safe/compat mode), exactly as CHANNELS.md §2.3 states it:
 * AES-256-CBC with the key and IV taken from the EncodingAESKey, PKCS#7 padding to a 32-byte block, a
 * 16-byte random prefix, the message length in network order and the app id at the end.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { fieldsOf, parseXml } from "./xml.ts";

/** The error codes of Tencent's WXBizMsgCrypt samples, with our reason string for each. */
export const WX_CRYPT_ERRORS = {
  signature_invalid: -40001,
  xml_invalid: -40002,
  aes_key_invalid: -40004,
  app_id_mismatch: -40005,
  encrypt_failed: -40006,
  decrypt_failed: -40007,
  buffer_invalid: -40008,
  base64_invalid: -40010,
} as const;

export type WxCryptReason = keyof typeof WX_CRYPT_ERRORS;

/** A failure of signature checking, decryption or envelope parsing, with WeChat's code (e.g. -40005). */
export class WxCryptError extends Error {
  readonly code: number;
  constructor(
    readonly reason: WxCryptReason,
    message: string,
  ) {
    super(message);
    this.name = "WxCryptError";
    this.code = WX_CRYPT_ERRORS[reason];
  }
}

/** The rule an EncodingAESKey must follow, stated to the admin when it does not. */
export const ENCODING_AES_KEY_RULE = "exactly 43 characters, each A–Z, a–z or 0–9 (as shown in the WeChat console)";

/** `hex(sha1(sort(parts).join("")))`: `signature` with 3 parts, `msg_signature` with the Encrypt value as 4th. */
export function wechatSignature(parts: readonly string[]): string {
  return createHash("sha1")
    .update([...parts].sort().join(""), "utf8")
    .digest("hex");
}

/** Checks a signature in constant time (hex compared in lower case; a wrong length is simply unequal). */
export function isSignatureValid(given: string | undefined, parts: readonly string[]): boolean {
  if (!given) return false;
  const expected = Buffer.from(wechatSignature(parts), "latin1");
  const actual = Buffer.from(given.toLowerCase(), "latin1");
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** Decodes an EncodingAESKey (43 chars + "=") into the 32-byte AES key; throws -40004 when it breaks the rule. */
export function aesKeyOf(encodingAesKey: string): Buffer {
  if (!/^[A-Za-z0-9]{43}$/.test(encodingAesKey)) {
    throw new WxCryptError("aes_key_invalid", `The EncodingAESKey must be ${ENCODING_AES_KEY_RULE}.`);
  }
  // Not canonical base64 (the last char carries non-zero trailing bits): Node's decoder accepts it, as it must.
  return Buffer.from(`${encodingAesKey}=`, "base64");
}

const BLOCK = 32;

/** Encrypts a message for the app id: base64(AES-256-CBC(random16 ‖ len_be32 ‖ msg ‖ appId ‖ PKCS#7/32)). */
export function encryptMessage(key: Buffer, appId: string, msg: string, random: Buffer = randomBytes(16)): string {
  if (key.length !== 32) throw new WxCryptError("aes_key_invalid", "The AES key must be 32 bytes.");
  if (random.length !== 16) throw new WxCryptError("encrypt_failed", "The random prefix must be 16 bytes.");
  const body = Buffer.from(msg, "utf8");
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length, 0);
  const unpadded = Buffer.concat([random, length, body, Buffer.from(appId, "utf8")]);
  const pad = BLOCK - (unpadded.length % BLOCK);
  const full = Buffer.concat([unpadded, Buffer.alloc(pad, pad)]);
  const cipher = createCipheriv("aes-256-cbc", key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(full), cipher.final()]).toString("base64");
}

export type Decrypted = { msg: string; appId: string; random: Buffer };

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Decrypts an `Encrypt` value and checks the app id at its end. Fails with -40010 (not base64), -40007
 * (not whole AES blocks), -40008 (bad padding, length or UTF-8) or -40005 (another app id).
 */
export function decryptMessage(key: Buffer, expectedAppId: string, encrypted: string): Decrypted {
  if (!BASE64.test(encrypted)) throw new WxCryptError("base64_invalid", "The Encrypt value is not base64.");
  const data = Buffer.from(encrypted, "base64");
  if (data.length === 0 || data.length % BLOCK !== 0) {
    throw new WxCryptError("decrypt_failed", "The Encrypt value is not a whole number of 32-byte blocks.");
  }
  let full: Buffer;
  try {
    const decipher = createDecipheriv("aes-256-cbc", key, key.subarray(0, 16));
    decipher.setAutoPadding(false);
    full = Buffer.concat([decipher.update(data), decipher.final()]);
  } catch {
    throw new WxCryptError("decrypt_failed", "AES decryption failed.");
  }
  const pad = full[full.length - 1] ?? 0;
  if (pad < 1 || pad > BLOCK) throw new WxCryptError("buffer_invalid", "The PKCS#7 padding is invalid.");
  for (let i = full.length - pad; i < full.length; i++) {
    if (full[i] !== pad) throw new WxCryptError("buffer_invalid", "The PKCS#7 padding is invalid.");
  }
  const content = full.subarray(0, full.length - pad);
  if (content.length < 20) throw new WxCryptError("buffer_invalid", "The decrypted buffer is too short.");
  const length = content.readUInt32BE(16);
  if (20 + length > content.length) {
    throw new WxCryptError("buffer_invalid", "The message length exceeds the decrypted buffer.");
  }
  let msg: string;
  let appId: string;
  try {
    msg = utf8.decode(content.subarray(20, 20 + length));
    appId = utf8.decode(content.subarray(20 + length));
  } catch {
    throw new WxCryptError("buffer_invalid", "The decrypted message is not UTF-8.");
  }
  if (appId !== expectedAppId)
    throw new WxCryptError("app_id_mismatch", "The message was encrypted for another app id.");
  return { msg, appId, random: Buffer.from(content.subarray(0, 16)) };
}

/**
 * Decrypts with the current key, then with each fallback key (the previous EncodingAESKey after a rotation).
 * Returns the key that worked, so the reply is encrypted with it. All failing: the current key's error.
 */
export function decryptWithRotation(
  keys: readonly Buffer[],
  expectedAppId: string,
  encrypted: string,
): Decrypted & { key: Buffer } {
  let first: unknown;
  for (const key of keys) {
    try {
      return { ...decryptMessage(key, expectedAppId, encrypted), key };
    } catch (err) {
      first ??= err;
      // A malformed value fails the same way with every key.
      if (err instanceof WxCryptError && err.reason === "base64_invalid") break;
    }
  }
  throw first ?? new WxCryptError("aes_key_invalid", "No EncodingAESKey is configured.");
}

/** Wraps text as CDATA, splitting any `]]>` so the text cannot close the section. */
export function cdata(text: string): string {
  return `<![CDATA[${text.replaceAll("]]>", "]]]]><![CDATA[>")}]]>`;
}

/** The encrypted passive-reply envelope (Encrypt, MsgSignature, TimeStamp, Nonce), as the official samples build it. */
export function encryptedReplyEnvelope(input: {
  key: Buffer;
  appId: string;
  token: string;
  reply: string;
  timestamp: string;
  nonce: string;
  random?: Buffer | undefined;
}): string {
  const encrypted = encryptMessage(input.key, input.appId, input.reply, input.random);
  const signature = wechatSignature([input.token, input.timestamp, input.nonce, encrypted]);
  return [
    "<xml>",
    `<Encrypt>${cdata(encrypted)}</Encrypt>`,
    `<MsgSignature>${cdata(signature)}</MsgSignature>`,
    `<TimeStamp>${input.timestamp}</TimeStamp>`,
    `<Nonce>${cdata(input.nonce)}</Nonce>`,
    "</xml>",
  ].join("\n");
}

/**
 * Opens an encrypted callback the way WXBizMsgCrypt.DecryptMsg does: extract `Encrypt` from the envelope
 * (-40002 when absent or not XML), check `msg_signature` over (token, timestamp, nonce, Encrypt) before any
 * decryption (-40001), then decrypt with the current or previous key and check the app id (-40005).
 */
export function openEncryptedCallback(input: {
  token: string;
  appId: string;
  keys: readonly Buffer[];
  msgSignature: string | undefined;
  timestamp: string;
  nonce: string;
  body: string;
}): Decrypted & { key: Buffer; encrypted: string } {
  let encrypted: string | undefined;
  try {
    encrypted = fieldsOf(parseXml(input.body)).Encrypt;
  } catch {
    throw new WxCryptError("xml_invalid", "The envelope is not XML.");
  }
  if (!encrypted) throw new WxCryptError("xml_invalid", "The envelope has no Encrypt element.");
  if (!isSignatureValid(input.msgSignature, [input.token, input.timestamp, input.nonce, encrypted])) {
    throw new WxCryptError("signature_invalid", "The msg_signature does not match.");
  }
  return { ...decryptWithRotation(input.keys, input.appId, encrypted), encrypted };
}

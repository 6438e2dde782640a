import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";
import { AppError } from "./errors.ts";

const PRIVATE = new BlockList();
for (const [net, bits] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.168.0.0", 16],
  ["224.0.0.0", 4],
] as const) {
  PRIVATE.addSubnet(net, bits, "ipv4");
}
for (const [net, bits] of [
  ["::1", 128],
  ["::", 128],
  ["fc00::", 7],
  ["fe80::", 10],
  ["::ffff:0:0", 96],
] as const) {
  PRIVATE.addSubnet(net, bits, "ipv6");
}

/**
 * Checks that an outbound URL (webhook, media fetch) is http(s) and does not point into a private,
 * loopback or link-local network, unless an admin allowed private networks for it.
 */
export async function assertOutboundUrl(raw: string, allowPrivate: boolean): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AppError("invalid", "url_invalid", `"${raw.slice(0, 200)}" is not a URL.`, { field: "url" });
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new AppError("invalid", "url_scheme", "Only http and https URLs are allowed.", { field: "url" });
  }
  if (allowPrivate) return url;
  const host = url.hostname.replace(/^\[|\]$/g, "");
  let addresses: { address: string; family: number }[];
  try {
    addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await lookup(host, { all: true });
  } catch {
    throw new AppError(
      "invalid",
      "url_unresolvable",
      `${url.hostname} cannot be resolved; check the host name (and that this server can reach DNS).`,
      { field: "url" },
    );
  }
  for (const a of addresses) {
    if (PRIVATE.check(a.address, a.family === 6 ? "ipv6" : "ipv4")) {
      throw new AppError(
        "invalid",
        "url_private_network",
        `${url.hostname} resolves to a private or loopback address (${a.address}); an admin must allow private networks for this channel.`,
        { field: "url" },
      );
    }
  }
  return url;
}

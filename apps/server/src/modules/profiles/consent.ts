import type { ConsentPurpose, ConsentRow, ConsentStatus } from "./repository.ts";

export const CONSENT_PURPOSES = ["service", "marketing", "profiling", "identity_linking"] as const;

export type CurrentConsent = {
  purpose: ConsentPurpose;
  channel: string | null;
  status: ConsentStatus;
  source: string;
  recordedAt: Date;
};

/** The current consent per (purpose, channel): the latest record of the ledger wins. */
export function currentConsent(records: readonly ConsentRow[]): CurrentConsent[] {
  const latest = new Map<string, ConsentRow>();
  for (const r of records) {
    const key = `${r.purpose}\u0000${r.channel ?? ""}`;
    const prev = latest.get(key);
    if (
      !prev ||
      prev.recorded_at < r.recorded_at ||
      (prev.recorded_at.getTime() === r.recorded_at.getTime() && prev.id < r.id)
    ) {
      latest.set(key, r);
    }
  }
  return [...latest.values()]
    .map((r) => ({
      purpose: r.purpose,
      channel: r.channel,
      status: r.status,
      source: r.source,
      recordedAt: r.recorded_at,
    }))
    .sort((a, b) => a.purpose.localeCompare(b.purpose) || (a.channel ?? "").localeCompare(b.channel ?? ""));
}

/**
 * The consent state per purpose on one channel: the latest record for that channel or for every channel
 * (channel null); "unknown" when none.
 */
export function consentOnChannel(
  records: readonly ConsentRow[],
  channel: string | null,
): Record<ConsentPurpose, ConsentStatus | "unknown"> {
  const out: Record<ConsentPurpose, ConsentStatus | "unknown"> = {
    service: "unknown",
    marketing: "unknown",
    profiling: "unknown",
    identity_linking: "unknown",
  };
  const at: Partial<Record<ConsentPurpose, Date>> = {};
  for (const r of records) {
    if (r.channel !== null && r.channel !== channel) continue;
    const prev = at[r.purpose];
    if (!prev || prev <= r.recorded_at) {
      out[r.purpose] = r.status;
      at[r.purpose] = r.recorded_at;
    }
  }
  return out;
}

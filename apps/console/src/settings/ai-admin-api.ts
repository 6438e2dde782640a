// The AI admin API: spike triage settings, alert delivery, the optional external provider, recent alerts.
import { type Page, requestJson } from "../api.ts";

export type SpikeSettings = { watchedKeywords: string[]; minCount: number; factor: number };
export type AlertDelivery = { webhookUrl: string | null; allowPrivateNetwork: boolean; email: boolean };
/** The answer of a save: the secret only when a new URL was set (shown once), else null. */
export type SavedAlertDelivery = AlertDelivery & { webhookSecret?: string | null };
export type ProviderView = {
  configured: boolean;
  source: "workspace" | "server" | null;
  url: string | null;
  model: string | null;
  hasApiKey: boolean;
  allowPrivateNetwork: boolean;
};
/** `apiKey` absent: keep the stored key; null: remove it. The key is never read back. */
export type ProviderInput = {
  url: string | null;
  model?: string;
  apiKey?: string | null;
  allowPrivateNetwork: boolean;
};
export type AlertDeliveryStatus = {
  channel: string;
  status: string;
  attempts: number;
  recipients?: string[] | null;
  lastError: string | null;
};
export type SpikeAlert = {
  id: string;
  metric: string;
  count: number;
  baseline: number;
  messageIds: string[];
  createdAt: string;
  deliveries: AlertDeliveryStatus[];
};

export const aiAdminKeys = {
  settings: ["ai", "settings"] as const,
  alertDelivery: ["ai", "alert-delivery"] as const,
  provider: ["ai", "provider"] as const,
  alerts: ["ai", "alerts"] as const,
};

export const fetchSpikeSettings = () => requestJson<SpikeSettings>("GET", "/api/v1/ai/settings");
export const saveSpikeSettings = (input: SpikeSettings) =>
  requestJson<SpikeSettings>("PUT", "/api/v1/ai/settings", input);
export const fetchAlertDelivery = () => requestJson<AlertDelivery>("GET", "/api/v1/ai/alert-delivery");
export const saveAlertDelivery = (input: AlertDelivery) =>
  requestJson<SavedAlertDelivery>("PUT", "/api/v1/ai/alert-delivery", input);
export const fetchProvider = () => requestJson<ProviderView>("GET", "/api/v1/ai/provider");
export const saveProvider = (input: ProviderInput) => requestJson<ProviderView>("PUT", "/api/v1/ai/provider", input);
export const fetchAlerts = () => requestJson<Page<SpikeAlert>>("GET", "/api/v1/ai/alerts?limit=20");

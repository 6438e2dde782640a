// Desktop notifications and a short chime when a case is assigned to me. The browser's permission is asked
// only when the user turns desktop notifications on (a click); both settings live in localStorage.
import { useSyncExternalStore } from "react";
import type { Case } from "./api.ts";
import { i18n } from "./i18n/index.ts";
import { inboxPath } from "./inbox/views.ts";
import { navigate } from "./router.ts";

export type NotificationSettings = { desktop: boolean; sound: boolean };

const STORAGE_KEY = "rapport.notifications";
const DEFAULTS: NotificationSettings = { desktop: false, sound: true };
const listeners = new Set<() => void>();
let cached: NotificationSettings | undefined;

function readSettings(): NotificationSettings {
  if (cached) return cached;
  try {
    const stored = JSON.parse(window.localStorage.getItem(STORAGE_KEY) ?? "null") as Partial<NotificationSettings>;
    cached = {
      desktop: typeof stored?.desktop === "boolean" ? stored.desktop : DEFAULTS.desktop,
      sound: typeof stored?.sound === "boolean" ? stored.sound : DEFAULTS.sound,
    };
  } catch {
    cached = DEFAULTS;
  }
  return cached;
}

function writeSettings(next: NotificationSettings): void {
  cached = next;
  try {
    window.localStorage.setItem(STORAGE_KEY, JSON.stringify(next));
  } catch {
    // Private mode or a full storage: the setting holds for this tab.
  }
  for (const listener of listeners) listener();
}

/** The notification settings, re-rendering when they change. */
export function useNotificationSettings(): NotificationSettings {
  return useSyncExternalStore(
    (onChange) => {
      listeners.add(onChange);
      return () => listeners.delete(onChange);
    },
    readSettings,
    () => DEFAULTS,
  );
}

/** What the browser allows: "unsupported" when it has no Notification API. */
export function desktopPermission(): NotificationPermission | "unsupported" {
  return "Notification" in window ? Notification.permission : "unsupported";
}

/**
 * Turns desktop notifications on or off. Turning them on asks the browser's permission (call it from a click);
 * answers the resulting permission, and stays off unless it is granted.
 */
export async function setDesktopNotifications(on: boolean): Promise<NotificationPermission | "unsupported"> {
  if (!on) {
    writeSettings({ ...readSettings(), desktop: false });
    return desktopPermission();
  }
  if (!("Notification" in window)) return "unsupported";
  const permission =
    Notification.permission === "default" ? await Notification.requestPermission() : Notification.permission;
  writeSettings({ ...readSettings(), desktop: permission === "granted" });
  return permission;
}

export function setSoundNotifications(on: boolean): void {
  writeSettings({ ...readSettings(), sound: on });
  if (on) playChime();
}

let audio: AudioContext | undefined;

/** A short two-note chime made with Web Audio (no file to fetch, nothing for the CSP to allow). */
export function playChime(): void {
  try {
    audio ??= new AudioContext();
    const context = audio;
    void context.resume();
    const start = context.currentTime;
    for (const [index, frequency] of [880, 1318.5].entries()) {
      const oscillator = context.createOscillator();
      const gain = context.createGain();
      const at = start + index * 0.12;
      oscillator.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.15, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.25);
      oscillator.connect(gain).connect(context.destination);
      oscillator.start(at);
      oscillator.stop(at + 0.26);
    }
  } catch {
    // No audio device or Web Audio: the desktop notification (if on) still says it.
  }
}

/** A case was assigned to me: the chime and a desktop notification (each if turned on) that opens the case. */
export function notifyAssignment(item: Pick<Case, "id" | "number" | "subject">): void {
  const settings = readSettings();
  if (settings.sound) playChime();
  if (!settings.desktop || desktopPermission() !== "granted") return;
  const notification = new Notification(i18n.t("c360.notifyTitle", { number: item.number }), {
    body: item.subject,
    tag: `case-${item.id}`,
  });
  notification.onclick = () => {
    window.focus();
    navigate(inboxPath("mine", item.id));
    notification.close();
  };
}

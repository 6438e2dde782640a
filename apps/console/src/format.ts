import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";

const units: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 86_400_000],
  ["month", 30 * 86_400_000],
  ["week", 7 * 86_400_000],
  ["day", 86_400_000],
  ["hour", 3_600_000],
  ["minute", 60_000],
];

// Intl formatters are costly to build and every row and message formats its times on each tick: one per language.
const relativeFormats = new Map<string, Intl.RelativeTimeFormat>();
const dateTimeFormats = new Map<string, Intl.DateTimeFormat>();

function relativeFormat(language: string): Intl.RelativeTimeFormat {
  let format = relativeFormats.get(language);
  if (!format) {
    format = new Intl.RelativeTimeFormat(language, { numeric: "auto", style: "short" });
    relativeFormats.set(language, format);
  }
  return format;
}

function dateTimeFormat(language: string): Intl.DateTimeFormat {
  let format = dateTimeFormats.get(language);
  if (!format) {
    format = new Intl.DateTimeFormat(language, { dateStyle: "medium", timeStyle: "short" });
    dateTimeFormats.set(language, format);
  }
  return format;
}

/** "3 minutes ago", "in 2 hours", … in the given language. */
export function formatRelative(iso: string, now: number, language: string): string {
  const diff = new Date(iso).getTime() - now;
  const format = relativeFormat(language);
  for (const [unit, ms] of units) {
    if (Math.abs(diff) >= ms) return format.format(Math.round(diff / ms), unit);
  }
  return format.format(0, "second");
}

/** A full local date and time, for tooltips and the history. */
export function formatDateTime(iso: string, language: string): string {
  return dateTimeFormat(language).format(new Date(iso));
}

/** A duration as "1 h 20 min" / "45 min" with the language's unit names. */
export function formatDuration(ms: number, language: string): string {
  const minutes = Math.max(0, Math.round(ms / 60_000));
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  const number = (value: number, unit: "hour" | "minute") =>
    new Intl.NumberFormat(language, { style: "unit", unit, unitDisplay: "short" }).format(value);
  if (hours === 0) return number(rest, "minute");
  if (rest === 0 || hours >= 10) return number(hours, "hour");
  return `${number(hours, "hour")} ${number(rest, "minute")}`;
}

/** The current time, refreshed every `intervalMs` so relative times and countdowns stay true. */
export function useNow(intervalMs = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), intervalMs);
    return () => window.clearInterval(timer);
  }, [intervalMs]);
  return now;
}

/** The UI language for Intl formatters. */
export function useLanguage(): string {
  const { i18n } = useTranslation();
  return i18n.resolvedLanguage ?? "en";
}

import i18n from "i18next";
import LanguageDetector from "i18next-browser-languagedetector";
import { initReactI18next } from "react-i18next";
import en from "./en.json";
import es from "./es.json";
import fr from "./fr.json";
import zhCN from "./zh-CN.json";

export const supportedLanguages = [
  { value: "en", label: "English" },
  { value: "fr", label: "Français" },
  { value: "es", label: "Español" },
  { value: "zh-CN", label: "简体中文" },
] as const;

export const resources = {
  en: { translation: en },
  fr: { translation: fr },
  es: { translation: es },
  "zh-CN": { translation: zhCN },
} as const;

void i18n
  .use(LanguageDetector)
  .use(initReactI18next)
  .init({
    resources,
    supportedLngs: supportedLanguages.map((language) => language.value),
    fallbackLng: "en",
    load: "currentOnly",
    interpolation: { escapeValue: false },
    detection: {
      // A choice made in the header Select wins; otherwise the browser's languages.
      order: ["localStorage", "navigator"],
      lookupLocalStorage: "rapport.language",
      caches: ["localStorage"],
    },
  });

function syncDocumentLanguage(language: string): void {
  document.documentElement.lang = language;
}

syncDocumentLanguage(i18n.resolvedLanguage ?? "en");
i18n.on("languageChanged", syncDocumentLanguage);

export { i18n };

import type en from "./en.json";

// Type-checks translation keys against the English resource file.
declare module "i18next" {
  interface CustomTypeOptions {
    defaultNS: "translation";
    resources: { translation: typeof en };
  }
}

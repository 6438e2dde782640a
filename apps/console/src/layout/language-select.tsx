import { Select } from "@mantine/core";
import { IconLanguage } from "@tabler/icons-react";
import { useTranslation } from "react-i18next";
import { supportedLanguages } from "../i18n/index.ts";

/** The UI language; the choice is remembered in this browser. */
export function LanguageSelect() {
  const { t, i18n } = useTranslation();
  return (
    <Select
      aria-label={t("app.language")}
      size="xs"
      w={150}
      allowDeselect={false}
      leftSection={<IconLanguage size={16} />}
      data={supportedLanguages.map((language) => ({ ...language }))}
      value={i18n.resolvedLanguage ?? "en"}
      onChange={(value) => {
        if (value !== null) void i18n.changeLanguage(value);
      }}
      comboboxProps={{ withinPortal: true }}
    />
  );
}

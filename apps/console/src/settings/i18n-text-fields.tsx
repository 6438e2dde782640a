import { Fieldset, SimpleGrid, Text, Textarea, TextInput } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { type BotLang, botLangs, type I18nText } from "./bot-api.ts";
import { errorFor } from "./field-errors.ts";

/** A bot text as one string per language (a single string counts for every language, i.e. as English). */
export type LangTexts = Record<BotLang, string>;

export function langTextsOf(text: I18nText | null | undefined): LangTexts {
  const texts: LangTexts = { en: "", fr: "", es: "", zh: "" };
  if (typeof text === "string") texts.en = text;
  else if (text) for (const lang of botLangs) texts[lang] = text[lang] ?? "";
  return texts;
}

/** The bot text to send: the filled languages only, or undefined when none is. */
export function i18nTextOf(texts: LangTexts): I18nText | undefined {
  const out: Partial<Record<BotLang, string>> = {};
  for (const lang of botLangs) if (texts[lang].trim()) out[lang] = texts[lang].trim();
  return Object.keys(out).length ? out : undefined;
}

/**
 * One bot text in the four languages the bot answers in. The server's complaints show on the group
 * (`errorKey`) or on one language (`errorKey.fr`).
 */
export function I18nTextFields({
  label,
  context,
  description,
  value,
  onChange,
  errors,
  errorKey,
  multiline,
}: {
  label: string;
  /** What the texts belong to, prefixed to each input's accessible name ("Step 2 (ask)"). */
  context?: string;
  description?: string;
  value: LangTexts;
  onChange: (value: LangTexts) => void;
  errors: Record<string, string>;
  errorKey: string;
  multiline?: boolean;
}) {
  const { t } = useTranslation();
  const groupError = errorFor(errors, errorKey);
  const name = context ? `${context}: ${label}` : label;
  return (
    <Fieldset legend={label} variant="unstyled" aria-label={name}>
      {description && (
        <Text size="xs" c="dimmed" mb={4}>
          {description}
        </Text>
      )}
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xs" verticalSpacing={4}>
        {botLangs.map((lang) => {
          const props = {
            label: t(`botAdmin.langs.${lang}`),
            "aria-label": `${name} — ${t(`botAdmin.langs.${lang}`)}`,
            value: value[lang],
            maxLength: 2000,
            error: errorFor(errors, `${errorKey}.${lang}`),
            size: "xs" as const,
          };
          return multiline ? (
            <Textarea
              key={lang}
              {...props}
              autosize
              minRows={1}
              onChange={(event) => onChange({ ...value, [lang]: event.currentTarget.value })}
            />
          ) : (
            <TextInput
              key={lang}
              {...props}
              onChange={(event) => onChange({ ...value, [lang]: event.currentTarget.value })}
            />
          );
        })}
      </SimpleGrid>
      {groupError && (
        <Text c="red" size="xs" mt={4} role="alert">
          {groupError}
        </Text>
      )}
    </Fieldset>
  );
}

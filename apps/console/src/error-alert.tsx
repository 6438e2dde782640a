import { Alert, Button, Group, type MantineSpacing } from "@mantine/core";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { describeError } from "./error-message.ts";

/** A failed load: what failed, the server's reason, and "Try again" (plus any other actions). */
export function ErrorAlert({
  title,
  error,
  onRetry,
  actions,
  m,
  mx,
  maw,
}: {
  title: string;
  error: unknown;
  onRetry: () => void;
  actions?: ReactNode;
  m?: MantineSpacing;
  mx?: "auto";
  maw?: number;
}) {
  const { t } = useTranslation();
  return (
    <Alert color="red" title={title} role="alert" m={m} mx={mx} maw={maw}>
      {describeError(error, t)}
      <Group mt="sm">
        <Button size="xs" variant="light" color="red" onClick={onRetry}>
          {t("errors.retry")}
        </Button>
        {actions}
      </Group>
    </Alert>
  );
}

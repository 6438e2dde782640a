import { ScrollArea, Skeleton, Stack, Tabs } from "@mantine/core";
import { lazy, Suspense, useState } from "react";
import { useTranslation } from "react-i18next";
import { CaseDetails } from "./case-details.tsx";
import { CaseHistory } from "./case-history.tsx";
import type { CasePartProps } from "./case-view.tsx";
import { ChecklistPanel } from "./checklist-panel.tsx";
import { HandoverCard } from "./handover-card.tsx";

// Customer 360 is a chunk of its own, fetched the first time the tab opens (the inbox does not wait for it).
const CustomerPanel = lazy(() => import("./customer-panel.tsx").then((m) => ({ default: m.CustomerPanel })));

type Tab = "details" | "customer" | "history";

/** Tabs beside the thread: the case's fields, the customer profile, the case history. */
export function CaseSidePanel({ item, contactName, members, session, now }: CasePartProps) {
  const { t } = useTranslation();
  const [tab, setTab] = useState<Tab>("details");
  return (
    <Tabs
      value={tab}
      onChange={(value) => setTab(value === "customer" || value === "history" ? value : "details")}
      w={300}
      style={{
        flexShrink: 0,
        display: "flex",
        flexDirection: "column",
        borderLeft: "1px solid var(--mantine-color-default-border)",
      }}
      keepMounted={false}
    >
      <Tabs.List grow>
        <Tabs.Tab value="details">{t("case.tabs.details")}</Tabs.Tab>
        <Tabs.Tab value="customer">{t("case.tabs.customer")}</Tabs.Tab>
        <Tabs.Tab value="history">{t("case.tabs.history")}</Tabs.Tab>
      </Tabs.List>
      <ScrollArea style={{ flex: 1 }} type="auto">
        <Tabs.Panel value="details" p="md">
          <Stack gap="md">
            <HandoverCard item={item} now={now} />
            <CaseDetails item={item} members={members} session={session} now={now} />
            <ChecklistPanel item={item} />
          </Stack>
        </Tabs.Panel>
        <Tabs.Panel value="customer" p="md">
          <Suspense fallback={<Skeleton h={80} />}>
            <CustomerPanel contactId={item.contactId} caseId={item.id} session={session} now={now} />
          </Suspense>
        </Tabs.Panel>
        <Tabs.Panel value="history" p="md">
          <CaseHistory item={item} contactName={contactName} members={members} session={session} now={now} />
        </Tabs.Panel>
      </ScrollArea>
    </Tabs>
  );
}

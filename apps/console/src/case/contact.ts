import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { type Case, fetchContact } from "../api.ts";

/** TanStack Query key of a contact profile (GET /api/v1/contacts/:id). */
export const contactQueryKey = (id: string) => ["contacts", id] as const;

/** The profile of a case's customer, shared by the header, the thread and the customer panel. */
export function useContactProfile(contactId: string) {
  return useQuery({ queryKey: contactQueryKey(contactId), queryFn: () => fetchContact(contactId) });
}

/** The customer's display name: from the case when the API embeds it, else from the profile. */
export function useContactName(item: Case): string {
  const { t } = useTranslation();
  const profile = useContactProfile(item.contactId);
  return item.contact?.displayName ?? profile.data?.displayName ?? t("inbox.unknownContact");
}

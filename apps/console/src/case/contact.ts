import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { type Case, fetchContact } from "../api.ts";

/** TanStack Query key of a contact profile (GET /api/v1/contacts/:id). */
const contactQueryKey = (id: string) => ["contacts", id] as const;

/** The profile of a case's customer, shared by the header, the thread and the customer panel. */
export function useContactProfile(contactId: string, enabled = true) {
  return useQuery({ queryKey: contactQueryKey(contactId), queryFn: () => fetchContact(contactId), enabled });
}

/** The customer's display name: from the case when the API embeds it, else from the profile. */
export function useContactName(item: Case): string {
  const { t } = useTranslation();
  const embedded = item.contact?.displayName;
  // The profile is fetched only when the case does not carry the name already.
  const profile = useContactProfile(item.contactId, !embedded);
  return embedded ?? profile.data?.displayName ?? t("inbox.unknownContact");
}

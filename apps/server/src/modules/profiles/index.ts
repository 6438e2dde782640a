/** What automation rules read about contacts (tags, lifecycle stage, language, attributes, consent), in one query. */
export { type ContactFacts, contactFactsOf } from "./automation-facts.ts";
/** Imports a contacts file from the command line (progress, report file) and exports contacts as CSV/JSONL. */
export { exportContactsCommand, importContactsCommand } from "./bulk/cli.ts";
/** Paged follower import: a channel's follower list as contacts, resumable after a crash (see FollowerSource). */
export {
  FOLLOWER_FETCH_SIZE,
  FOLLOWER_PAGE_MAX,
  type FollowerProfile,
  type FollowerProgress,
  type FollowerSource,
  type FollowerSyncRow,
  findFollowerSync,
  listFollowerSyncs,
  runFollowerImport,
  startFollowerSync,
} from "./bulk/follower-import.ts";
/** One of a contact's own orders by its number (what a bot may tell the customer). */
export { findContactOrder, type OrderLookup } from "./commerce/lookup.ts";
/** Lifecycle stages of contacts whose timeline changed, recomputed by the worker every few seconds. */
export { LIFECYCLE_SWEEP_MS, startLifecycleSweeper } from "./commerce/recompute-lifecycle.ts";
/** Erasure registry: each higher module registers how it erases a person's data (run inside eraseContact). */
export {
  type ContactEraser,
  type ErasureIdentity,
  type ErasureResult,
  type ErasureSubject,
  type FileDeleter,
  registerContactEraser,
} from "./erasers.ts";
/** Defines the profiles job types: contact imports, lifecycle recomputation, erased files' deletion retries. */
/** Gives every workspace its next nightly lifecycle recomputation (03:00 local); idempotent, for the scheduler role. */
export { defineProfilesJobs, ensureNightlyLifecycles } from "./jobs.ts";
/** The identity kinds a contact may hold, and the channel each belongs to. */
export { channelOfKind, IDENTITY_KINDS, type IdentityKind } from "./normalize.ts";
/** The profiles HTTP routes. */
export { registerProfilesRoutes } from "./routes.ts";
/** Names to show for contacts in lists, in one query. */
export { type ContactSummary, contactSummaries } from "./summaries.ts";
/** Creates a contact with its identities (and lists its likely duplicates); puts form answers on its attributes; contacts' identities and tags. */
export {
  contactIdentities,
  contactsTagsAndIdentities,
  createContact,
  storeAnswersAsAttributes,
} from "./use-cases/contacts.ts";
/** Merges two contacts (consent or an agent's reason) and undoes a merge exactly. */
export { mergeContacts, unmergeContacts } from "./use-cases/merge-contacts.ts";
/** Appends a consent record to a contact's ledger. */
export { recordConsent } from "./use-cases/record-consent.ts";
/** Returns the contact of a channel identity, creating it when unknown; joins WeChat apps by UnionID. */
export {
  type IdentityInput,
  type Resolution,
  type ResolveHints,
  resolveContact,
  resolveContacts,
} from "./use-cases/resolve-contact.ts";
/** Stores timeline events (idempotent by client event id) with identity-based contact resolution. */
export { type EventInput, ingestEvents } from "./use-cases/timeline.ts";
/** Who acts on profiles: an actor of a workspace or the system on its behalf. */
export type { Caller } from "./use-cases/types.ts";

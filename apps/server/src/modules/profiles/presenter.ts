import { consentOnChannel, currentConsent } from "./consent.ts";
import { channelOfKind } from "./normalize.ts";
import type { ConsentRow, ContactRow, DecisionRow, EventRow, IdentityRow } from "./repository.ts";
import type { DuplicateSuggestion } from "./use-cases/find-duplicates.ts";

/** A contact as the API shows it: explicit fields only, never the search or key columns. */
export const presentContact = (c: ContactRow) => ({
  id: c.id,
  displayName: c.display_name,
  givenName: c.given_name,
  familyName: c.family_name,
  emails: c.emails,
  phones: c.phones,
  language: c.language,
  timezone: c.timezone,
  gender: c.gender,
  birthday: c.birthday,
  avatarUrl: c.avatar_url,
  company: c.company,
  tags: c.tags,
  lifecycleStage: c.lifecycle_stage,
  ownerUserId: c.owner_user_id,
  source: c.source,
  attributes: c.attributes,
  qualityFlags: c.quality_flags,
  createdAt: c.created_at.toISOString(),
  updatedAt: c.updated_at.toISOString(),
});

/** An identity's own fields, as a data export lists them. */
export const presentIdentityFields = (i: IdentityRow) => ({
  kind: i.kind,
  namespace: i.namespace || null,
  externalId: i.external_id,
  verified: i.verified,
  firstSeenAt: i.first_seen_at.toISOString(),
  lastSeenAt: i.last_seen_at.toISOString(),
});

export const presentIdentity = (i: IdentityRow, consent: readonly ConsentRow[]) => ({
  id: i.id,
  ...presentIdentityFields(i),
  consent: consentOnChannel(consent, channelOfKind(i.kind)),
});

export const presentAttributeDefinition = (d: { key: string; label: string; type: string; options: string[] }) => ({
  key: d.key,
  label: d.label,
  type: d.type,
  options: d.options,
});

export const presentConsentRecord = (r: ConsentRow) => ({
  id: r.id,
  purpose: r.purpose,
  channel: r.channel,
  status: r.status,
  source: r.source,
  evidence: r.evidence,
  recordedAt: r.recorded_at.toISOString(),
  actorType: r.actor_type,
  actorId: r.actor_id,
});

export const presentCurrentConsent = (records: readonly ConsentRow[]) =>
  currentConsent(records).map((c) => ({ ...c, recordedAt: c.recordedAt.toISOString() }));

/** The 360° profile: the contact, the identities of its merged family with their consent, current consent. */
export const presentProfile = (p: {
  contact: ContactRow;
  family: string[];
  identities: IdentityRow[];
  consent: ConsentRow[];
}) => ({
  ...presentContact(p.contact),
  identities: p.identities.map((i) => presentIdentity(i, p.consent)),
  consent: presentCurrentConsent(p.consent),
  mergedContactIds: p.family.slice(1),
});

export const presentEvent = (e: EventRow) => ({
  id: e.id,
  clientEventId: e.client_event_id,
  contactId: e.contact_id,
  type: e.type,
  occurredAt: e.occurred_at.toISOString(),
  source: e.source,
  channel: e.channel,
  properties: e.properties,
});

/** A link decision without its snapshot (which holds the personal data of both contacts). */
export const presentDecision = (d: DecisionRow) => ({
  id: d.id,
  kind: d.kind,
  targetContactId: d.target_contact_id,
  sourceContactId: d.source_contact_id,
  basis: d.basis,
  undoesId: d.undoes_id,
  actorType: d.actor_type,
  actorId: d.actor_id,
  reason: d.reason,
  evidence: d.evidence,
  createdAt: d.created_at.toISOString(),
});

export const presentDuplicate = (s: DuplicateSuggestion) => ({
  contact: { id: s.contact.id, displayName: s.contact.display_name, company: s.contact.company },
  level: s.level,
  score: s.score,
  reasons: s.reasons,
});

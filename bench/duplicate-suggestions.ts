// bench/duplicate-suggestions: latency of the duplicate suggestions for one new contact (what POST
// /api/v1/contacts answers as `duplicates`: shared email/phone keys, same company, same name) over N contacts,
// against a primary-key lookup of a contact on the same pool, measured in the same run.
// Target (issue 3): ≤ 20 ms against 1,000,000 contacts.
// Usage: node --import tsx bench/duplicate-suggestions.ts [--rows 100000] [--contacts 200] [--db postgres|pglite]
import { findContact } from "../apps/server/src/modules/profiles/repository.ts";
import { createContact } from "../apps/server/src/modules/profiles/use-cases/contacts.ts";
import { findDuplicates } from "../apps/server/src/modules/profiles/use-cases/find-duplicates.ts";
import { arg, dbKind, fmt, loadContacts, openBenchEnv, percentile } from "./profiles-setup.ts";

const rows = Number(arg("rows", "100000"));
const contacts = Number(arg("contacts", "200"));
const kind = dbKind();
const { env, ws } = await openBenchEnv(kind);
const W = ws.workspace.id;
const system = { type: "system" as const, workspaceId: W };
const GIVEN = ["Ada", "Grace", "Alan", "Marie", "Wei", "Yuki", "Amara", "Lucas", "Sofia", "Omar"];
const FAMILY = ["Lovelace", "Hopper", "Turing", "Curie", "Tanaka", "Okafor", "Martin", "Garcia", "Haddad", "Novak"];

/** New contact i: a third share an existing email (certain), a third a name and company, a third nothing. */
function newContact(i: number) {
  const n = (i * 7919) % rows;
  switch (i % 3) {
    case 0:
      return { givenName: "Someone", familyName: `New ${i}`, emails: [`user${n}@example.com`] };
    case 1:
      return {
        givenName: GIVEN[n % 10] as string,
        familyName: FAMILY[Math.floor(n / 10) % 10] as string,
        company: `Company ${n % 5000}`,
      };
    default:
      return { givenName: `Unique${i}`, familyName: `Person${i}`, emails: [`fresh${i}@example.net`] };
  }
}

try {
  const loadSeconds = await loadContacts(env, W, rows, { keys: true });
  const created: string[] = [];
  for (let i = 0; i < contacts + 20; i++) {
    const { contact } = await createContact(env, system, newContact(i));
    created.push(contact.id);
  }
  const base: number[] = [];
  const dup: number[] = [];
  const found: number[] = [];
  for (const [i, id] of created.entries()) {
    const t0 = performance.now();
    await findContact(env.database.db, W, id);
    const t1 = performance.now();
    const suggestions = await findDuplicates(env.database.db, W, id);
    const t2 = performance.now();
    if (i < 20) continue; // warm-up
    base.push(t1 - t0);
    dup.push(t2 - t1);
    found.push(suggestions.length);
  }
  const line = (name: string, t: number[]) =>
    `  ${name.padEnd(32)}: p50 ${fmt(percentile(t, 50), 2)} ms  p95 ${fmt(percentile(t, 95), 2)} ms  max ${fmt(Math.max(...t), 2)} ms`;
  console.log(
    `duplicate suggestions on ${kind}: ${fmt(rows)} contacts (loaded in ${fmt(loadSeconds, 1)} s), ${fmt(contacts)} new contacts`,
  );
  console.log(line("baseline primary-key lookup", base));
  console.log(line("duplicate suggestions", dup));
  console.log(`  suggestions per contact         : mean ${fmt(found.reduce((a, b) => a + b, 0) / found.length, 1)}`);
  console.log(
    `  ratio p95 suggestions / lookup  : ${fmt(percentile(dup, 95) / percentile(base, 95), 1)} (target ≤ 20 ms)`,
  );
} finally {
  await env.close();
}

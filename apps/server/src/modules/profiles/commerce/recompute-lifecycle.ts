import type { Executor } from "../../../platform/db.ts";
import { computeLifecycleStage } from "../lifecycle.ts";
import { lifecycleFactsOf, saveLifecycles } from "./repository.ts";

/**
 * Recomputes the lifecycle of live contacts (given by survivor id) from their families' timelines and stores
 * it; contacts with nothing to compute from keep their stage. Returns how many stages were stored.
 */
export async function recomputeLifecycles(
  db: Executor,
  workspaceId: string,
  contactIds: string[],
  now: Date = new Date(),
): Promise<number> {
  const facts = await lifecycleFactsOf(db, workspaceId, [...new Set(contactIds)], now);
  const rows = [];
  for (const [contactId, f] of facts) {
    const stage = computeLifecycleStage(f, now);
    if (stage) rows.push({ contactId, stage, facts: f });
  }
  await saveLifecycles(db, workspaceId, rows, now);
  return rows.length;
}

import type { AppContext } from "../../../platform/context.ts";
import type { Executor } from "../../../platform/db.ts";
import { computeLifecycleStage } from "../lifecycle.ts";
import {
  lifecycleFactsOf,
  markLifecyclePending,
  saveLifecycles,
  takeLifecyclePending,
  workspacesWithPendingLifecycles,
} from "./repository.ts";

/** How often the worker recomputes the lifecycles that events marked as stale. */
export const LIFECYCLE_SWEEP_MS = 5_000;
const PENDING_PAGE = 1000;

/**
 * Marks contacts whose timeline changed, in the caller's transaction: one statement however many events,
 * instead of an aggregate over each contact's whole timeline on the ingest path. The worker's sweep
 * (`startLifecycleSweeper`) recomputes them within a few seconds.
 */
export async function scheduleLifecycleRecompute(tx: Executor, workspaceId: string, contactIds: string[]) {
  await markLifecyclePending(tx, workspaceId, [...new Set(contactIds)]);
}

/** Recomputes up to a page of a workspace's marked contacts; returns whether more are marked. */
export async function recomputePendingLifecycles(
  db: Executor,
  workspaceId: string,
  now: Date = new Date(),
): Promise<boolean> {
  const ids = await takeLifecyclePending(db, workspaceId, PENDING_PAGE);
  await recomputeLifecycles(db, workspaceId, ids, now);
  return ids.length === PENDING_PAGE;
}

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

/**
 * The worker's sweep: every LIFECYCLE_SWEEP_MS, recomputes the marked contacts of every workspace, a page per
 * transaction (a crash puts the page's marks back). Several workers share the marks (rows are taken with
 * SKIP LOCKED). Returns the stop function.
 */
export function startLifecycleSweeper(ctx: Pick<AppContext, "database" | "logger">): () => Promise<void> {
  let running: Promise<void> | undefined;
  let stopped = false;
  const sweep = async () => {
    for (const ws of await workspacesWithPendingLifecycles(ctx.database.db)) {
      let more = true;
      while (more && !stopped) {
        more = await ctx.database.db.transaction().execute((tx) => recomputePendingLifecycles(tx, ws));
      }
    }
  };
  const timer = setInterval(() => {
    running ??= sweep()
      .catch((err) => ctx.logger.error({ err }, "lifecycle sweep failed; retrying at the next one"))
      .finally(() => {
        running = undefined;
      });
  }, LIFECYCLE_SWEEP_MS);
  timer.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}

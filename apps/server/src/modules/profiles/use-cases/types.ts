import type { Actor } from "../../tenancy/index.ts";

/** Who acts: a user or token of a workspace, or the system on a workspace's behalf (ingest, jobs). */
export type Caller = Actor | { type: "system"; workspaceId: string; ip?: string };

import type { AppContext } from "../../platform/context.ts";
import type { Executor } from "../../platform/db.ts";

/** One external identifier of the person being erased (an identity, or an email/phone from the contact's fields). */
export type ErasureIdentity = { kind: string; namespace: string; externalId: string };

/** Whom an erasure is about: the contact family's ids and every identifier known for them before erasure. */
export type ErasureSubject = { contactIds: string[]; identities: ErasureIdentity[] };

/** What one module's eraser did: row counts (no personal data) and the stored files it unlinked. */
export type ErasureResult = {
  counts: Record<string, number>;
  /** Opaque keys of files to delete once the erasure has committed (given back to `deleteFiles`). */
  files?: string[];
};

/**
 * A module's share of an erasure: deletes or blanks the person's data in the module's own tables, inside the
 * erasure's transaction (a throw rolls the whole erasure back). Must be set-based: a fixed number of
 * statements whatever the volume of the person's data.
 */
export type ContactEraser = (tx: Executor, workspaceId: string, subject: ErasureSubject) => Promise<ErasureResult>;

/** Deletes stored files after the erasure committed; idempotent (it is retried by a job when it fails). */
export type FileDeleter = (ctx: AppContext, workspaceId: string, files: string[]) => Promise<void>;

type Registration = { erase: ContactEraser; deleteFiles?: FileDeleter | undefined };

const erasers = new Map<string, Registration>();

/**
 * Registers a module's eraser under a name (the composition root does it; registering a name again replaces
 * it). Erasers run in registration order: register higher rungs first, so they can still read what lower
 * modules hold about the person before those delete it.
 */
export function registerContactEraser(name: string, erase: ContactEraser, options: { deleteFiles?: FileDeleter } = {}) {
  erasers.set(name, { erase, deleteFiles: options.deleteFiles });
}

/** The registered erasers, in the order they run. */
export function contactErasers(): [string, Registration][] {
  return [...erasers.entries()];
}

/** The file deleter registered under an eraser's name (the retry job looks it up). */
export function fileDeleterOf(name: string): FileDeleter | undefined {
  return erasers.get(name)?.deleteFiles;
}

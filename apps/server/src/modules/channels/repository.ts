import type { Generated, Selectable } from "kysely";
import { uuidv7 } from "uuidv7";
import type { Executor } from "../../platform/db.ts";
import { insertRows } from "../../platform/writes.ts";

/** The tables this module owns. */
export type ChannelsTables = {
  channels: {
    workspace_id: string;
    id: string;
    type: string;
    name: string;
    config: Generated<unknown>;
    secrets_encrypted: string | null;
    created_at: Generated<Date>;
    disabled_at: Date | null;
  };
  inbound_payloads: {
    workspace_id: string;
    id: string;
    channel_id: string;
    payload: unknown;
    received_at: Generated<Date>;
  };
  webhook_deliveries: {
    workspace_id: string;
    id: string;
    channel_id: string;
    message_id: string;
    attempt: number;
    status_code: number | null;
    error: string | null;
    created_at: Generated<Date>;
  };
};

export type ChannelRow = Selectable<ChannelsTables["channels"]>;
export type WebhookDeliveryRow = Selectable<ChannelsTables["webhook_deliveries"]>;

export const q = (db: Executor) => db.withTables<ChannelsTables>();

/** Raw inbound payloads (`payload`: JSON text), one fixed statement whatever their number (platform/writes.ts). */
export function inboundPayloadsInsert(rows: readonly { workspace_id: string; channel_id: string; payload: string }[]) {
  return insertRows(
    "inbound_payloads",
    { workspace_id: "uuid", id: "uuid", channel_id: "uuid", payload: "jsonb" },
    rows.map((r) => ({ ...r, id: uuidv7() })),
  );
}

export function findChannel(db: Executor, workspaceId: string, id: string) {
  return q(db)
    .selectFrom("channels")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("id", "=", id)
    .executeTakeFirst();
}

export function listChannels(db: Executor, workspaceId: string, after: string | undefined, limit: number) {
  let query = q(db)
    .selectFrom("channels")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .orderBy("id")
    .limit(limit + 1);
  if (after) query = query.where("id", ">", after);
  return query.execute();
}

export function listWebhookDeliveries(
  db: Executor,
  workspaceId: string,
  channelId: string,
  before: string | undefined,
  limit: number,
) {
  let query = q(db)
    .selectFrom("webhook_deliveries")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("channel_id", "=", channelId)
    .orderBy("id", "desc")
    .limit(limit + 1);
  if (before) query = query.where("id", "<", before);
  return query.execute();
}

/** A channel by id alone, for platform webhooks whose URL names only the channel (index channels_by_id). */
export function findChannelById(db: Executor, id: string) {
  return q(db).selectFrom("channels").selectAll().where("id", "=", id).executeTakeFirst();
}

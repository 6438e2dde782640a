import { type Kysely, sql } from "kysely";

// Web chat CSAT (issue 6): one satisfaction answer per solved case, given by the visitor in the widget; the
// visitor row remembers the case of its conversation so a `case.updated` to solved finds whom to prompt.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table csat_responses (
      workspace_id uuid not null,
      id uuid not null,
      case_id uuid not null,
      contact_id uuid,
      channel_id uuid not null,
      rating smallint not null check (rating between 1 and 5),
      comment text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (workspace_id, id),
      unique (workspace_id, case_id)
    );
    create index csat_responses_by_time on csat_responses (workspace_id, created_at, id);
    alter table webchat_visitors add column case_id uuid;
    create index webchat_visitors_by_case on webchat_visitors (workspace_id, case_id);
  `.execute(db);
}

/**
 * A SQL expression for a UUIDv7 of the given Unix time in milliseconds, unique per `seq` (a bigint expression):
 * the ids the product itself makes (uuidv7), so bench data lies in the heap in id order as real data does.
 */
export function uuidv7Sql(ms: string, seq: string): string {
  return `(lpad(to_hex((${ms})::bigint), 12, '0') || '7' || lpad(to_hex((${seq})::bigint % 4096), 3, '0')
    || to_hex(8 + ((${seq})::bigint / 4096) % 4) || substr(md5((${seq})::text), 1, 15))::uuid`;
}

/** Now, in Unix milliseconds, as SQL. */
export const NOW_MS = "(extract(epoch from now()) * 1000)::bigint";

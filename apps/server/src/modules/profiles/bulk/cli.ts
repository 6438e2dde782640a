import { createReadStream, createWriteStream, statSync } from "node:fs";
import { basename } from "node:path";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import cliProgress from "cli-progress";
import type { AppContext } from "../../../platform/context.ts";
import { AppError } from "../../../platform/errors.ts";
import { recordAudit } from "../../tenancy/index.ts";
import type { Caller } from "../use-cases/types.ts";
import { findImport, listImportErrors } from "./bulk-repository.ts";
import { csvLine } from "./csv.ts";
import { type ExportFormat, exportContacts } from "./export-contacts.ts";
import { countsOf, createImport, type ImportFormat, runImport } from "./import-contacts.ts";
import { ImportFileError, parseMapPairs } from "./import-mapping.ts";

/** Where a command writes: stdout for results, stderr for progress and notes; `isTTY` when stderr is a terminal. */
export type CommandIo = { out(text: string): void; err(text: string): void; isTTY?: boolean };

export type ImportCommandOptions = {
  file: string;
  format?: string | undefined;
  delimiter?: string | undefined;
  map?: string[] | undefined;
  report?: string | undefined;
  resume?: string | undefined;
};

const fmt = (n: number) => n.toLocaleString("en-US");

function formatOf(file: string, given: string | undefined): ImportFormat {
  const f = given ?? (/\.(jsonl|ndjson)$/i.test(file) ? "jsonl" : /\.(csv|tsv|txt)$/i.test(file) ? "csv" : undefined);
  if (f === "csv" || f === "jsonl") return f;
  throw new AppError(
    "invalid",
    "import_format_unknown",
    `Cannot tell the format of ${file}: pass --format csv or jsonl.`,
  );
}

/**
 * `rapport import contacts <file>`: streams the file through the import (batches of 1,000, each atomic),
 * shows a progress bar with rows/s and ETA on stderr when it is a terminal, writes the per-row error report
 * as CSV (line, field, reason, message) and prints a summary on stdout. `--resume <id>` continues an
 * interrupted import of the same file after its last committed line.
 */
export async function importContactsCommand(
  ctx: AppContext,
  caller: Caller,
  opts: ImportCommandOptions,
  io: CommandIo,
) {
  let size: number;
  try {
    size = statSync(opts.file).size;
  } catch {
    throw new AppError("not_found", "import_file_missing", `Cannot read ${opts.file}.`);
  }
  const format = formatOf(opts.file, opts.format);
  const delimiter = opts.delimiter === "\\t" || opts.delimiter === "tab" ? "\t" : opts.delimiter;
  let map: Record<string, string>;
  try {
    map = parseMapPairs(opts.map ?? []);
  } catch (err) {
    if (err instanceof ImportFileError) throw new AppError("invalid", err.reason, err.message);
    throw err;
  }
  const ws = caller.workspaceId;
  let row = opts.resume ? await findImport(ctx.database.db, ws, opts.resume) : undefined;
  if (opts.resume) {
    if (!row) throw new AppError("not_found", "import_not_found", `No import ${opts.resume} in this workspace.`);
    if (row.byte_size !== size || row.file_name !== basename(opts.file)) {
      throw new AppError("conflict", "import_file_changed", `Import ${row.id} was of another file (or it changed).`);
    }
    io.err(`Resuming import ${row.id} after line ${fmt(row.last_line)}.\n`);
  } else {
    row = await createImport(ctx.database.db, caller, {
      origin: "cli",
      format,
      fileName: basename(opts.file),
      byteSize: size,
      options: { ...(delimiter ? { delimiter } : {}), map },
      state: "queued",
    });
    io.err(`Import ${row.id} started (resume it with --resume ${row.id} if interrupted).\n`);
  }

  const started = Date.now();
  const startRows = row.rows_read;
  let bytesRead = 0;
  const bar = io.isTTY
    ? new cliProgress.SingleBar(
        {
          format: " {bar} {percentage}% | {rows} rows | {rate} rows/s | ETA {eta_formatted} | {failed} failed",
          hideCursor: true,
          etaBuffer: 50,
          stream: process.stderr,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  bar?.start(size, 0, { rows: fmt(row.rows_read), rate: "0", failed: fmt(row.failed) });
  const stream = createReadStream(opts.file, { highWaterMark: 256 * 1024 });
  // Counted as the import pulls chunks (a "data" listener would read the whole file ahead into memory).
  async function* counted() {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      bytesRead += chunk.length;
      yield chunk;
    }
  }
  let done: Awaited<ReturnType<typeof runImport>>;
  try {
    done = await runImport(ctx, ws, row.id, counted(), {
      onBatch: (c) => {
        const seconds = (Date.now() - started) / 1000;
        bar?.update(bytesRead, {
          rows: fmt(c.rowsRead),
          rate: fmt(Math.round((c.rowsRead - startRows) / Math.max(seconds, 0.001))),
          failed: fmt(c.failed),
        });
      },
    });
  } finally {
    if (bar) {
      bar.update(bytesRead);
      bar.stop();
    }
    stream.destroy();
  }
  const c = countsOf(done);
  if (done.state === "failed") {
    const e = done.error;
    throw new AppError("unprocessable", e?.reason ?? "import_failed", e?.message ?? "The import failed.");
  }
  const seconds = (Date.now() - started) / 1000;
  let reportNote = "";
  if (c.failed > 0) {
    const reportPath = opts.report ?? `${opts.file}.errors.csv`;
    await writeReport(ctx, ws, done.id, reportPath);
    reportNote = ` Errors by line: ${reportPath}`;
  } else if (opts.report) {
    await writeReport(ctx, ws, done.id, opts.report);
  }
  io.out(
    `Import ${done.id}: ${fmt(c.rowsRead)} rows — ${fmt(c.imported)} new, ${fmt(c.updated)} updated, ${fmt(c.unchanged)} unchanged, ${fmt(c.failed)} failed — in ${seconds.toFixed(1)} s (${fmt(Math.round((c.rowsRead - startRows) / Math.max(seconds, 0.001)))} rows/s).${reportNote}\n`,
  );
}

/** Writes the error report of an import as CSV: line, field, reason, message. */
async function writeReport(ctx: AppContext, workspaceId: string, importId: string, path: string) {
  const out = createWriteStream(path);
  async function* lines() {
    yield csvLine(["line", "field", "reason", "message"]);
    let after = 0;
    for (;;) {
      const page = await listImportErrors(ctx.database.db, workspaceId, importId, after, 1000);
      for (const e of page) yield csvLine([String(e.line), e.field ?? "", e.reason, e.message]);
      if (page.length < 1000) return;
      after = page.at(-1)?.line ?? after;
    }
  }
  await pipeline(lines(), out);
}

/** `rapport export contacts`: the workspace's contacts as CSV or JSONL, to a file or to stdout. */
export async function exportContactsCommand(
  ctx: AppContext,
  caller: Caller,
  opts: { format: string; output?: string | undefined },
  io: CommandIo,
) {
  if (opts.format !== "csv" && opts.format !== "jsonl") {
    throw new AppError("invalid", "export_format_unknown", "--format is csv or jsonl.");
  }
  const format: ExportFormat = opts.format;
  await recordAudit(ctx.database.db, caller, {
    action: "contacts.exported",
    objectType: "contact",
    details: { format },
  });
  const target = opts.output
    ? createWriteStream(opts.output)
    : new Writable({
        write(chunk: Buffer, _enc, cb) {
          io.out(chunk.toString("utf8"));
          cb();
        },
      });
  await pipeline(exportContacts(ctx.database.db, caller.workspaceId, format), target);
  if (opts.output) io.err(`Contacts exported to ${opts.output}.\n`);
}

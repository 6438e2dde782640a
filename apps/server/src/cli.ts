import { join, resolve } from "node:path";
import { Command, CommanderError, InvalidArgumentError } from "commander";
import { runThroughControlSocket, serveControlSocket } from "./control-socket.ts";
import { PROCESS_ROLES, type ProcessRole, type RunningServer, startRoles } from "./main.ts";
import { exportContactsCommand, importContactsCommand } from "./modules/profiles/index.ts";
import {
  addMember,
  createApiToken,
  createWorkspace,
  findWorkspaceBySlug,
  ROLES,
  type Role,
} from "./modules/tenancy/index.ts";
import { type Config, ConfigError, loadConfig } from "./platform/config.ts";
import { AppError } from "./platform/errors.ts";
import { openRuntime, type Runtime } from "./runtime.ts";
import { DEMO_ADMIN_EMAIL, seedDemo } from "./seed.ts";

const ALL_ROLES = PROCESS_ROLES;
type Io = { out(text: string): void; err(text: string): void; isTTY?: boolean };
/** Runs fn with a runtime: opened for the command (and closed after), or the running server's own. */
type RuntimeAccess = (holder: string, fn: (rt: Runtime) => Promise<void>) => Promise<void>;

const controlSocketPath = (config: Config) => join(resolve(config.DATA_DIR), "rapport.sock");

function parseRoles(value: string): ProcessRole[] {
  const roles = value
    .split(",")
    .map((r) => r.trim())
    .filter(Boolean);
  const unknown = roles.filter((r) => !(ALL_ROLES as readonly string[]).includes(r));
  if (unknown.length || roles.length === 0) {
    throw new InvalidArgumentError(
      `unknown role(s) ${unknown.join(", ") || "(none)"}; use a comma list of ${ALL_ROLES.join(", ")}`,
    );
  }
  return roles as ProcessRole[];
}

function parseScale(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 10_000)
    throw new InvalidArgumentError("must be a whole number from 1 to 10000");
  return n;
}

function parseRole(value: string): Role {
  if (!(ROLES as readonly string[]).includes(value))
    throw new InvalidArgumentError(`must be one of ${ROLES.join(", ")}`);
  return value as Role;
}

async function workspaceScope(rt: Runtime, slug: string) {
  const workspace = await findWorkspaceBySlug(rt.database.db, slug);
  if (!workspace) {
    throw new AppError(
      "not_found",
      "workspace_not_found",
      `No workspace with slug "${slug}". Create one with \`rapport workspaces create\`.`,
    );
  }
  return { type: "system" as const, workspaceId: workspace.id };
}

/** The `rapport` commands; `start` only where the process may serve. */
function buildProgram(io: Io, withRuntime: RuntimeAccess, options: { canStart: boolean }) {
  const program = new Command("rapport")
    .description("Rapport — social CRM and omnichannel customer care")
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError();

  if (options.canStart) {
    program
      .command("start")
      .description("start the server (default: every role in one process)")
      .option("--roles <roles>", `comma list of ${ALL_ROLES.join(", ")}`, parseRoles, [...ALL_ROLES])
      .action(async (opts: { roles: ProcessRole[] }) => start(opts.roles));
  }

  program
    .command("migrate")
    .description("apply pending database migrations")
    .action(() => withRuntime("rapport migrate", async () => io.out("Migrations are up to date.\n")));

  program
    .command("seed")
    .description("seed data")
    .requiredOption("--demo", "create the demo workspace (once), with a working inbox")
    .option("--scale <n>", "add n × 300 more demo customers and cases (benchmarks)", parseScale)
    .action((opts: { scale?: number }) =>
      withRuntime("rapport seed", async (rt) => {
        const seeded = await seedDemo(rt, opts.scale ? { scale: opts.scale } : {});
        const added = seeded.cases ? ` ${seeded.cases} cases, ${seeded.messages} messages added.` : "";
        io.out(
          seeded.created
            ? `Demo workspace created.${added} ${DEMO_ADMIN_EMAIL} password: ${seeded.adminPassword}\n`
            : `The demo workspace already exists.${added}\n`,
        );
      }),
    );

  program
    .command("workspaces")
    .description("manage workspaces")
    .command("create <slug>")
    .requiredOption("--name <name>", "display name")
    .option("--locale <locale>", "default locale", "en")
    .option("--timezone <tz>", "IANA time zone", "UTC")
    .action((slug: string, opts: { name: string; locale: string; timezone: string }) =>
      withRuntime("rapport workspaces create", async (rt) => {
        const ws = await createWorkspace(rt, {
          slug,
          name: opts.name,
          defaultLocale: opts.locale,
          timezone: opts.timezone,
        });
        io.out(`${ws.id}\n`);
      }),
    );

  program
    .command("users")
    .description("manage users")
    .command("create")
    .requiredOption("--workspace <slug>", "workspace slug")
    .requiredOption("--email <email>", "email address")
    .requiredOption("--role <role>", ROLES.join("|"), parseRole)
    .option("--name <name>", "display name")
    .option("--password <password>", "initial password (generated and printed when omitted)")
    .action((opts: { workspace: string; email: string; role: Role; name?: string; password?: string }) =>
      withRuntime("rapport users create", async (rt) => {
        const r = await addMember(rt, await workspaceScope(rt, opts.workspace), opts);
        io.out(`${r.user.id}\n`);
        if (r.generatedPassword) io.out(`Initial password: ${r.generatedPassword}\n`);
      }),
    );

  program
    .command("tokens")
    .description("manage API tokens")
    .command("create")
    .requiredOption("--workspace <slug>", "workspace slug")
    .requiredOption("--role <role>", ROLES.join("|"), parseRole)
    .option("--name <name>", "a name to recognise the token by", "cli")
    .action((opts: { workspace: string; role: Role; name: string }) =>
      withRuntime("rapport tokens create", async (rt) => {
        const scope = await workspaceScope(rt, opts.workspace);
        const { row, token } = await createApiToken(rt, scope, { name: opts.name, role: opts.role });
        io.err(`Token ${row.id} (${row.role}) created; it is shown only once.\n`);
        io.out(`${token}\n`);
      }),
    );

  program
    .command("import")
    .description("bulk imports")
    .command("contacts <file>")
    .description(
      "import contacts from a CSV or JSONL file (batches of 1,000, each atomic; re-running updates, never duplicates)",
    )
    .requiredOption("--workspace <slug>", "workspace slug")
    .option(
      "--map <col=field...>",
      "map a column to a field (givenName, emails, attributes.<key>, identity.<kind>, - to skip)",
    )
    .option("--format <format>", "csv or jsonl (default: from the file extension)")
    .option("--delimiter <char>", "CSV delimiter: , ; | or \\t", ",")
    .option("--report <path>", "where to write the per-row error report (default: <file>.errors.csv when rows fail)")
    .option("--resume <importId>", "continue an interrupted import of the same file after its last committed line")
    .action(
      (
        file: string,
        opts: {
          workspace: string;
          map?: string[];
          format?: string;
          delimiter: string;
          report?: string;
          resume?: string;
        },
      ) =>
        withRuntime("rapport import contacts", async (rt) =>
          importContactsCommand(rt, await workspaceScope(rt, opts.workspace), { file, ...opts }, io),
        ),
    );

  program
    .command("export")
    .description("bulk exports")
    .command("contacts")
    .description("export the workspace's contacts (CSV cells are formula-escaped)")
    .requiredOption("--workspace <slug>", "workspace slug")
    .option("--format <format>", "csv or jsonl", "csv")
    .option("--output <path>", "write to a file instead of stdout")
    .action((opts: { workspace: string; format: string; output?: string }) =>
      withRuntime("rapport export contacts", async (rt) =>
        exportContactsCommand(rt, await workspaceScope(rt, opts.workspace), opts, io),
      ),
    );

  return program;
}

/** One line for an error: the reason and what to do, never a stack trace. */
function describeError(err: unknown): string {
  if (err instanceof ConfigError) return `${err.message}\n`;
  if (err instanceof AppError) return `rapport: ${err.message} (${err.reason})\n`;
  return `rapport: unexpected error: ${(err as Error).message}\n`;
}

/** Runs a command line inside a process that already holds a runtime (the server, via its control socket). */
async function runInServer(rt: Runtime, argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (t) => void out.push(t), err: (t) => void err.push(t) };
  const program = buildProgram(io, (_holder, fn) => fn(rt), { canStart: false });
  let code = 0;
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    code = error instanceof CommanderError ? error.exitCode : 1;
    if (!(error instanceof CommanderError)) err.push(describeError(error));
  }
  return { code, stdout: out.join(""), stderr: err.join("") };
}

async function start(roles: ProcessRole[]) {
  const config = loadConfig();
  const rt = await openRuntime(config, `rapport start --roles=${roles.join(",")}`);
  const seeded = await seedDemo(rt);
  if (seeded.created) {
    process.stdout.write(
      `\nDemo workspace "demo" created. Sign in as ${DEMO_ADMIN_EMAIL} with password: ${seeded.adminPassword}\n(This password is shown only once.)\n\n`,
    );
  }
  const control =
    rt.database.kind === "pglite"
      ? await serveControlSocket(controlSocketPath(config), (argv) => runInServer(rt, argv))
      : undefined;
  let server: RunningServer;
  try {
    server = await startRoles(rt, roles, { port: config.PORT, host: config.HOST });
  } catch (err) {
    await control?.close();
    await rt.close();
    throw err;
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    rt.logger.info({ signal }, "shutting down: no new requests, finishing in-flight requests and jobs");
    await control?.close();
    await server.close();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
  process.stdout.write(
    `Rapport is running${server.address ? ` at ${server.address}` : ""} (roles: ${roles.join(",")}, database: ${rt.database.kind})\n`,
  );
}

/** Local runtime access; when the running server holds DATA_DIR, the whole command line goes to it instead. */
const localRuntime: RuntimeAccess = async (holder, fn) => {
  const config = loadConfig();
  let rt: Runtime;
  try {
    rt = await openRuntime(config, holder);
  } catch (err) {
    if (err instanceof AppError && err.reason === "data_dir_locked") {
      const result = await runThroughControlSocket(controlSocketPath(config), process.argv.slice(2));
      if (result) {
        process.stdout.write(result.stdout);
        process.stderr.write(result.stderr);
        process.exit(result.code);
      }
    }
    throw err;
  }
  try {
    await fn(rt);
  } finally {
    await rt.close();
  }
};

const io: Io = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
  isTTY: process.stderr.isTTY === true,
};
try {
  await buildProgram(io, localRuntime, { canStart: true }).parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  process.stderr.write(describeError(err));
  process.exit(1);
}

/**
 * Real mail servers on loopback for the email tests: a private Dovecot (IMAP) per suite, the `smtp-server`
 * library as an SMTP peer, and Python's smtplib as the customer's mail client. Test-only.
 */
import { execFile, spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SMTPServer, type SMTPServerAddress } from "smtp-server";

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const DOVECOT = ["/usr/sbin/dovecot", "/usr/bin/dovecot"].find((p) => existsSync(p));

/** Whether Dovecot is installed (`apt-get install -y dovecot-imapd`); the IMAP suite is skipped loudly without it. */
export const HAS_DOVECOT = DOVECOT !== undefined;

export type Dovecot = {
  port: number;
  user: string;
  password: string;
  /** Stops the server (the mail stays), as a crash or restart would. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and removes its directory. */
  destroy(): Promise<void>;
};

/** A private Dovecot: its own config, a passwd-file user, maildir storage, all in a temp dir, on a free port. */
export async function startDovecot(): Promise<Dovecot> {
  if (!DOVECOT) throw new Error("Dovecot is not installed");
  const dir = await mkdtemp(join(tmpdir(), "rapport-dovecot-"));
  const port = await freePort();
  const user = "support";
  const password = "imap-secret-1";
  // Dovecot refuses to run mail processes as root: as root, the mail belongs to the `dovecot` user.
  const asRoot = process.getuid?.() === 0;
  const idOf = (flag: string) => Number(spawnSync("id", [flag, "dovecot"]).stdout.toString().trim());
  const uid = asRoot ? idOf("-u") : (process.getuid?.() ?? 1000);
  const gid = asRoot ? idOf("-g") : (process.getgid?.() ?? 1000);
  for (const d of ["run", "state", "mail", "home"]) await mkdir(join(dir, d), { recursive: true });
  if (asRoot) {
    // mkdtemp makes the directory 0700: the mail user must be able to reach its maildir.
    await chmod(dir, 0o755);
    await chown(join(dir, "mail"), uid, gid);
    await chown(join(dir, "home"), uid, gid);
  }
  await writeFile(join(dir, "users"), `${user}:{PLAIN}${password}\n`);
  const conf = join(dir, "dovecot.conf");
  await writeFile(
    conf,
    `base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
mail_location = maildir:${dir}/mail/%u
# IDLE notices new mail through inotify where it works, else by this check (default 30 s).
mailbox_idle_check_interval = 1 secs
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/users
}
userdb {
  driver = static
  args = uid=${uid} gid=${gid} home=${dir}/home/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
`,
  );
  // Dovecot daemonizes and its children keep inherited pipes open: no pipes, only the exit code (and its log).
  const run = (args: string[]) =>
    new Promise<void>((resolve, reject) => {
      const child = spawn(DOVECOT as string, ["-c", conf, ...args], { stdio: "ignore" });
      child.once("error", reject);
      child.once("exit", (code) =>
        code === 0 ? resolve() : reject(new Error(`dovecot ${args.join(" ")} exited ${code}; see ${dir}/dovecot.log`)),
      );
    });
  const waitPort = async (open: boolean) => {
    for (let i = 0; i < 100; i++) {
      const up = await new Promise<boolean>((resolve) => {
        const socket = new Socket();
        socket.once("connect", () => {
          socket.destroy();
          resolve(true);
        });
        socket.once("error", () => resolve(false));
        socket.connect(port, "127.0.0.1");
      });
      if (up === open) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`dovecot did not ${open ? "start" : "stop"} on port ${port}`);
  };
  const start = async () => {
    await run([]);
    await waitPort(true);
  };
  await start();
  const stop = async () => {
    await run(["stop"]).catch(() => {});
    await waitPort(false);
  };
  return {
    port,
    user,
    password,
    start,
    stop,
    async destroy() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export type SmtpReceived = { raw: Buffer; from: string; to: string[]; user: string | undefined };

/**
 * The `smtp-server` library as a real SMTP peer on loopback. `onMessage` may throw an error with a
 * `responseCode` to answer it (e.g. 451 or 550); `rcptError` refuses recipients at RCPT TO.
 */
export async function startSmtpPeer(
  options: {
    onMessage?: (message: SmtpReceived) => Promise<void> | void;
    rcptError?: (address: string) => { message: string; responseCode: number } | undefined;
    users?: Record<string, string>;
  } = {},
) {
  const received: SmtpReceived[] = [];
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ["STARTTLS"],
    allowInsecureAuth: true,
    authOptional: true,
    logger: false,
    size: 50 * 1024 * 1024,
    onAuth(auth, _session, callback) {
      const users = options.users ?? {};
      if (auth.username && users[auth.username] === auth.password) return callback(null, { user: auth.username });
      return callback(Object.assign(new Error("Invalid username or password"), { responseCode: 535 }));
    },
    onRcptTo(address: SMTPServerAddress, _session, callback) {
      const refusal = options.rcptError?.(address.address);
      if (refusal) return callback(Object.assign(new Error(refusal.message), { responseCode: refusal.responseCode }));
      return callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const message: SmtpReceived = {
          raw: Buffer.concat(chunks),
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          user: typeof session.user === "string" ? session.user : undefined,
        };
        Promise.resolve(options.onMessage?.(message))
          .then(() => {
            received.push(message);
            callback();
          })
          .catch((err: Error) => callback(err));
      });
    },
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    port,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type PythonMail = {
  from: string;
  to: string;
  subject: string;
  text: string;
  html?: string;
  headers?: Record<string, string>;
  messageId?: string;
  attachments?: { filename: string; contentType: string; base64: string }[];
};

const PY_SEND = `
import base64, json, smtplib, sys
from email.message import EmailMessage
from email.utils import make_msgid, formatdate
spec = json.loads(sys.stdin.read())
if spec.get("raw") is not None:
    with smtplib.SMTP("127.0.0.1", spec["port"], timeout=30) as s:
        s.sendmail(spec["envelopeFrom"], [spec["envelopeTo"]], spec["raw"].encode("utf-8", "surrogateescape"))
    print("")
    sys.exit(0)
m = EmailMessage()
m["From"] = spec["from"]
m["To"] = spec["to"]
m["Subject"] = spec["subject"]
m["Date"] = formatdate(localtime=False)
m["Message-ID"] = spec.get("messageId") or make_msgid(domain="customer.test")
for k, v in (spec.get("headers") or {}).items():
    m[k] = v
m.set_content(spec["text"])
if spec.get("html"):
    m.add_alternative(spec["html"], subtype="html")
for a in spec.get("attachments") or []:
    maintype, subtype = a["contentType"].split("/")
    m.add_attachment(base64.b64decode(a["base64"]), maintype=maintype, subtype=subtype, filename=a["filename"])
with smtplib.SMTP("127.0.0.1", spec["port"], timeout=30) as s:
    s.send_message(m)
print(m["Message-ID"])
`;

function python(input: object): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile("python3", ["-c", PY_SEND], { timeout: 30_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`smtplib: ${stderr || err.message}`)) : resolve(stdout.trim()),
    );
    child.stdin?.end(JSON.stringify(input));
  });
}

/** Sends a mail as a customer's client would, with Python's smtplib; returns its Message-ID. */
export function sendWithSmtplib(port: number, mail: PythonMail): Promise<string> {
  return python({ port, ...mail });
}

/** Sends raw bytes (malformed MIME, odd charsets) through smtplib unchanged. */
export function sendRawWithSmtplib(port: number, envelopeFrom: string, envelopeTo: string, raw: string) {
  return python({ port, envelopeFrom, envelopeTo, raw });
}

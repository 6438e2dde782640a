/**
 * The Rapport web chat widget. Embed: `<script src="https://<host>/widget.js" data-channel="<id>" async>`.
 * Renders into a shadow root (styles isolated both ways), defines only `window.Rapport`, and never throws
 * into the host page: every failure stays inside the widget.
 */
import { render } from "preact";
import { io, type Socket } from "socket.io-client";
import { ApiError, type ChatMessage, type Client, createClient, storage, type WidgetConfig } from "./api.ts";
import type { FieldErrors, FormField } from "./forms.tsx";
import { type Language, pickLanguage, TEXTS } from "./i18n.ts";
import { STYLES } from "./styles.ts";
import { isDue } from "./triggers.ts";
import { Chat, type Csat, type FormState, type Pending } from "./ui.tsx";

type IdentifyInput = { userId: string; hash?: string; email?: string; name?: string };
export type RapportApi = {
  identify(input: IdentifyInput): Promise<void>;
  setContext(context: Record<string, string | number | boolean | null>): Promise<void>;
  open(): void;
  close(): void;
};
declare global {
  interface Window {
    Rapport?: RapportApi | { q?: [keyof RapportApi, unknown[]][] };
  }
}

/** A small list of ids kept in web storage (cases rated or dismissed, triggers fired this session). */
function storedIds(area: Storage | undefined, key: string) {
  let ids: string[] = [];
  try {
    ids = JSON.parse(area?.getItem(key) ?? "[]") as string[];
  } catch {
    ids = [];
  }
  return {
    has: (id: string) => ids.includes(id),
    add(id: string) {
      ids = [...ids.filter((x) => x !== id), id].slice(-20);
      try {
        area?.setItem(key, JSON.stringify(ids));
      } catch {
        // storage full or blocked: remembered for this page only
      }
    },
  };
}

const newId = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;

function boot(): void {
  const script = document.currentScript as HTMLScriptElement | null;
  const channelId = script?.dataset.channel;
  if (!script || !channelId || document.querySelector("[data-rapport-widget]")) return;
  const base = new URL(script.src, location.href).origin;
  const client = createClient(base, channelId);
  const queued = (window.Rapport as { q?: [keyof RapportApi, unknown[]][] } | undefined)?.q ?? [];

  const host = document.createElement("div");
  host.setAttribute("data-rapport-widget", "");
  const shadow = host.attachShadow({ mode: "open" });
  const style = document.createElement("style");
  style.textContent = STYLES;
  const mount = document.createElement("div");
  shadow.append(style, mount);

  let config: WidgetConfig | undefined;
  let language: Language = "en";
  let messages: ChatMessage[] = [];
  let pending: Pending[] = [];
  let isOpen = false;
  let isOnline = true;
  let notice: string | undefined;
  let context: Record<string, unknown> = {};
  let socket: Socket | undefined;
  let proactive: string | undefined;
  let csat: Csat | undefined;
  let preChatNeeded = false;
  let visitorEmail: string | null = null;
  let preChatForm: Omit<FormState, "fields"> = { errors: {}, failure: undefined, busy: false };
  let offlineForm: Omit<FormState, "fields"> & { sent: boolean; replyBy: "email" | "chat" } = {
    errors: {},
    failure: undefined,
    busy: false,
    sent: false,
    replyBy: "email",
  };
  let transcriptBusy = false;
  const csatSeen = storedIds(storage(), `rapport:webchat:${channelId}:csat`);
  const fired = storedIds(storage("sessionStorage"), `rapport:webchat:${channelId}:triggers`);
  const loadedAt = Date.now();
  let lastActivity = loadedAt;
  let ticker: ReturnType<typeof setInterval> | undefined;
  const ready = (async () => {
    config = await client.config();
    language = pickLanguage(navigator.languages ?? [navigator.language], config.languages, config.language);
    const resumed = await client.resume(language, config.preChatForm !== null);
    messages = resumed.data;
    preChatNeeded = config.preChatForm !== null && resumed.preChat === "needed";
    visitorEmail = resumed.email;
    connect();
    void client.pageView(pageView()).catch(() => undefined);
    void client
      .csatPrompt()
      .then((prompt) => prompt && offerCsat(prompt.caseId))
      .catch(() => undefined);
    if (config.available && config.triggers.length > 0) {
      const active = () => {
        lastActivity = Date.now();
      };
      for (const type of ["mousemove", "keydown", "scroll", "touchstart", "click"]) {
        window.addEventListener(type, active, { passive: true, capture: true });
      }
      ticker = setInterval(checkTriggers, 1000);
    }
  })();

  /** Opens the chat with the first due trigger not fired yet this session (only when someone can answer). */
  function checkTriggers(): void {
    if (config?.triggers.every((t) => fired.has(t.id))) clearInterval(ticker);
    if (!config?.available || isOpen) return;
    const now = Date.now();
    const page = {
      onPage: (now - loadedAt) / 1000,
      idle: (now - lastActivity) / 1000,
      href: location.href,
      path: location.pathname + location.search,
      context,
    };
    const due = config.triggers.find((t) => !fired.has(t.id) && isDue(t, page));
    if (!due) return;
    fired.add(due.id);
    proactive = due.message;
    setOpen(true);
  }

  /** Shows the rating prompt of a solved case, once (a case rated or dismissed here is not asked again). */
  function offerCsat(caseId: string): void {
    if (csatSeen.has(caseId) || csat?.caseId === caseId) return;
    csat = { caseId, state: "ask" };
    setOpen(true);
  }

  async function rate(rating: number, comment: string): Promise<void> {
    if (!csat) return;
    const { caseId } = csat;
    csat = { caseId, state: "sending" };
    draw();
    try {
      await client.rate(caseId, rating, comment);
      csatSeen.add(caseId);
      csat = { caseId, state: "done" };
    } catch (err) {
      if (err instanceof ApiError && err.status < 500 && err.status !== 429) csatSeen.add(caseId);
      csat = { caseId, state: "error", error: TEXTS[language].csatFailed };
    }
    draw();
  }

  function pageView() {
    return {
      url: location.href.slice(0, 2000),
      title: document.title.slice(0, 300),
      ...(document.referrer ? { referrer: document.referrer.slice(0, 2000) } : {}),
      ...(Object.keys(context).length ? { context } : {}),
    };
  }

  /** Adds new messages; a known one is replaced only when it gained its file (a catch-up may see it before). */
  function merge(incoming: ChatMessage[]): void {
    const known = new Map(messages.map((m) => [m.id, m]));
    const fresh = incoming.filter((m) => !known.has(m.id) || (m.attachment && !known.get(m.id)?.attachment));
    if (fresh.length === 0) return;
    const replaced = new Set(fresh.map((m) => m.id));
    messages = [...messages.filter((m) => !replaced.has(m.id)), ...fresh].sort((a, b) => (a.id < b.id ? -1 : 1));
    const sent = new Set(fresh.map((m) => m.clientMessageId));
    pending = pending.filter((p) => !sent.has(p.clientMessageId));
    draw();
  }

  function connect(): void {
    const token = client.token;
    if (!token) return;
    socket?.disconnect();
    socket = io(base, { path: "/widget/socket.io", auth: { token }, transports: ["websocket", "polling"] });
    socket.on("message", (m: ChatMessage) => merge([m]));
    socket.on("csat", (p: { caseId?: unknown }) => {
      if (typeof p?.caseId === "string") offerCsat(p.caseId);
    });
    socket.on("connect", () => {
      isOnline = true;
      // Catch up on what arrived while the socket was down.
      void client
        .catchUp(messages.at(-1)?.id)
        .then(merge)
        .catch(() => undefined);
      draw();
    });
    socket.on("disconnect", () => {
      isOnline = false;
      draw();
    });
  }

  const fileUrls = new Map<string, Promise<string>>();
  /** An object URL of a conversation's file, fetched once per page. */
  function fileUrl(id: string): Promise<string> {
    let url = fileUrls.get(id);
    if (!url) {
      url = client.file(id).then((blob) => URL.createObjectURL(blob));
      url.catch(() => fileUrls.delete(id));
      fileUrls.set(id, url);
    }
    return url;
  }

  /** Sends a file, checked here first against the channel's limits so the visitor learns why at once. */
  async function sendFile(file: File, clientMessageId = newId()): Promise<void> {
    const texts = TEXTS[language];
    const uploads = config?.uploads;
    if (uploads && file.size > uploads.maxBytes) {
      notice = texts.fileTooLarge.replace("{mb}", String(Math.round((uploads.maxBytes / 1048576) * 10) / 10));
      draw();
      return;
    }
    if (uploads && !uploads.types.includes(file.type)) {
      notice = texts.fileTypeRefused;
      draw();
      return;
    }
    notice = undefined;
    pending = [
      ...pending.filter((p) => p.clientMessageId !== clientMessageId),
      { clientMessageId, text: file.name, failed: false, file },
    ];
    draw();
    try {
      await ready;
      merge([await client.upload(clientMessageId, file)]);
    } catch (err) {
      const reason = err instanceof ApiError ? err.reason : "";
      notice =
        reason === "attachment_too_large"
          ? texts.fileTooLarge.replace("{mb}", String(Math.round(((uploads?.maxBytes ?? 0) / 1048576) * 10) / 10))
          : reason.startsWith("attachment_") || reason === "uploads_disabled"
            ? texts.fileTypeRefused
            : texts.uploadFailed;
      pending = pending.map((p) => (p.clientMessageId === clientMessageId ? { ...p, failed: true } : p));
      draw();
    }
  }

  async function send(text: string, clientMessageId = newId()): Promise<void> {
    const file = pending.find((p) => p.clientMessageId === clientMessageId)?.file;
    if (file) return sendFile(file, clientMessageId);
    pending = [
      ...pending.filter((p) => p.clientMessageId !== clientMessageId),
      { clientMessageId, text, failed: false },
    ];
    draw();
    try {
      await ready;
      merge([await client.send(clientMessageId, text)]);
    } catch {
      pending = pending.map((p) => (p.clientMessageId === clientMessageId ? { ...p, failed: true } : p));
      draw();
    }
  }

  /** A refused form's problems by field (`values.email` → `email`), in the visitor's language where known. */
  function problemsOf(err: unknown): Pick<FormState, "errors" | "failure"> {
    const texts = TEXTS[language];
    if (!(err instanceof ApiError) || err.problems.length === 0) return { errors: {}, failure: texts.formFailed };
    const errors: FieldErrors = {};
    for (const problem of err.problems) {
      errors[problem.field.replace(/^values\./, "")] = problem.message.includes("required")
        ? texts.formRequired
        : problem.message.includes("email")
          ? texts.formEmailInvalid
          : problem.message;
    }
    return { errors, failure: undefined };
  }

  async function answerPreChat(values: Record<string, string>): Promise<void> {
    preChatForm = { errors: {}, failure: undefined, busy: true };
    draw();
    try {
      await client.preChat(values);
      preChatNeeded = false;
      visitorEmail = values.email?.trim().toLowerCase() || visitorEmail;
      preChatForm = { ...preChatForm, busy: false };
    } catch (err) {
      preChatForm = { ...problemsOf(err), busy: false };
    }
    draw();
  }

  async function leaveMessage(values: Record<string, string>): Promise<void> {
    offlineForm = { ...offlineForm, errors: {}, failure: undefined, busy: true };
    draw();
    try {
      const sent = await client.offline({
        name: values.name ?? "",
        email: values.email ?? "",
        message: values.message ?? "",
      });
      offlineForm = { ...offlineForm, busy: false, sent: true, replyBy: sent.replyBy };
    } catch (err) {
      offlineForm = { ...offlineForm, ...problemsOf(err), busy: false };
    }
    draw();
  }

  async function sendTranscript(email: string | undefined): Promise<void> {
    const texts = TEXTS[language];
    transcriptBusy = true;
    draw();
    try {
      const sent = await client.transcript(email);
      visitorEmail = sent.email;
      notice = texts.transcriptSent.replace("{email}", sent.email);
    } catch {
      notice = texts.transcriptFailed;
    }
    transcriptBusy = false;
    draw();
  }

  /** The questions of the channel's pre-chat form, labelled in the visitor's language. */
  function preChatFields(): FormField[] {
    const texts = TEXTS[language];
    const builtIn = { name: texts.formName, email: texts.formEmail, phone: texts.formPhone, custom: "" };
    return (config?.preChatForm?.fields ?? []).map((f) => ({
      id: f.id,
      kind: f.kind,
      required: f.required,
      label: f.label[language] || builtIn[f.kind] || Object.values(f.label)[0] || f.id,
    }));
  }

  function setOpen(open: boolean): void {
    isOpen = open;
    draw();
  }

  let lastTyping = 0;
  function typing(): void {
    const now = Date.now();
    if (now - lastTyping > 2000) {
      lastTyping = now;
      socket?.emit("typing", { typing: true });
    }
  }

  function draw(): void {
    if (!config) return;
    const texts = TEXTS[language];
    const isOffline = config.offlineForm && !config.available && messages.length === 0 && pending.length === 0;
    const offlineFields: FormField[] = [
      { id: "name", kind: "name", label: texts.formName, required: true },
      { id: "email", kind: "email", label: texts.formEmail, required: true },
      { id: "message", kind: "message", label: texts.offlineMessage, required: true },
    ];
    render(
      <Chat
        config={config}
        base={base}
        texts={texts}
        greeting={config.greeting[language] || texts.greeting}
        launcherText={config.launcherText[language] || texts.launcher}
        lang={language}
        messages={messages}
        pending={pending}
        isOpen={isOpen}
        isOnline={isOnline}
        notice={notice}
        proactive={proactive}
        csat={csat}
        onRate={(rating, comment) => void rate(rating, comment)}
        onCsatLater={() => {
          if (csat) csatSeen.add(csat.caseId);
          csat = undefined;
          draw();
        }}
        onOpen={setOpen}
        onSend={(text, id) => void send(text, id)}
        onAttach={(file) => void sendFile(file)}
        fileUrl={fileUrl}
        onTyping={typing}
        preChat={!isOffline && preChatNeeded ? { ...preChatForm, fields: preChatFields() } : undefined}
        onPreChat={(values) => void answerPreChat(values)}
        offline={isOffline || offlineForm.sent ? { ...offlineForm, fields: offlineFields } : undefined}
        onOffline={(values) => void leaveMessage(values)}
        transcript={
          config.transcript && messages.length > 0 ? { email: visitorEmail, busy: transcriptBusy } : undefined
        }
        onTranscript={(email) => void sendTranscript(email)}
      />,
      mount,
    );
  }

  const api: RapportApi = {
    async identify(input) {
      await ready;
      try {
        await client.identify(input);
        notice = undefined;
      } catch (err) {
        notice = TEXTS[language].identifyRefused;
        draw();
        throw err instanceof ApiError ? new Error(`${err.reason}: ${err.message}`) : err;
      }
      draw();
    },
    async setContext(next) {
      context = { ...context, ...next };
      await ready;
      checkTriggers();
      await client.pageView(pageView());
    },
    open: () => setOpen(true),
    close: () => setOpen(false),
  };
  window.Rapport = api;

  const attach = () => document.body.appendChild(host);
  if (document.body) attach();
  else document.addEventListener("DOMContentLoaded", attach);
  ready.then(draw).catch((err: unknown) => {
    console.warn("Rapport chat is unavailable:", err instanceof Error ? err.message : err);
  });
  for (const [method, args] of queued) {
    const fn = api[method] as (...a: unknown[]) => unknown;
    Promise.resolve(fn(...args)).catch(() => undefined);
  }
}

try {
  boot();
} catch (err) {
  console.warn("Rapport chat could not start:", err);
}

export type { Client };

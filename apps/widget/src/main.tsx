/**
 * The Rapport web chat widget. Embed: `<script src="https://<host>/widget.js" data-channel="<id>" async>`.
 * Renders into a shadow root (styles isolated both ways), defines only `window.Rapport`, and never throws
 * into the host page: every failure stays inside the widget.
 */
import { render } from "preact";
import { io, type Socket } from "socket.io-client";
import { ApiError, type ChatMessage, type Client, createClient, type WidgetConfig } from "./api.ts";
import { type Language, pickLanguage, TEXTS } from "./i18n.ts";
import { STYLES } from "./styles.ts";
import { Chat, type Pending } from "./ui.tsx";

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
  const ready = (async () => {
    config = await client.config();
    language = pickLanguage(navigator.languages ?? [navigator.language], config.languages, config.language);
    messages = await client.resume(language);
    connect();
    void client.pageView(pageView()).catch(() => undefined);
  })();

  function pageView() {
    return {
      url: location.href.slice(0, 2000),
      title: document.title.slice(0, 300),
      ...(document.referrer ? { referrer: document.referrer.slice(0, 2000) } : {}),
      ...(Object.keys(context).length ? { context } : {}),
    };
  }

  function merge(incoming: ChatMessage[]): void {
    const known = new Set(messages.map((m) => m.id));
    const fresh = incoming.filter((m) => !known.has(m.id));
    if (fresh.length === 0) return;
    messages = [...messages, ...fresh].sort((a, b) => (a.id < b.id ? -1 : 1));
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

  async function send(text: string, clientMessageId = newId()): Promise<void> {
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
    render(
      <Chat
        config={config}
        texts={texts}
        greeting={config.greeting[language] || texts.greeting}
        launcherText={config.launcherText[language] || texts.launcher}
        lang={language}
        messages={messages}
        pending={pending}
        isOpen={isOpen}
        isOnline={isOnline}
        notice={notice}
        onOpen={setOpen}
        onSend={(text, id) => void send(text, id)}
        onTyping={typing}
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

/** The widget's view: a launcher and a dialog with the conversation. Every text is rendered as text. */
import { useEffect, useRef, useState } from "preact/hooks";
import type { Attachment, ChatMessage, WidgetConfig } from "./api.ts";
import { type FieldErrors, Form, type FormField, TranscriptAction } from "./forms.tsx";
import { HelpSearch } from "./help-search.tsx";
import type { Texts } from "./i18n.ts";

export type Pending = { clientMessageId: string; text: string; failed: boolean; file?: File };
/** The rating prompt of a solved case: asked, being sent, answered, or refused by the server (with its reason). */
/** A form the panel shows instead of the message box: its fields, the server's problems, whether it is being sent. */
export type FormState = { fields: FormField[]; errors: FieldErrors; failure: string | undefined; busy: boolean };
export type Csat = { caseId: string; state: "ask" | "sending" | "done" | "error"; error?: string };

type Props = {
  config: WidgetConfig;
  /** The server's origin (the help center's search lives there). */
  base: string;
  texts: Texts;
  greeting: string;
  launcherText: string;
  lang: string;
  messages: ChatMessage[];
  pending: Pending[];
  isOpen: boolean;
  isOnline: boolean;
  notice: string | undefined;
  /** The message a proactive trigger opened the chat with. */
  proactive: string | undefined;
  csat: Csat | undefined;
  onRate(rating: number, comment: string): void;
  onCsatLater(): void;
  onOpen(open: boolean): void;
  onSend(text: string, clientMessageId?: string): void;
  onAttach(file: File): void;
  /** An object URL of a conversation's file (fetched with the visitor token). */
  fileUrl(id: string): Promise<string>;
  onTyping(): void;
  /** The pre-chat form, while the visitor still has to answer it. */
  preChat: FormState | undefined;
  onPreChat(values: Record<string, string>): void;
  /** The offline form (nobody can answer), or its thanks once sent. */
  offline: (FormState & { sent: boolean; replyBy: "email" | "chat" }) | undefined;
  onOffline(values: Record<string, string>): void;
  /** "Email me the transcript", when offered. */
  transcript: { email: string | null; busy: boolean } | undefined;
  onTranscript(email: string | undefined): void;
};

export function Chat(p: Props) {
  const [draft, setDraft] = useState("");
  const logRef = useRef<HTMLOListElement>(null);
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const launcherRef = useRef<HTMLButtonElement>(null);
  const fileRef = useRef<HTMLInputElement>(null);
  const count = p.messages.length + p.pending.length;

  useEffect(() => {
    const log = logRef.current;
    if (log) log.scrollTop = log.scrollHeight;
  }, [count, p.isOpen]);
  useEffect(() => {
    if (p.isOpen) inputRef.current?.focus();
  }, [p.isOpen]);

  const submit = (e?: Event) => {
    e?.preventDefault();
    const text = draft.trim();
    if (!text) return;
    p.onSend(text);
    setDraft("");
  };
  const close = () => {
    p.onOpen(false);
    launcherRef.current?.focus();
  };

  const colours = `--primary:${p.config.primaryColour};--text:${p.config.textColour}`;
  return (
    <div class={`root ${p.config.position === "bottom-left" ? "left" : "right"}`} style={colours} lang={p.lang}>
      {p.isOpen && (
        <section
          class="panel"
          id="rapport-chat-panel"
          role="dialog"
          aria-label={p.texts.title}
          data-testid="rapport-panel"
          onKeyDown={(e) => {
            if (e.key === "Escape") close();
          }}
        >
          <div class="head">
            <h2>{p.texts.title}</h2>
            <button type="button" class="close" aria-label={p.texts.close} onClick={close}>
              ×
            </button>
          </div>
          {p.config.helpCenter && (
            <HelpSearch base={p.base} slug={p.config.helpCenter.slug} lang={p.lang} texts={p.texts} />
          )}
          <ol class="log" ref={logRef} role="log" aria-live="polite" aria-label={p.texts.conversation}>
            <li class="msg outbound">{p.greeting}</li>
            {p.proactive && (
              <li class="msg outbound" data-testid="rapport-proactive">
                {p.proactive}
              </li>
            )}
            {p.messages.map((m) => (
              <li key={m.id} class={`msg ${m.direction}`} data-testid="rapport-message" data-direction={m.direction}>
                <span class="who">{m.direction === "inbound" ? `${p.texts.you}: ` : `${p.texts.agent}: `}</span>
                {m.attachment && (
                  <FileView file={m.attachment} isImage={m.type === "image"} texts={p.texts} url={p.fileUrl} />
                )}
                {m.text}
              </li>
            ))}
            {p.pending.map((m) => (
              <li key={m.clientMessageId} class="msg inbound" data-testid="rapport-pending">
                {m.text}
                <br />
                {m.failed ? (
                  <button type="button" class="failed" onClick={() => p.onSend(m.text, m.clientMessageId)}>
                    {p.texts.failed}
                  </button>
                ) : (
                  <small>{p.texts.sending}</small>
                )}
              </li>
            ))}
          </ol>
          {p.csat && <CsatPrompt csat={p.csat} texts={p.texts} onRate={p.onRate} onLater={p.onCsatLater} />}
          <div class="status" role="status">
            {p.notice ?? (p.isOnline ? "" : p.texts.offline)}
          </div>
          {p.transcript && (
            <TranscriptAction
              texts={p.texts}
              email={p.transcript.email}
              busy={p.transcript.busy}
              onSend={p.onTranscript}
            />
          )}
          {p.offline ? (
            p.offline.sent ? (
              <p class="fields" role="status" data-testid="rapport-offline-thanks">
                {p.offline.replyBy === "chat" ? p.texts.offlineThanksChat : p.texts.offlineThanks}
              </p>
            ) : (
              <Form
                testId="rapport-offline"
                intro={p.texts.offlineIntro}
                fields={p.offline.fields}
                submitLabel={p.texts.offlineSend}
                texts={p.texts}
                errors={p.offline.errors}
                failure={p.offline.failure}
                busy={p.offline.busy}
                onSubmit={p.onOffline}
              />
            )
          ) : p.preChat ? (
            <Form
              testId="rapport-prechat"
              intro={p.texts.preChatIntro}
              fields={p.preChat.fields}
              submitLabel={p.texts.preChatStart}
              texts={p.texts}
              errors={p.preChat.errors}
              failure={p.preChat.failure}
              busy={p.preChat.busy}
              onSubmit={p.onPreChat}
            />
          ) : (
            <form class="form" onSubmit={submit}>
              <textarea
                ref={inputRef}
                aria-label={p.texts.inputLabel}
                placeholder={p.texts.placeholder}
                maxLength={5000}
                value={draft}
                onInput={(e) => {
                  setDraft(e.currentTarget.value);
                  p.onTyping();
                }}
                onKeyDown={(e) => {
                  if (e.key === "Enter" && !e.shiftKey && !e.isComposing) submit(e);
                }}
              />
              {p.config.uploads?.enabled && (
                <>
                  <input
                    ref={fileRef}
                    type="file"
                    hidden
                    accept={p.config.uploads.types.join(",")}
                    data-testid="rapport-file"
                    onChange={(e) => {
                      const file = e.currentTarget.files?.[0];
                      e.currentTarget.value = "";
                      if (file) p.onAttach(file);
                    }}
                  />
                  <button
                    type="button"
                    class="attach"
                    aria-label={p.texts.attach}
                    title={p.texts.attach}
                    onClick={() => fileRef.current?.click()}
                  >
                    <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
                      <path
                        d="M16.5 6.5 8.6 14.4a2 2 0 0 0 2.8 2.8l7.9-7.9a4 4 0 0 0-5.6-5.6L5.7 11.6a6 6 0 0 0 8.5 8.5l6.3-6.3"
                        fill="none"
                        stroke="currentColor"
                        stroke-width="2"
                        stroke-linecap="round"
                      />
                    </svg>
                  </button>
                </>
              )}
              <button type="submit">{p.texts.send}</button>
            </form>
          )}
        </section>
      )}
      <button
        type="button"
        class="launcher"
        ref={launcherRef}
        aria-expanded={p.isOpen}
        aria-controls="rapport-chat-panel"
        data-testid="rapport-launcher"
        onClick={() => p.onOpen(!p.isOpen)}
      >
        {p.launcherText}
      </button>
    </div>
  );
}

/** 1–5 stars and an optional comment; keyboard and screen-reader friendly (buttons with pressed state). */
function CsatPrompt(p: { csat: Csat; texts: Texts; onRate(rating: number, comment: string): void; onLater(): void }) {
  const [rating, setRating] = useState(0);
  const [comment, setComment] = useState("");
  if (p.csat.state === "done") {
    return (
      <p class="csat" role="status" data-testid="rapport-csat-thanks">
        {p.texts.csatThanks}
      </p>
    );
  }
  return (
    <form
      class="csat"
      data-testid="rapport-csat"
      onSubmit={(e) => {
        e.preventDefault();
        if (rating) p.onRate(rating, comment);
      }}
    >
      <fieldset>
        <legend>{p.texts.csatQuestion}</legend>
        {[1, 2, 3, 4, 5].map((n) => (
          <button
            key={n}
            type="button"
            class={`star${n <= rating ? " on" : ""}`}
            aria-pressed={n === rating}
            aria-label={p.texts.csatStar.replace("{n}", String(n))}
            data-testid={`rapport-csat-${n}`}
            onClick={() => setRating(n)}
          >
            ★
          </button>
        ))}
      </fieldset>
      <textarea
        aria-label={p.texts.csatComment}
        placeholder={p.texts.csatComment}
        maxLength={1000}
        value={comment}
        onInput={(e) => setComment(e.currentTarget.value)}
      />
      {p.csat.error && <small class="failed">{p.csat.error}</small>}
      <div class="row">
        <button type="button" class="later" onClick={p.onLater}>
          {p.texts.csatLater}
        </button>
        <button type="submit" disabled={!rating || p.csat.state === "sending"}>
          {p.texts.csatSend}
        </button>
      </div>
    </form>
  );
}

/** A file of the conversation: images inline, other files as a download link (fetched with the visitor token). */
function FileView(p: { file: Attachment; isImage: boolean; texts: Texts; url(id: string): Promise<string> }) {
  const [src, setSrc] = useState<string>();
  const name = p.file.name ?? (p.isImage ? p.texts.image : p.texts.download);
  useEffect(() => {
    p.url(p.file.id)
      .then(setSrc)
      .catch(() => undefined);
  }, [p.file.id]);
  if (p.isImage) {
    return src ? (
      <a href={src} target="_blank" rel="noopener" class="file">
        <img src={src} alt={name} class="image" data-testid="rapport-image" />
      </a>
    ) : (
      <span class="file">{name}</span>
    );
  }
  return (
    <a href={src} download={name} class="file" data-testid="rapport-download">
      {name}
    </a>
  );
}

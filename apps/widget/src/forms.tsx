/** The widget's forms: the pre-chat questions, the offline message, and "email me the transcript". */
import { useState } from "preact/hooks";
import type { Texts } from "./i18n.ts";

export type FormField = {
  id: string;
  kind: "name" | "email" | "phone" | "custom" | "message";
  label: string;
  required: boolean;
};
/** Problems by field id, in the visitor's language (or the server's words for anything else). */
export type FieldErrors = Record<string, string>;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The problems the browser can tell before sending: required fields and email addresses. */
export function checkFields(fields: FormField[], values: Record<string, string>, texts: Texts): FieldErrors {
  const errors: FieldErrors = {};
  for (const f of fields) {
    const value = (values[f.id] ?? "").trim();
    if (!value && f.required) errors[f.id] = texts.formRequired;
    else if (value && f.kind === "email" && !EMAIL.test(value)) errors[f.id] = texts.formEmailInvalid;
  }
  return errors;
}

type Props = {
  testId: string;
  intro: string;
  fields: FormField[];
  submitLabel: string;
  texts: Texts;
  errors: FieldErrors;
  failure: string | undefined;
  busy: boolean;
  onSubmit(values: Record<string, string>): void;
};

/** A labelled form; each field's problem is tied to it (aria-invalid, aria-describedby). */
export function Form(p: Props) {
  const [values, setValues] = useState<Record<string, string>>({});
  const [local, setLocal] = useState<FieldErrors>({});
  const errors = { ...p.errors, ...local };
  return (
    <form
      class="fields"
      data-testid={p.testId}
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        const found = checkFields(p.fields, values, p.texts);
        setLocal(found);
        if (Object.keys(found).length === 0) p.onSubmit(values);
      }}
    >
      <p>{p.intro}</p>
      {p.fields.map((f) => {
        const id = `rapport-${p.testId}-${f.id}`;
        const error = errors[f.id];
        const common = {
          id,
          name: f.id,
          value: values[f.id] ?? "",
          "aria-invalid": error ? true : undefined,
          "aria-describedby": error ? `${id}-error` : undefined,
          required: f.required,
          onInput: (e: { currentTarget: { value: string } }) => {
            const value = e.currentTarget.value;
            setValues((v) => ({ ...v, [f.id]: value }));
            setLocal((l) => ({ ...l, [f.id]: "" }));
          },
        };
        return (
          <div class="field" key={f.id}>
            <label for={id}>
              {f.label}
              {f.required ? " *" : ""}
            </label>
            {f.kind === "message" ? (
              <textarea {...common} maxLength={5000} />
            ) : (
              <input
                {...common}
                type={f.kind === "email" ? "email" : f.kind === "phone" ? "tel" : "text"}
                autoComplete={
                  f.kind === "name" ? "name" : f.kind === "email" ? "email" : f.kind === "phone" ? "tel" : "off"
                }
                maxLength={f.kind === "email" ? 320 : 500}
              />
            )}
            {error && (
              <small class="failed" id={`${id}-error`}>
                {error}
              </small>
            )}
          </div>
        );
      })}
      {p.failure && (
        <small class="failed" role="alert">
          {p.failure}
        </small>
      )}
      <button type="submit" disabled={p.busy}>
        {p.submitLabel}
      </button>
    </form>
  );
}

/** "Email me this conversation": sends at once when the address is known, else asks for it. */
export function TranscriptAction(p: {
  texts: Texts;
  email: string | null;
  busy: boolean;
  onSend(email: string | undefined): void;
}) {
  const [asking, setAsking] = useState(false);
  const [email, setEmail] = useState("");
  if (!asking) {
    return (
      <button
        type="button"
        class="link"
        data-testid="rapport-transcript"
        disabled={p.busy}
        onClick={() => (p.email ? p.onSend(undefined) : setAsking(true))}
      >
        {p.texts.transcript}
      </button>
    );
  }
  return (
    <form
      class="transcript"
      onSubmit={(e) => {
        e.preventDefault();
        if (EMAIL.test(email.trim())) {
          p.onSend(email.trim());
          setAsking(false);
        }
      }}
    >
      <input
        type="email"
        aria-label={p.texts.formEmail}
        placeholder={p.texts.formEmail}
        value={email}
        onInput={(e) => setEmail(e.currentTarget.value)}
      />
      <button type="submit" disabled={p.busy}>
        {p.texts.transcriptSend}
      </button>
    </form>
  );
}

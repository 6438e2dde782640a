/** The panel's help-center search box: articles as links, the matched words marked, every text as text. */
import { snippetParts } from "@rapport/contracts/snippet";
import { useEffect, useState } from "preact/hooks";
import { type HelpHit, searchHelp } from "./api.ts";
import type { Texts } from "./i18n.ts";

type Props = { base: string; slug: string; lang: string; texts: Texts };

export function HelpSearch({ base, slug, lang, texts }: Props) {
  const [query, setQuery] = useState("");
  const [hits, setHits] = useState<HelpHit[] | undefined>();
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    const q = query.trim();
    if (q.length < 2) {
      setHits(undefined);
      return;
    }
    let current = true;
    const timer = setTimeout(() => {
      const show = (found: HelpHit[] | undefined) => {
        if (!current) return;
        setHits(found);
        setFailed(found === undefined);
      };
      searchHelp(base, slug, q, lang).then(show, () => show(undefined));
    }, 300);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [query, base, slug, lang]);

  return (
    <div class="help" data-testid="rapport-help">
      <input
        type="search"
        value={query}
        aria-label={texts.helpLabel}
        placeholder={texts.helpPlaceholder}
        maxLength={200}
        onInput={(e) => setQuery((e.target as HTMLInputElement).value)}
      />
      {failed && <p role="status">{texts.helpFailed}</p>}
      {hits && hits.length === 0 && <p role="status">{texts.helpNone}</p>}
      {hits && hits.length > 0 && (
        <ul aria-label={texts.helpLabel}>
          {hits.map((hit) => (
            <li key={hit.url} data-testid="rapport-help-hit">
              <a href={hit.url} target="_blank" rel="noopener noreferrer">
                {hit.title}
              </a>
              <small>
                {snippetParts(hit.snippet).map((part, i) =>
                  part.mark ? <mark key={i}>{part.text}</mark> : <span key={i}>{part.text}</span>,
                )}
              </small>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

// The small part of nlp.js (MIT, no types published) that the bot uses.
declare module "@nlpjs/core" {
  export type Container = {
    use(plugin: unknown): void;
    register(name: string, instance: unknown, isSingleton?: boolean): void;
    registerConfiguration(tag: string, configuration: Record<string, unknown>, overwrite?: boolean): void;
  };
  export class Tokenizer {
    constructor(container?: Container, shouldTokenize?: boolean);
    name: string;
    innerTokenize(text: string): string[];
  }
  export function containerBootstrap(): Container;
  const core: { containerBootstrap: typeof containerBootstrap; Tokenizer: typeof Tokenizer };
  export default core;
}

declare module "@nlpjs/nlp" {
  import type { Container } from "@nlpjs/core";
  export type NlpResult = {
    locale: string;
    intent: string;
    score: number;
    classifications: { intent: string; score: number }[];
  };
  export class Nlp {
    constructor(settings: Record<string, unknown>, container?: Container);
    addLanguage(locales: string | string[]): void;
    addDocument(locale: string, utterance: string, intent: string): void;
    train(): Promise<unknown>;
    process(locale: string, utterance: string): Promise<NlpResult>;
    export(minified?: boolean): string;
    import(json: string): void;
  }
  const nlp: { Nlp: typeof Nlp };
  export default nlp;
}

declare module "@nlpjs/lang-en-min" {
  const lang: { LangEn: unknown };
  export default lang;
}
declare module "@nlpjs/lang-fr" {
  const lang: { LangFr: unknown };
  export default lang;
}
declare module "@nlpjs/lang-es" {
  const lang: { LangEs: unknown };
  export default lang;
}

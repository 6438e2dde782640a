import type { Page } from "playwright-core";

export type JourneyContext = {
  page: Page;
  baseUrl: string;
  email: string;
  password: string;
  /** Saves a screenshot as e2e/artifacts/<name>.png and returns its path. */
  screenshot: (name: string) => Promise<string>;
};

export type Journey = {
  name: string;
  run: (ctx: JourneyContext) => Promise<void>;
  /** A longer limit than the default 30 s, for journeys that load a lot of data. */
  timeoutMs?: number;
};

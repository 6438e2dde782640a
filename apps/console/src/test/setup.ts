import { cleanup } from "@testing-library/react";
import { afterEach, vi } from "vitest";
import { i18n } from "../i18n/index.ts";

await i18n.changeLanguage("en");

// Mantine reads these; jsdom leaves some out.
if (!window.matchMedia) {
  Object.defineProperty(window, "matchMedia", {
    value: (query: string) => ({
      matches: false,
      media: query,
      onchange: null,
      addListener: () => undefined,
      removeListener: () => undefined,
      addEventListener: () => undefined,
      removeEventListener: () => undefined,
      dispatchEvent: () => false,
    }),
  });
}
class NoopResizeObserver {
  observe() {}
  unobserve() {}
  disconnect() {}
}
// jsdom lays nothing out: scrolling is a no-op.
if (!Element.prototype.scrollTo) Element.prototype.scrollTo = () => undefined;
if (!Element.prototype.scrollIntoView) Element.prototype.scrollIntoView = () => undefined;
if (!("ResizeObserver" in window)) Object.defineProperty(window, "ResizeObserver", { value: NoopResizeObserver });

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

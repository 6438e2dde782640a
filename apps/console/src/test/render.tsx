import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import type { ReactElement } from "react";
import { vi } from "vitest";

/** Renders a component with Mantine, a fresh query client (no retries) and the English UI. */
export function renderUi(ui: ReactElement) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  return render(ui, {
    wrapper: ({ children }) => (
      <QueryClientProvider client={queryClient}>
        <MantineProvider>{children}</MantineProvider>
      </QueryClientProvider>
    ),
  });
}

type Route = (url: string, init: RequestInit | undefined) => unknown;

/** Stubs fetch with JSON answers by "METHOD path" (query string ignored); returns the calls made. */
export function stubApi(routes: Record<string, Route>) {
  const calls: { method: string; url: string; body: unknown }[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: string, init?: RequestInit) => {
      const method = init?.method ?? "GET";
      const path = input.split("?")[0] ?? input;
      calls.push({ method, url: input, body: typeof init?.body === "string" ? JSON.parse(init.body) : undefined });
      const route = routes[`${method} ${path}`];
      if (!route) return new Response(JSON.stringify({ data: [], nextCursor: null }), { status: 200 });
      return new Response(JSON.stringify(route(input, init)), { status: 200 });
    }),
  );
  return calls;
}

import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { renderUi, stubApi } from "../test/render.tsx";
import AiAdminSettings from "./ai-settings.tsx";

const provider = {
  configured: true,
  source: "workspace",
  url: "https://llm.example.com/v1",
  model: "m1",
  hasApiKey: true,
  allowPrivateNetwork: false,
};
const routes = {
  "GET /api/v1/ai/settings": () => ({ watchedKeywords: [], minCount: 5, factor: 3 }),
  "GET /api/v1/ai/alert-delivery": () => ({ webhookUrl: null, allowPrivateNetwork: false, email: true }),
  "GET /api/v1/ai/provider": () => provider,
  "PUT /api/v1/ai/provider": () => provider,
};

describe("AI settings", { timeout: 30_000 }, () => {
  it("never shows the stored provider key, keeps it unless a new one is typed, and removes it on request", async () => {
    const calls = stubApi(routes);
    renderUi(<AiAdminSettings />);
    const form = await screen.findByRole("form", { name: "External AI provider" }, { timeout: 10_000 });
    const key = within(form).getByLabelText("API key") as HTMLInputElement;
    expect(key.value).toBe("");
    within(form).getByText(/A key is stored \(never shown\)/);
    const save = () => fireEvent.click(within(form).getByRole("button", { name: "Save" }));
    const puts = () => calls.filter((c) => c.method === "PUT" && c.url === "/api/v1/ai/provider");

    save();
    await waitFor(() => expect(puts()).toHaveLength(1));
    expect(puts()[0]?.body).toEqual({ url: "https://llm.example.com/v1", model: "m1", allowPrivateNetwork: false });

    fireEvent.change(key, { target: { value: "sk-new" } });
    save();
    await waitFor(() => expect(puts()).toHaveLength(2));
    expect(puts()[1]?.body).toMatchObject({ apiKey: "sk-new" });
    await waitFor(() => expect(key.value).toBe(""));

    fireEvent.click(within(form).getByRole("checkbox", { name: "Remove the stored key" }));
    save();
    await waitFor(() => expect(puts()).toHaveLength(3));
    expect(puts()[2]?.body).toMatchObject({ apiKey: null });
  });

  it("shows the server's refusal of a webhook URL on the webhook field", async () => {
    stubApi(routes);
    const okFetch = globalThis.fetch;
    vi.stubGlobal(
      "fetch",
      vi.fn(async (input: string, init?: RequestInit) =>
        init?.method === "PUT"
          ? new Response(
              JSON.stringify({
                error: {
                  kind: "invalid",
                  reason: "url_private_network",
                  message: "127.0.0.1 resolves to a private or loopback address (127.0.0.1).",
                  details: { field: "url" },
                },
              }),
              { status: 400 },
            )
          : okFetch(input, init),
      ),
    );
    renderUi(<AiAdminSettings />);
    const form = await screen.findByRole("form", { name: "Alert delivery" }, { timeout: 10_000 });
    const url = within(form).getByRole("textbox", { name: "Webhook URL" });
    fireEvent.change(url, { target: { value: "http://127.0.0.1/hook" } });
    fireEvent.click(within(form).getByRole("button", { name: "Save" }));
    await waitFor(() => expect(url.getAttribute("aria-invalid")).toBe("true"));
    within(form).getByText(/resolves to a private or loopback address/);
    expect(within(form).queryByRole("alert")).toBeNull();
  });
});

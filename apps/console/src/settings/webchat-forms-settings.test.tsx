import { fireEvent, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { renderUi } from "../test/render.tsx";
import type { Channel } from "./settings-api.ts";
import { configPatchOf, formValuesOf, WebchatFormsSettings } from "./webchat-forms-settings.tsx";

const channel: Channel = {
  id: "0190a000-0000-7000-8000-0000000000c1",
  type: "webchat",
  name: "Site chat",
  config: { preChatForm: { enabled: true, fields: [{ kind: "email", required: true }] } },
  createdAt: "2026-12-02T09:00:00Z",
  disabledAt: null,
};

/** fetch answering the channel list and the PATCH (with `patch`'s status and body). */
function stubFetch(channels: Partial<Channel>[], patch: { status: number; body: unknown }) {
  const calls: { method: string; url: string; body: unknown }[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (url: string, init?: RequestInit) => {
      const method = init?.method ?? "GET";
      calls.push({ method, url, body: typeof init?.body === "string" ? JSON.parse(init.body) : undefined });
      if (method === "PATCH") return new Response(JSON.stringify(patch.body), { status: patch.status });
      return new Response(JSON.stringify({ data: channels, nextCursor: null }), { status: 200 });
    }),
  );
  return calls;
}

afterEach(() => vi.unstubAllGlobals());

describe("the web chat files and forms settings", () => {
  it("starts from the server's defaults and saves the four parts whole", () => {
    const values = formValuesOf({});
    expect(values).toMatchObject({ uploadsEnabled: true, maxMb: 10, preChatEnabled: false, offlineEnabled: false });
    expect(configPatchOf({ ...values, maxMb: 2.5 })).toMatchObject({
      uploads: { enabled: true, maxBytes: 2_621_440 },
      preChatForm: {
        enabled: false,
        fields: [
          { kind: "name", required: true },
          { kind: "email", required: true },
        ],
      },
      offlineForm: { enabled: false },
      transcript: { enabled: true },
    });
  });

  it("warns when no email channel can carry offline replies, and shows the server's complaint on its field", async () => {
    const calls = stubFetch([], {
      status: 400,
      body: {
        error: {
          kind: "invalid",
          reason: "channel_config_invalid",
          message: "config.preChatForm.fields[1].key: a custom field needs a key",
          details: { field: "config.preChatForm.fields[1].key" },
        },
      },
    });
    renderUi(<WebchatFormsSettings channel={channel} />);
    expect(await screen.findByTestId("no-mailbox")).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Add a field" }));
    expect(screen.getAllByTestId("prechat-field")).toHaveLength(2);
    fireEvent.click(screen.getByRole("button", { name: "Save files and forms" }));
    expect(await screen.findByText("config.preChatForm.fields[1].key: a custom field needs a key")).toBeTruthy();
    expect(screen.getByText("Not saved: fix the fields marked in red.")).toBeTruthy();
    const patch = calls.find((c) => c.method === "PATCH");
    expect(patch?.url).toBe(`/api/v1/channels/${channel.id}`);
    expect(patch?.body).toMatchObject({
      config: { preChatForm: { enabled: true, fields: [{ kind: "email" }, { kind: "custom", key: "" }] } },
    });
  });

  it("lets the admin pick the mailbox when the workspace has one", async () => {
    stubFetch(
      [{ id: "0190a000-0000-7000-8000-0000000000e1", type: "email", name: "Support mailbox", disabledAt: null }],
      {
        status: 200,
        body: channel,
      },
    );
    renderUi(<WebchatFormsSettings channel={channel} />);
    await waitFor(() =>
      expect(screen.getByText("Email channel used for offline replies and transcripts")).toBeTruthy(),
    );
    expect(screen.queryByTestId("no-mailbox")).toBeNull();
  });
});

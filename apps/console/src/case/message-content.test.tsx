import { screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { renderUi } from "../test/render.tsx";
import { MessageContent } from "./message-content.tsx";
import type { ThreadMessage } from "./workspace-api.ts";

const message = (type: string, content: Record<string, unknown>, text = ""): ThreadMessage => ({
  id: "m1",
  caseId: "c1",
  direction: "inbound",
  type,
  text,
  content,
  private: false,
  status: "received",
  error: null,
  channelId: "0190a000-0000-7000-8000-00000000000a",
  authorType: "contact",
  authorId: null,
  createdAt: "2026-12-02T10:00:00Z",
});

describe("MessageContent", () => {
  it("renders text as text, linking only http(s) URLs with noopener noreferrer", () => {
    const { container } = renderUi(
      <MessageContent
        message={message("text", {}, "<img src=x onerror=alert(1)> see https://shop.test/a. or javascript:alert(1)")}
      />,
    );
    expect(container.querySelector("img")).toBeNull();
    const links = [...container.querySelectorAll("a")];
    expect(links.map((a) => [a.getAttribute("href"), a.getAttribute("rel")])).toEqual([
      ["https://shop.test/a", "noopener noreferrer"],
    ]);
    expect(container.textContent).toContain("<img src=x onerror=alert(1)>");
  });

  it("links a location to the map and shows a voice note's player and transcript", () => {
    const { container, unmount } = renderUi(
      <MessageContent
        message={message("location", { latitude: 31.2304, longitude: 121.4737, label: "People's Square" })}
      />,
    );
    const map = screen.getByTestId("map-link");
    expect(map.getAttribute("href")).toBe(
      "https://www.openstreetmap.org/?mlat=31.2304&mlon=121.4737#map=16/31.2304/121.4737",
    );
    expect(map.getAttribute("rel")).toBe("noopener noreferrer");
    expect(container.textContent).toContain("People's Square");
    unmount();
    const voice = renderUi(
      <MessageContent message={message("voice", { mediaId: "abc_123", transcript: "Where is my parcel?" })} />,
    );
    expect(voice.container.querySelector("audio")?.getAttribute("src")).toBe(
      "/api/v1/channels/0190a000-0000-7000-8000-00000000000a/wechat/media/abc_123/file",
    );
    expect(screen.getByTestId("transcript").textContent).toContain("Where is my parcel?");
  });

  it("shows article cards with safe links only and their body through the sanitiser", () => {
    const { container } = renderUi(
      <MessageContent
        message={message("news", {
          articles: [
            {
              title: "Sale",
              url: "https://shop.test/sale",
              picUrl: "javascript:alert(1)",
              html: "<b>-50%</b><script>x()</script>",
            },
            { title: "Bad", url: "javascript:alert(2)" },
          ],
        })}
      />,
    );
    expect(screen.getAllByTestId("article-card")).toHaveLength(2);
    const hrefs = [...container.querySelectorAll("a")].map((a) => a.getAttribute("href"));
    expect(hrefs).toEqual(["https://shop.test/sale"]);
    expect(container.querySelector("script")).toBeNull();
    expect(container.querySelector("img")).toBeNull();
    expect(container.querySelector("b")?.textContent).toBe("-50%");
  });
});

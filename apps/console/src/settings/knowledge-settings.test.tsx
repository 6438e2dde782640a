import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { renderUi } from "../test/render.tsx";
import type { Article } from "./knowledge-api.ts";
import KnowledgeAdminSettings from "./knowledge-settings.tsx";

const article: Article = {
  id: "0190a000-0000-7000-8000-0000000000a1",
  slug: "refund",
  categoryId: null,
  tags: ["billing"],
  status: "published",
  authorId: null,
  viewCount: 42,
  helpful: { yes: 3, no: 1 },
  createdAt: "2026-12-01T09:00:00Z",
  updatedAt: "2026-12-01T09:00:00Z",
  publishedAt: "2026-12-01T09:00:00Z",
  versions: [
    { lang: "en", title: "How to request a refund", body: "Ask **now**.", html: "", updatedAt: "2026-12-01T09:00:00Z" },
    { lang: "fr", title: "Demander un remboursement", body: "Demandez.", html: "", updatedAt: "2026-12-01T09:00:00Z" },
  ],
};

/** Answers by "METHOD path"; a PATCH answers with `patch` (status and body). */
function stubKnowledge(patch: { status: number; body: unknown }) {
  const calls: { method: string; url: string; body: unknown }[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (url: string, init?: RequestInit) => {
      const method = init?.method ?? "GET";
      calls.push({ method, url, body: typeof init?.body === "string" ? JSON.parse(init.body) : undefined });
      const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status });
      if (method === "PATCH") return json(patch.status, patch.body);
      if (url.startsWith("/api/v1/knowledge/articles/")) return json(200, article);
      if (url.startsWith("/api/v1/knowledge/articles")) return json(200, { data: [article], nextCursor: null });
      return json(200, { data: [], nextCursor: null });
    }),
  );
  return calls;
}

describe("knowledge base settings", { timeout: 30_000 }, () => {
  it("lists views and votes, and sends a removed language as null", async () => {
    const calls = stubKnowledge({ status: 200, body: article });
    renderUi(<KnowledgeAdminSettings workspaceSlug="demo" />);
    const row = await screen.findByTestId("kb-article", {}, { timeout: 10_000 });
    expect(row.textContent).toContain("42");
    expect(row.textContent).toContain("3 yes · 1 no (75 %)");
    expect(screen.getByRole("link", { name: "Open the help center (/help/demo)" }).getAttribute("href")).toBe(
      "/help/demo",
    );

    fireEvent.click(within(row).getByRole("button", { name: "Edit How to request a refund" }));
    const form = await screen.findByRole("form", { name: 'Edit "How to request a refund"' }, { timeout: 10_000 });
    fireEvent.click(within(form).getByRole("tab", { name: "French" }));
    fireEvent.click(within(form).getByRole("button", { name: "Remove the French version" }));
    fireEvent.click(within(form).getByRole("button", { name: "Save" }));
    await waitFor(() => expect(calls.some((c) => c.method === "PATCH")).toBe(true));
    const sent = calls.find((c) => c.method === "PATCH");
    expect(sent?.url).toBe(`/api/v1/knowledge/articles/${article.id}`);
    expect(sent?.body).toMatchObject({
      slug: "refund",
      status: "published",
      tags: ["billing"],
      versions: { en: { title: "How to request a refund", body: "Ask **now**." }, fr: null },
    });
  });

  it("shows a taken slug on the slug field", async () => {
    stubKnowledge({
      status: 409,
      body: {
        error: {
          kind: "conflict",
          reason: "slug_taken",
          message: 'slug: another article already uses "refund"; choose another.',
          details: { field: "slug" },
        },
      },
    });
    renderUi(<KnowledgeAdminSettings workspaceSlug="demo" />);
    fireEvent.click(await screen.findByRole("button", { name: "Edit How to request a refund" }, { timeout: 10_000 }));
    const form = await screen.findByRole("form", { name: 'Edit "How to request a refund"' }, { timeout: 10_000 });
    fireEvent.click(within(form).getByRole("button", { name: "Save" }));
    const slug = within(form).getByRole("textbox", { name: "Slug" });
    await waitFor(() => expect(slug.getAttribute("aria-invalid")).toBe("true"));
    within(form).getByText(/another article already uses "refund"/);
    expect(within(form).queryByText("Not saved")).toBeNull();
  });
});

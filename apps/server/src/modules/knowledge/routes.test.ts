import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWorkspace } from "../../../test/factories.ts";
import { openTestEnv, TEST_DATABASES, type TestEnv } from "../../../test/harness.ts";

type Versions = Partial<Record<"en" | "fr" | "es" | "zh-CN", { title: string; body: string }>>;

/** The fixed corpus the relevance tests search. */
const CORPUS: { slug: string; tags?: string[]; status?: string; versions: Versions }[] = [
  {
    slug: "refund",
    tags: ["billing"],
    status: "published",
    versions: {
      en: {
        title: "How to request a refund",
        body: "Ask for your money back within **14 days**. Refunds reach your card in 5 days.",
      },
      fr: { title: "Comment demander un remboursement", body: "Le remboursement arrive sur votre carte en 5 jours." },
      es: { title: "Cómo solicitar un reembolso", body: "El reembolso llega a tu tarjeta en 5 días." },
      "zh-CN": { title: "如何申请退款", body: "我们会在14天内处理退款，5天内退回您的银行卡。" },
    },
  },
  {
    slug: "delivery",
    status: "published",
    versions: {
      en: { title: "Track your delivery", body: "Use the tracking number from your shipping email." },
      fr: { title: "Suivre votre livraison", body: "Utilisez le numéro de suivi de votre colis." },
      es: { title: "Seguir tu envío", body: "Usa el número de seguimiento de tu paquete." },
      "zh-CN": { title: "查询物流", body: "使用发货邮件中的快递单号查询包裹。" },
    },
  },
  {
    slug: "password",
    status: "published",
    versions: {
      en: { title: "Change your password", body: "Open Settings, then Security." },
      fr: { title: "Changer votre mot de passe", body: "Ouvrez Réglages puis Sécurité." },
      es: { title: "Cambiar la contraseña", body: "Abre Ajustes y luego Seguridad." },
      "zh-CN": { title: "修改密码", body: "打开设置，然后进入安全。" },
    },
  },
  {
    slug: "cancel",
    status: "published",
    versions: {
      en: {
        title: "Cancel your subscription",
        body: "You can cancel at any time; the current month is not refunded. <script>alert('x')</script>",
      },
      "zh-CN": { title: "取消订阅", body: "您可以随时取消订阅，当月费用不退款。" },
    },
  },
  {
    slug: "internal-refunds",
    status: "draft",
    versions: { en: { title: "Internal refund playbook", body: "Draft: refund over 100 EUR needs a supervisor." } },
  },
];

describe.each(TEST_DATABASES)("knowledge base on %s", (kind) => {
  let env: TestEnv;
  let a: Awaited<ReturnType<typeof buildWorkspace>>;
  let b: Awaited<ReturnType<typeof buildWorkspace>>;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    env = await openTestEnv(kind);
    a = await buildWorkspace(env);
    b = await buildWorkspace(env);
    const category = await env.app.inject({
      method: "POST",
      url: "/api/v1/knowledge/categories",
      headers: a.auth("supervisor"),
      payload: { name: "Orders & billing" },
    });
    expect(category.statusCode, category.body).toBe(201);
    for (const article of CORPUS) {
      const res = await env.app.inject({
        method: "POST",
        url: "/api/v1/knowledge/articles",
        headers: a.auth("supervisor"),
        payload: { ...article, categoryId: article.slug === "refund" ? category.json().id : undefined },
      });
      expect(res.statusCode, res.body).toBe(201);
      ids[article.slug] = res.json().id;
    }
  });
  afterAll(async () => {
    await env?.close();
  });

  const search = async (query: string, extra = "", auth = a.auth("agent")) => {
    const res = await env.app.inject({
      url: `/api/v1/knowledge/articles?query=${encodeURIComponent(query)}${extra}`,
      headers: auth,
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().data as { slug: string; lang: string; titleHighlight: string; snippet: string; score: number }[];
  };

  it.each([
    ["refund", "", "refund"],
    ["remboursement", "&lang=fr", "refund"],
    ["reembolso", "", "refund"],
    ["退款", "", "refund"],
    ["申请退款", "", "refund"],
    ["envio", "", "delivery"],
    ["物流", "", "delivery"],
    ["包裹", "", "delivery"],
    ["mot de passe", "", "password"],
    ["passw", "", "password"],
    ["密码", "", "password"],
    ["取消订阅", "", "cancel"],
    ["subscription", "", "cancel"],
  ])("ranks the right article first for %s %s", async (query, extra, slug) => {
    const hits = await search(query, extra);
    expect(hits[0]?.slug, JSON.stringify(hits)).toBe(slug);
  });

  it("ranks a title match above a body match and highlights both", async () => {
    const hits = await search("refund", "&lang=en&status=published");
    expect(hits.map((h) => h.slug)).toEqual(["refund", "cancel"]);
    expect(hits[0]?.titleHighlight).toBe("How to request a <mark>refund</mark>");
    expect(hits[1]?.snippet).toContain("<mark>refunded</mark>");
    expect(hits[0]?.score).toBeGreaterThan(hits[1]?.score ?? 1);
  });

  it("searches one language, one category, and pages with a cursor", async () => {
    expect((await search("退款", "&lang=zh-CN")).map((h) => h.lang)).toEqual(["zh-CN", "zh-CN"]);
    expect(await search("reembolso", "&lang=fr")).toEqual([]);
    const categories = (await env.app.inject({ url: "/api/v1/knowledge/categories", headers: a.auth("agent") })).json();
    expect((await search("refund", `&category=${categories.data[0].id}`)).map((h) => h.slug)).toEqual(["refund"]);
    const first = await env.app.inject({
      url: "/api/v1/knowledge/articles?query=refund&limit=1",
      headers: a.auth("agent"),
    });
    const next = await env.app.inject({
      url: `/api/v1/knowledge/articles?query=refund&limit=1&cursor=${first.json().nextCursor}`,
      headers: a.auth("agent"),
    });
    expect(next.json().data).toHaveLength(1);
    expect(next.json().data[0].slug).not.toBe(first.json().data[0].slug);
  });

  it("lets agents read but only supervisors and admins write", async () => {
    const denied = await env.app.inject({
      method: "POST",
      url: "/api/v1/knowledge/articles",
      headers: a.auth("agent"),
      payload: { versions: { en: { title: "x", body: "y" } } },
    });
    expect(denied.statusCode).toBe(403);
    const list = await env.app.inject({ url: "/api/v1/knowledge/articles?lang=zh-CN", headers: a.auth("agent") });
    expect(list.json().data).toHaveLength(4);
    const one = await env.app.inject({ url: `/api/v1/knowledge/articles/${ids.cancel}`, headers: a.auth("analyst") });
    expect(one.statusCode).toBe(200);
    expect(one.json().versions.map((v: { lang: string }) => v.lang)).toEqual(["en", "zh-CN"]);
    expect(one.json().versions[0].html).not.toContain("<script");
  });

  it("updates versions, tags and status, and refuses a taken slug with the field", async () => {
    const patched = await env.app.inject({
      method: "PATCH",
      url: `/api/v1/knowledge/articles/${ids.password}`,
      headers: a.auth("admin"),
      payload: {
        tags: ["account", "login"],
        versions: { es: null, fr: { title: "Réinitialiser le mot de passe", body: "…" } },
      },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json().versions.map((v: { lang: string }) => v.lang)).toEqual(["en", "fr", "zh-CN"]);
    expect((await search("login")).map((h) => h.slug)).toEqual(["password"]);
    expect((await search("reinitialiser")).map((h) => h.slug)).toEqual(["password"]);
    const taken = await env.app.inject({
      method: "PATCH",
      url: `/api/v1/knowledge/articles/${ids.password}`,
      headers: a.auth("admin"),
      payload: { slug: "refund" },
    });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().error.details.field).toBe("slug");
    const bad = await env.app.inject({
      method: "POST",
      url: "/api/v1/knowledge/articles",
      headers: a.auth("admin"),
      payload: { versions: { de: { title: "x", body: "y" } } },
    });
    expect(bad.statusCode).toBe(400);
  });

  it("previews Markdown as the help center renders it, sanitised, for editors only", async () => {
    const preview = await env.app.inject({
      method: "POST",
      url: "/api/v1/knowledge/preview",
      headers: a.auth("supervisor"),
      payload: { body: "# Refunds\n\nAsk **now**. <script>alert(1)</script> [x](javascript:alert(1))" },
    });
    expect(preview.statusCode, preview.body).toBe(200);
    const { html } = preview.json() as { html: string };
    expect(html).toContain("<h1>Refunds</h1>");
    expect(html).toContain("<strong>now</strong>");
    expect(html).not.toContain("<script");
    expect(html).not.toContain("javascript:");
    const denied = await env.app.inject({
      method: "POST",
      url: "/api/v1/knowledge/preview",
      headers: a.auth("agent"),
      payload: { body: "x" },
    });
    expect(denied.statusCode).toBe(403);
  });

  it("hides another workspace's articles (404, empty search, no help-center page)", async () => {
    expect(
      (await env.app.inject({ url: `/api/v1/knowledge/articles/${ids.refund}`, headers: b.auth("admin") })).statusCode,
    ).toBe(404);
    expect(
      (
        await env.app.inject({
          method: "PATCH",
          url: `/api/v1/knowledge/articles/${ids.refund}`,
          headers: b.auth("admin"),
          payload: { status: "draft" },
        })
      ).statusCode,
    ).toBe(404);
    expect(await search("refund", "", b.auth("agent"))).toEqual([]);
    const page = await env.app.inject({ url: `/help/${b.workspace.slug}/articles/refund` });
    expect(page.statusCode).toBe(404);
  });

  it("serves the public help center: published only, escaped, searchable, counted and voted", async () => {
    const home = await env.app.inject({ url: `/help/${a.workspace.slug}?lang=fr` });
    expect(home.statusCode).toBe(200);
    expect(home.headers["content-type"]).toContain("text/html");
    expect(home.body).toContain("Orders &amp; billing");
    expect(home.body).toContain("Comment demander un remboursement");
    expect(home.body).not.toContain("Internal refund playbook");

    const found = await env.app.inject({ url: `/help/${a.workspace.slug}?q=${encodeURIComponent("退款")}` });
    expect(found.body).toContain("<mark>退款</mark>");
    expect(found.body).toContain(`/help/${a.workspace.slug}/articles/refund?lang=zh-CN`);
    expect(found.body).not.toContain("playbook");
    const xss = await env.app.inject({ url: `/help/${a.workspace.slug}?q=${encodeURIComponent("<script>x")}` });
    expect(xss.body).toContain("&lt;script&gt;x");

    const article = await env.app.inject({
      url: `/help/${a.workspace.slug}/articles/cancel`,
      headers: { "accept-language": "zh-TW,zh;q=0.9" },
    });
    expect(article.statusCode).toBe(200);
    expect(article.body).toContain("取消订阅");
    expect(article.body).toContain('lang="zh-CN"');
    const en = await env.app.inject({ url: `/help/${a.workspace.slug}/articles/cancel?lang=en` });
    expect(en.body).not.toContain("<script>alert");
    expect((await env.app.inject({ url: `/help/${a.workspace.slug}/articles/internal-refunds` })).statusCode).toBe(404);

    const vote = await env.app.inject({
      method: "POST",
      url: `/help/${a.workspace.slug}/articles/cancel/feedback?lang=en&helpful=yes`,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: "",
    });
    expect(vote.statusCode).toBe(303);
    expect(vote.headers.location).toBe(`/help/${a.workspace.slug}/articles/cancel?lang=en&thanks=1`);
    const stats = (
      await env.app.inject({ url: `/api/v1/knowledge/articles/${ids.cancel}`, headers: a.auth("agent") })
    ).json();
    expect(stats.viewCount).toBe(2);
    expect(stats.helpful).toEqual({ yes: 1, no: 0 });
    expect((await env.app.inject({ url: "/help/no-such-workspace" })).statusCode).toBe(404);

    const json = await env.app.inject({
      url: `/help/${a.workspace.slug}/search?q=${encodeURIComponent("mot de passe")}`,
    });
    expect(json.statusCode, json.body).toBe(200);
    expect(json.headers["access-control-allow-origin"]).toBe("*");
    expect(json.json().data[0]).toMatchObject({ slug: "password", lang: "fr" });
    expect(json.json().data[0].url).toBe(`/help/${a.workspace.slug}/articles/password?lang=fr`);
    const drafts = await env.app.inject({ url: `/help/${a.workspace.slug}/search?q=playbook` });
    expect(drafts.json().data).toEqual([]);
    expect((await env.app.inject({ url: `/help/${b.workspace.slug}/search?q=refund` })).json().data).toEqual([]);
  });
});

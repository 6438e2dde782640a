/** The FAQ a bot answers from: published articles tagged `faq`, and a fingerprint that changes with them. */
export { FAQ_TAG, type FaqArticle, faqArticles, faqVersion } from "./faq.ts";
/** The public help center (`/help/<workspace-slug>`), server-rendered HTML. */
export { helpCenterOf, registerHelpCenter } from "./help-center.ts";
/** The knowledge-base languages (en, fr, es, zh-CN). */
export { LANGS, type Lang } from "./repository.ts";
/** The knowledge-base API routes (categories, articles, search). */
export { registerKnowledgeRoutes } from "./routes.ts";
/** Ranked full-text search of a workspace's articles in every language, with highlights. */
export { type ArticleHit, searchArticles } from "./search.ts";
/** Search text helpers shared with other full-text features: folding, tokens, tsvector/tsquery literals, highlights. */

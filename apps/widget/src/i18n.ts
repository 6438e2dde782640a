/** The widget's texts in its four languages; the channel's greeting and launcher text override theirs. */
export const LANGUAGES = ["en", "fr", "es", "zh-CN"] as const;
export type Language = (typeof LANGUAGES)[number];

const en = {
  launcher: "Chat with us",
  title: "Chat",
  greeting: "Hi! How can we help you today?",
  placeholder: "Write a message…",
  inputLabel: "Your message",
  send: "Send",
  close: "Close chat",
  you: "You",
  agent: "Support",
  sending: "Sending…",
  failed: "Not sent. Retry",
  offline: "Reconnecting…",
  typing: "Support is typing…",
  identifyRefused: "We could not verify your account.",
  conversation: "Conversation",
  csatQuestion: "How did we do?",
  csatStar: "Rating {n} of 5",
  csatComment: "Tell us more (optional)",
  csatSend: "Send rating",
  csatThanks: "Thank you for your feedback!",
  csatLater: "Not now",
  csatFailed: "Your rating could not be sent.",
};
export type Texts = typeof en;

const fr: Texts = {
  launcher: "Discuter avec nous",
  title: "Discussion",
  greeting: "Bonjour ! Comment pouvons-nous vous aider ?",
  placeholder: "Écrivez un message…",
  inputLabel: "Votre message",
  send: "Envoyer",
  close: "Fermer la discussion",
  you: "Vous",
  agent: "Support",
  sending: "Envoi…",
  failed: "Non envoyé. Réessayer",
  offline: "Reconnexion…",
  typing: "Le support écrit…",
  identifyRefused: "Nous n’avons pas pu vérifier votre compte.",
  conversation: "Conversation",
  csatQuestion: "Comment avons-nous fait ?",
  csatStar: "Note {n} sur 5",
  csatComment: "Dites-nous en plus (facultatif)",
  csatSend: "Envoyer la note",
  csatThanks: "Merci pour votre avis !",
  csatLater: "Plus tard",
  csatFailed: "Votre note n’a pas pu être envoyée.",
};
const es: Texts = {
  launcher: "Chatea con nosotros",
  title: "Chat",
  greeting: "¡Hola! ¿En qué podemos ayudarte?",
  placeholder: "Escribe un mensaje…",
  inputLabel: "Tu mensaje",
  send: "Enviar",
  close: "Cerrar chat",
  you: "Tú",
  agent: "Soporte",
  sending: "Enviando…",
  failed: "No enviado. Reintentar",
  offline: "Reconectando…",
  typing: "Soporte está escribiendo…",
  identifyRefused: "No pudimos verificar tu cuenta.",
  conversation: "Conversación",
  csatQuestion: "¿Cómo lo hicimos?",
  csatStar: "Puntuación {n} de 5",
  csatComment: "Cuéntanos más (opcional)",
  csatSend: "Enviar valoración",
  csatThanks: "¡Gracias por tu opinión!",
  csatLater: "Ahora no",
  csatFailed: "No se pudo enviar tu valoración.",
};
const zh: Texts = {
  launcher: "在线咨询",
  title: "在线客服",
  greeting: "您好！请问有什么可以帮您？",
  placeholder: "输入消息…",
  inputLabel: "您的消息",
  send: "发送",
  close: "关闭聊天",
  you: "我",
  agent: "客服",
  sending: "发送中…",
  failed: "发送失败，点击重试",
  offline: "正在重新连接…",
  typing: "客服正在输入…",
  identifyRefused: "无法验证您的账户。",
  conversation: "对话",
  csatQuestion: "您对本次服务满意吗？",
  csatStar: "{n} 分（满分 5 分）",
  csatComment: "补充意见（可选）",
  csatSend: "提交评价",
  csatThanks: "感谢您的反馈！",
  csatLater: "以后再说",
  csatFailed: "评价提交失败。",
};

export const TEXTS: Record<Language, Texts> = { en, fr, es, "zh-CN": zh };

/** The first of the browser's languages the channel offers (by exact tag, then by base language), else the channel's first. */
export function pickLanguage(browser: readonly string[], offered: readonly Language[], fixed: string): Language {
  if (fixed !== "auto" && (LANGUAGES as readonly string[]).includes(fixed)) return fixed as Language;
  for (const tag of browser) {
    const exact = offered.find((l) => l.toLowerCase() === tag.toLowerCase());
    if (exact) return exact;
    const base = tag.split("-")[0]?.toLowerCase();
    const byBase = offered.find((l) => l.split("-")[0]?.toLowerCase() === base);
    if (byBase) return byBase;
  }
  return offered[0] ?? "en";
}

/**
 * Demo conversations: customers with multilingual names writing in their language, cases in every
 * status and priority, agents' replies and notes, so a first look at Rapport is a working inbox.
 * Deterministic (a seeded generator): the same run makes the same data.
 */
import { type ApiInboundMessage, createChannel, ingestApiMessages } from "./modules/channels/index.ts";
import { type CasePatch, sendReply, setMessageStatus, updateCase } from "./modules/conversations/index.ts";
import type { Actor } from "./modules/tenancy/index.ts";
import type { AppContext } from "./platform/context.ts";
import { runTransaction } from "./platform/outbox.ts";

type Lang = "zh" | "en" | "fr" | "es" | "de" | "ja";
const NAMES: Record<Lang, { given: string[]; family: string[]; order: "family-first" | "given-first" }> = {
  zh: {
    given: ["伟", "芳", "娜", "敏", "静", "磊", "洋", "艳", "勇", "杰", "婷", "强"],
    family: ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周"],
    order: "family-first",
  },
  en: {
    given: ["Olivia", "Liam", "Emma", "Noah", "Ava", "James", "Mia", "Lucas", "Grace", "Henry"],
    family: ["Smith", "Johnson", "Brown", "Taylor", "Wilson", "Davies", "Evans", "Clarke"],
    order: "given-first",
  },
  fr: {
    given: ["Camille", "Léa", "Hugo", "Chloé", "Louis", "Manon", "Jules", "Inès", "Théo"],
    family: ["Martin", "Bernard", "Dubois", "Lefèvre", "Moreau", "Laurent", "Girard"],
    order: "given-first",
  },
  es: {
    given: ["Lucía", "Mateo", "Sofía", "Hugo", "Martina", "Daniel", "Valentina", "Pablo"],
    family: ["García", "Fernández", "López", "Martínez", "Sánchez", "Pérez", "Gómez"],
    order: "given-first",
  },
  de: {
    given: ["Lukas", "Anna", "Felix", "Lena", "Jonas", "Marie", "Paul", "Sophie"],
    family: ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Wagner"],
    order: "given-first",
  },
  ja: {
    given: ["陽菜", "蓮", "結衣", "湊", "葵", "大翔"],
    family: ["佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺"],
    order: "family-first",
  },
};

const OPENERS: Record<Lang, string[]> = {
  zh: ["我的订单还没到，能帮我查一下吗？", "我想退货，请问怎么操作？", "会员积分怎么兑换？", "发票可以重新开吗？"],
  en: [
    "Where is my order? It was due yesterday.",
    "Can I still change the delivery address?",
    "The jacket I received is the wrong size.",
    "How do I use my loyalty points?",
  ],
  fr: [
    "Bonjour, ma commande n'est toujours pas arrivée.",
    "Puis-je échanger un article en magasin ?",
    "Le code promo ne fonctionne pas.",
  ],
  es: ["Hola, ¿dónde está mi pedido?", "Quiero devolver unos zapatos.", "¿Tienen esta chaqueta en talla M?"],
  de: [
    "Wo bleibt meine Bestellung?",
    "Kann ich die Rechnung als PDF bekommen?",
    "Der Artikel ist beschädigt angekommen.",
  ],
  ja: ["注文した商品がまだ届きません。", "サイズ交換はできますか？"],
};

const FOLLOW_UPS: Record<Lang, string[]> = {
  zh: ["订单号是 88231。", "谢谢！", "还在等回复。"],
  en: ["Order number is 88231.", "Thanks!", "Any update?"],
  fr: ["Le numéro de commande est 88231.", "Merci !", "Des nouvelles ?"],
  es: ["El número de pedido es 88231.", "¡Gracias!", "¿Alguna novedad?"],
  de: ["Die Bestellnummer ist 88231.", "Danke!", "Gibt es Neuigkeiten?"],
  ja: ["注文番号は88231です。", "ありがとうございます！"],
};

const REPLIES: Record<Lang, string> = {
  zh: "您好，我们正在为您查询，请稍等。",
  en: "Thanks for reaching out — I'm checking this for you now.",
  fr: "Merci pour votre message, je vérifie tout de suite.",
  es: "Gracias por escribirnos, lo reviso ahora mismo.",
  de: "Danke für Ihre Nachricht, ich prüfe das sofort.",
  ja: "お問い合わせありがとうございます。確認いたします。",
};

const TAGS = ["shipping", "refund", "vip", "exchange", "invoice", "loyalty", "damaged"];
const STATUSES: CasePatch["status"][] = ["open", "open", "open", "pending", "on-hold", "solved", "closed"];
const PRIORITIES: CasePatch["priority"][] = ["normal", "normal", "normal", "high", "low", "urgent"];

/** A small deterministic generator (mulberry32). */
function random(seed: number) {
  let a = seed;
  const next = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, pick: <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T };
}

/**
 * Creates `customers` demo customers (with a first case each; some write again) on a demo api channel,
 * then works the cases: statuses, priorities, assignees, tags, replies and notes.
 * `run` distinguishes repeated runs (`seed --demo --scale N`) so they add data instead of deduplicating.
 */
export async function seedDemoConversations(
  ctx: AppContext,
  admin: Actor,
  agents: { id: string }[],
  options: { customers: number; run: number },
): Promise<{ cases: number; messages: number }> {
  const { channel } = await createChannel(ctx, admin, { type: "api", name: "Web shop (demo)" });
  const rng = random(20261202 + options.run);
  const langs = Object.keys(NAMES) as Lang[];
  let messages = 0;
  const caseIds: { id: string; lang: Lang }[] = [];
  const seen = new Set<string>();
  const langOf = new Map<string, Lang>();
  const batch = 100;
  for (let start = 0; start < options.customers; start += batch) {
    const items: ApiInboundMessage[] = [];
    for (let i = start; i < Math.min(options.customers, start + batch); i++) {
      const lang = rng.pick(langs);
      const n = NAMES[lang];
      const given = rng.pick(n.given);
      const family = rng.pick(n.family);
      const name = n.order === "family-first" ? `${family}${given}` : `${given} ${family}`;
      const externalId = `demo-${options.run}-${i}`;
      const base = Date.now() - Math.floor(rng.next() * 5 * 86_400_000);
      const thread = [rng.pick(OPENERS[lang]), ...(rng.next() < 0.5 ? [rng.pick(FOLLOW_UPS[lang])] : [])];
      thread.forEach((text, k) => {
        langOf.set(`${externalId}-${k}`, lang);
        items.push({
          externalMessageId: `${externalId}-${k}`,
          from: { externalId, name, ...(rng.next() < 0.6 ? { email: `${externalId}@example.com` } : {}) },
          text,
          sentAt: new Date(base + k * 120_000).toISOString(),
        });
      });
    }
    const results = await ingestApiMessages(ctx, channel, items);
    messages += results.length;
    for (const r of results) {
      if (seen.has(r.caseId)) continue;
      seen.add(r.caseId);
      caseIds.push({ id: r.caseId, lang: langOf.get(r.externalMessageId) ?? "en" });
    }
  }

  for (const c of caseIds) {
    const assignee = rng.next() < 0.7 ? rng.pick(agents) : undefined;
    const status = rng.pick(STATUSES);
    await runTransaction(ctx.database, async (tx) => {
      if (status !== "open" || assignee) {
        const reply = await sendReply(tx, admin, c.id, { text: REPLIES[c.lang] });
        // Demo replies are shown as delivered: the demo channel has no receiver behind it.
        await setMessageStatus(tx, admin.workspaceId, reply.id, { status: "sent", error: null });
        messages++;
      }
      if (rng.next() < 0.2) {
        await sendReply(tx, admin, c.id, {
          text: "Checked the warehouse system: parcel is at the depot.",
          private: true,
        });
        messages++;
      }
      await updateCase(tx, admin, c.id, {
        priority: rng.pick(PRIORITIES),
        ...(assignee ? { assigneeId: assignee.id } : {}),
        tags: rng.next() < 0.6 ? [rng.pick(TAGS), ...(rng.next() < 0.3 ? [rng.pick(TAGS)] : [])] : [],
        ...(status !== "open" ? { status } : {}),
      });
    });
  }
  return { cases: caseIds.length, messages };
}

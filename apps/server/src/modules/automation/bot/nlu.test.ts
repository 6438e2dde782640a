import { describe, expect, it } from "vitest";
import { type BotModel, recognize, trainBot, trainBotOffThread } from "./nlu.ts";
import { BUILT_IN_INTENTS, ORDER_STATUS_TEMPLATE } from "./templates.ts";

const SET = [
  ORDER_STATUS_TEMPLATE.intent,
  ...BUILT_IN_INTENTS,
  {
    name: "opening-hours",
    utterances: {
      en: ["when are you open", "what are your opening hours", "are you open on sunday"],
      fr: [
        "quand êtes-vous ouverts",
        "à quelle heure ouvre le magasin",
        "quels sont vos horaires d'ouverture",
        "êtes-vous ouverts le dimanche",
      ],
      es: ["cuándo abren", "a qué hora abren la tienda", "cuál es su horario de apertura", "abren los domingos"],
      zh: ["你们几点开门", "营业时间是什么", "周日营业吗"],
    },
  },
  {
    name: "refund",
    utterances: {
      en: ["I want a refund", "I would like my money back", "how do I get reimbursed"],
      fr: ["je veux être remboursé", "rendez-moi mon argent", "comment obtenir un remboursement"],
      es: ["quiero un reembolso", "devuélvanme mi dinero", "cómo me reembolsan"],
      zh: ["我要退款", "把钱退给我", "怎么申请退款"],
    },
  },
];

describe("intent bot (nlp.js, trained locally)", () => {
  let model: BotModel;
  it("trains on a small set in four languages", async () => {
    model = await trainBot(SET);
    expect(model.langs).toEqual(["en", "fr", "es", "zh"]);
  });

  it.each([
    ["where is my order?", "order.status", "en"],
    ["can you track my parcel please", "order.status", "en"],
    ["what time do you open", "opening-hours", "en"],
    ["I would like a refund", "refund", "en"],
    ["où en est ma commande ?", "order.status", "fr"],
    ["à quelle heure ouvrez-vous", "opening-hours", "fr"],
    ["je voudrais être remboursé", "refund", "fr"],
    ["dónde está mi pedido", "order.status", "es"],
    ["a qué hora abren mañana", "opening-hours", "es"],
    ["quiero que me reembolsen el dinero", "refund", "es"],
    ["我的订单到哪了", "order.status", "zh"],
    ["你们周六几点开门", "opening-hours", "zh"],
    ["我想退款", "refund", "zh"],
    ["I want to talk to a human", "human", "en"],
    ["je veux parler à un humain", "human", "fr"],
    ["quiero hablar con un humano", "human", "es"],
    ["转人工", "human", "zh"],
  ])("%s → %s (%s)", async (text, intent, language) => {
    const r = await recognize(model, text);
    expect(r).toMatchObject({ intent, language });
    expect(r.score).toBeGreaterThanOrEqual(0.7);
  });

  it.each([["what is the capital of Peru"], ["quelle est la capitale du Pérou"], ["今天天气怎么样"]])(
    "is not confident about %s",
    async (text) => {
      const r = await recognize(model, text);
      expect(r.score).toBeLessThan(0.7);
    },
  );

  it("trains the same model in a worker thread (the event loop stays free)", async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const offThread = await trainBotOffThread(SET);
    clearInterval(timer);
    expect(offThread.thread).toBe("worker");
    expect(ticks).toBeGreaterThan(0);
    expect(await recognize(offThread, "我的订单到哪了")).toMatchObject({ intent: "order.status", language: "zh" });
    expect(await recognize(offThread, "je voudrais être remboursé")).toMatchObject({
      intent: "refund",
      language: "fr",
    });
  });
});

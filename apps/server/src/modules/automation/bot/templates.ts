/** What ships with the bot: the built-in `human` intent and the example "order status" flow with its intent. */

import { uuidv7 } from "uuidv7";
import type { Executor } from "../../../platform/db.ts";
import type { TrainingIntent } from "./nlu.ts";
import { bots, type FlowRow, type IntentRow } from "./repository.ts";
import type { FlowInput } from "./schemas.ts";

/** Intents every workspace's bot knows. `human` always hands over. */
export const BUILT_IN_INTENTS: TrainingIntent[] = [
  {
    name: "human",
    utterances: {
      en: ["talk to a human", "I want to speak to a real person", "can I talk to an agent", "human please"],
      fr: ["parler à un humain", "je veux parler à un conseiller", "un vrai humain s'il vous plaît", "humain"],
      es: ["hablar con un humano", "quiero hablar con una persona real", "con un agente por favor", "humano"],
      zh: ["人工", "转人工", "我要找人工客服", "找真人"],
    },
  },
];

/** The example flow: ask the order number, look it up on the customer's profile, answer its status. */
export const ORDER_STATUS_TEMPLATE: { intent: TrainingIntent; flow: FlowInput } = {
  intent: {
    name: "order.status",
    utterances: {
      en: [
        "where is my order",
        "track my order",
        "can you track my package",
        "order status",
        "when will my parcel arrive",
        "has my order shipped",
      ],
      fr: ["où est ma commande", "suivre ma commande", "statut de ma commande", "quand arrive mon colis"],
      es: ["dónde está mi pedido", "seguir mi pedido", "estado de mi pedido", "cuándo llega mi paquete"],
      zh: ["我的订单在哪里", "查询订单", "订单状态", "我的包裹什么时候到", "查一下我的订单"],
    },
  },
  flow: {
    name: "Order status",
    start: "ask_number",
    steps: [
      {
        id: "ask_number",
        type: "ask",
        slot: "order_number",
        prompt: {
          en: "Sure — what is your order number?",
          fr: "Bien sûr — quel est votre numéro de commande ?",
          es: "Claro, ¿cuál es su número de pedido?",
          zh: "好的，请告诉我您的订单号。",
        },
        pattern: "^[A-Za-z0-9-]{3,30}$",
        extract: "\\b(?:[a-z]{1,4}-?)?\\d{4,}\\b",
        retryPrompt: {
          en: "That doesn't look like an order number (letters and digits, e.g. 10042). Could you check it?",
          fr: "Ce n'est pas un numéro de commande (lettres et chiffres, par ex. 10042). Pouvez-vous vérifier ?",
          es: "Eso no parece un número de pedido (letras y dígitos, p. ej. 10042). ¿Puede comprobarlo?",
          zh: "这看起来不像订单号（字母和数字，例如 10042），请再确认一下。",
        },
        maxRetries: 2,
        next: "lookup",
      },
      {
        id: "lookup",
        type: "lookup",
        source: "order",
        key: "order_number",
        into: "order",
        found: "status",
        notFound: "unknown",
      },
      {
        id: "status",
        type: "answer",
        text: {
          en: "Order {{order.number}} (placed {{order.placedAt}}) is {{order.status}}.",
          fr: "La commande {{order.number}} (passée le {{order.placedAt}}) est : {{order.status}}.",
          es: "El pedido {{order.number}} (realizado el {{order.placedAt}}) está: {{order.status}}.",
          zh: "订单 {{order.number}}（下单于 {{order.placedAt}}）的状态：{{order.status}}。",
        },
      },
      {
        id: "unknown",
        type: "handover",
        reason: "order_not_found",
        text: {
          en: "I couldn't find order {{order_number}} on your account; a colleague will take it from here.",
          fr: "Je ne trouve pas la commande {{order_number}} sur votre compte ; un collègue prend le relais.",
          es: "No encuentro el pedido {{order_number}} en su cuenta; un compañero le atenderá.",
          zh: "您的账户中没有找到订单 {{order_number}}，稍后由人工客服为您处理。",
        },
      },
    ],
  },
};

/** Stores a shipped template: its flow, and its intent starting that flow (the caller checks the name is free). */
export async function insertBotTemplate(
  tx: Executor,
  ws: string,
  template: { intent: TrainingIntent; flow: FlowInput },
): Promise<{ flow: FlowRow; intent: IntentRow }> {
  const flow = (await bots(tx)
    .insertInto("bot_flows")
    .values({
      workspace_id: ws,
      id: uuidv7(),
      name: template.flow.name,
      start: template.flow.start,
      steps: JSON.stringify(template.flow.steps),
    })
    .returningAll()
    .executeTakeFirstOrThrow()) as FlowRow;
  const intent = (await bots(tx)
    .insertInto("bot_intents")
    .values({
      workspace_id: ws,
      id: uuidv7(),
      name: template.intent.name,
      utterances: JSON.stringify(template.intent.utterances),
      answer: null,
      flow_id: flow.id,
      handover: false,
    })
    .returningAll()
    .executeTakeFirstOrThrow()) as IntentRow;
  return { flow, intent };
}

/**
 * Auto-triage of a case from its customer message's analysis: tags (the category and the intents) and a
 * predicted priority from category, sentiment, intents and VIP status. Pure; the `auto_triage` rule action
 * applies it and only ever raises a priority.
 */
const PRIORITY_RANK = { low: 0, normal: 1, high: 2, urgent: 3 } as const;
export type Priority = keyof typeof PRIORITY_RANK;

const CATEGORY_POINTS: Record<string, number> = { complaint: 2, lead: 1, question: 0, praise: -1, other: -1, spam: -3 };
const URGENT_INTENTS = new Set(["refund", "cancel", "complaint", "human"]);

export type TriageInput = {
  category: string;
  sentiment: string;
  sentimentScore: number;
  intents: string[];
  /** The case or contact is tagged VIP. */
  isVip: boolean;
};

/** The tags and the priority a message suggests, with the points behind the priority. */
export function triage(input: TriageInput): { tags: string[]; priority: Priority; points: number } {
  let points = CATEGORY_POINTS[input.category] ?? 0;
  if (input.sentiment === "negative") points += input.sentimentScore <= -0.8 ? 2 : 1;
  points += Math.min(2, input.intents.filter((i) => URGENT_INTENTS.has(i)).length);
  if (input.isVip && input.category !== "spam") points += 1;
  const priority: Priority = points >= 5 ? "urgent" : points >= 3 ? "high" : points <= -2 ? "low" : "normal";
  const tags = [...new Set([...(input.category === "other" ? [] : [input.category]), ...input.intents])];
  return { tags, priority, points };
}

/** The higher of two priorities (auto-triage never lowers what a person or another rule set). */
export function higherPriority(current: string, predicted: Priority): Priority | undefined {
  const rank = PRIORITY_RANK[current as Priority];
  return rank === undefined || PRIORITY_RANK[predicted] > rank ? predicted : undefined;
}

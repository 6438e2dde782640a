import { describe, expect, it } from "vitest";
import { analyzeText, detectIntents, detectLanguage, modelsWithCorrections } from "./analyze.ts";
import { features } from "./classifier.ts";

describe("local AI triage", () => {
  it("detects the four languages, and says und for a text too short to tell", () => {
    expect(detectLanguage("Where is my parcel? I ordered it two weeks ago")).toBe("en");
    expect(detectLanguage("Je voudrais savoir où en est ma commande")).toBe("fr");
    expect(detectLanguage("Quisiera saber dónde está mi pedido")).toBe("es");
    expect(detectLanguage("我的快递到哪了")).toBe("zh");
    expect(detectLanguage("ok")).toBe("und");
  });

  it("finds keyword intents in every language, accents and width folded", () => {
    expect(detectIntents("I want a REFUND and to cancel my plan")).toEqual(["refund", "cancel"]);
    expect(detectIntents("Je veux être remboursé")).toEqual(["refund"]);
    expect(detectIntents("¿Dónde está mi envío?")).toEqual(["delivery"]);
    expect(detectIntents("我要投诉，快递太慢了")).toEqual(["delivery", "complaint"]);
    expect(detectIntents("Hello there")).toEqual([]);
    expect(detectIntents("unrefundable")).toEqual([]);
  });

  it("classifies clear messages with a label, a polarity score and a confidence", () => {
    const complaint = analyzeText("This is outrageous, my order arrived broken and nobody answers");
    expect(complaint.category).toBe("complaint");
    expect(complaint.sentiment.label).toBe("negative");
    expect(complaint.sentiment.score).toBeLessThan(0);
    expect(complaint.confidence).toBeGreaterThan(0.5);
    expect(analyzeText("Merci beaucoup, votre équipe est formidable !").category).toBe("praise");
    expect(analyzeText("Win a free iPhone now, click www.free-prize.xyz").category).toBe("spam");
    expect(analyzeText("我们公司想采购100台，能给个报价吗？").category).toBe("lead");
    expect(analyzeText("¿Cómo cambio mi contraseña?").category).toBe("question");
  });

  it("learns from corrections: weighted extra examples over the shared model", () => {
    const text = "Le colis est arrivé mouillé";
    expect(analyzeText(text).category).not.toBe("praise");
    const corrected = modelsWithCorrections([
      { text, category: "praise", sentiment: "positive" },
      { text: "colis mouillé", category: "praise", sentiment: null },
    ]);
    expect(analyzeText(text, corrected).category).toBe("praise");
    expect(analyzeText(text, corrected).sentiment.label).toBe("positive");
  });

  it("extracts word, bigram, trigram and Chinese n-gram features", () => {
    const f = features("Refund please! 退款");
    expect([...f]).toEqual(
      expect.arrayContaining(["w:refund", "b:refund_please", "c: re", "h:退款", "h:退", "s:!", "s:short"]),
    );
  });
});

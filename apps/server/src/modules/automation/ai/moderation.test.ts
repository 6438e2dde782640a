import { describe, expect, it } from "vitest";
import { analyzeText, baseModels } from "./analyze.ts";
import { isAbusive, moderate } from "./moderation.ts";

describe("moderation", () => {
  it.each([
    "You are a fucking idiot, give me my money",
    "Bande de CONNARDS, rendez-moi mon argent",
    "Sois pas un enfoiré et réponds",
    "Eres un pendejo, devuélveme el dinero",
    "¡Vete a la mierda con tu servicio!",
    "你们这群傻逼，退钱！",
    "王八蛋客服",
  ])("flags abuse in %j", (text) => {
    expect(isAbusive(text)).toBe(true);
    expect(moderate(text, { category: "complaint", confidence: 0.9 })).toEqual({ flagged: true, reasons: ["abuse"] });
  });

  it.each([
    "Please assess my class booking",
    "I bought a shitake mushroom kit and it arrived late",
    "La putréfaction du colis, c'est inadmissible",
    "Necesito ayuda con mi cuenta",
    "我的包裹还没到，请帮我查一下",
    "The Scunthorpe store was closed",
  ])("does not flag %j", (text) => {
    expect(isAbusive(text)).toBe(false);
  });

  it("flags confident spam from the classifier, not a doubtful one", () => {
    const text = "Gana dinero rápido desde casa, haz clic en www.dinero-facil.xyz";
    const a = analyzeText(text, baseModels());
    expect(a.category).toBe("spam");
    expect(moderate(text, a)).toEqual({ flagged: true, reasons: ["spam"] });
    expect(moderate(text, { category: "spam", confidence: 0.3 }).flagged).toBe(false);
    expect(moderate("Where is my order?", { category: "question", confidence: 0.9 })).toEqual({
      flagged: false,
      reasons: [],
    });
  });
});

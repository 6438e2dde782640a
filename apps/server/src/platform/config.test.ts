import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.ts";

describe("loadConfig", () => {
  it("applies defaults for an empty environment", () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ PORT: 3000, DATA_DIR: "./data", LOG_LEVEL: "info", TRUST_PROXY: false });
    expect(c.DATABASE_URL).toBeUndefined();
  });

  it("lists every problem at once", () => {
    try {
      loadConfig({ PORT: "http", DATABASE_URL: "mysql://x", LOG_LEVEL: "loud", RAPPORT_SECRET_KEY: "short" });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems.join("\n");
      for (const key of ["PORT", "DATABASE_URL", "LOG_LEVEL", "RAPPORT_SECRET_KEY"]) expect(problems).toContain(key);
      expect((err as ConfigError).problems).toHaveLength(4);
    }
  });

  it("never echoes a secret key value in its errors", () => {
    try {
      loadConfig({ RAPPORT_SECRET_KEY: "not-a-key-but-secret" });
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).not.toContain("not-a-key-but-secret");
    }
  });

  it("treats empty strings as unset", () => {
    expect(loadConfig({ DATABASE_URL: "", PORT: "" }).PORT).toBe(3000);
  });
});

import { describe, expect, it } from "vitest";
import { AppError, toErrorBody } from "./errors.ts";

describe("toErrorBody", () => {
  it("maps each kind to its HTTP status with the module's reason", () => {
    const cases = [
      ["invalid", 400],
      ["unauthenticated", 401],
      ["forbidden", 403],
      ["not_found", 404],
      ["conflict", 409],
      ["rate_limited", 429],
      ["internal", 500],
      ["unavailable", 503],
    ] as const;
    for (const [kind, status] of cases) {
      const r = toErrorBody(new AppError(kind, "some_reason", "msg", { a: 1 }), "req-1");
      expect(r.status).toBe(status);
      expect(r.body.error).toEqual({
        kind,
        reason: "some_reason",
        message: "msg",
        details: { a: 1 },
        requestId: "req-1",
      });
    }
  });

  it("never echoes an unknown error's message", () => {
    const r = toErrorBody(new Error("password=hunter2 at db.ts:12"), "req-2");
    expect(r.status).toBe(500);
    expect(JSON.stringify(r.body)).not.toContain("hunter2");
    expect(r.body.error.requestId).toBe("req-2");
  });
});

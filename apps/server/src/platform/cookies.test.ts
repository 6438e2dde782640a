import { describe, expect, it } from "vitest";
import { cookieValue, setCookieHeader } from "./cookies.ts";

describe("cookies", () => {
  it("reads one cookie among several, decoded", () => {
    expect(cookieValue({ cookie: "a=1; rapport_session=x%2By; b=2" }, "rapport_session")).toBe("x+y");
    expect(cookieValue({ cookie: "a=1" }, "rapport_session")).toBeUndefined();
    expect(cookieValue({}, "rapport_session")).toBeUndefined();
  });

  it("treats an undecodable value as absent instead of throwing", () => {
    expect(cookieValue({ cookie: "rapport_session=%E0%A4%A" }, "rapport_session")).toBeUndefined();
  });

  it("writes an HttpOnly, SameSite=Lax cookie, Secure on HTTPS, and deletes with Max-Age=0", () => {
    expect(setCookieHeader("s", "a b", { maxAgeSeconds: 60, secure: true })).toBe(
      "s=a%20b; Max-Age=60; Path=/; HttpOnly; SameSite=Lax; Secure",
    );
    expect(setCookieHeader("s", "", { maxAgeSeconds: 0, secure: false })).toBe(
      "s=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/; HttpOnly; SameSite=Lax",
    );
  });
});

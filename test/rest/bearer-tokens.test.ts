import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.js";
import { BearerTokens, tokenLifetimeMs } from "../../src/http/rest/bearer-tokens.js";

describe("bearer tokens", () => {
  it("name their user until they expire, and not a moment after", () => {
    const clock = new ManualClock(new Date("2026-01-01T00:00:00Z"));
    const tokens = new BearerTokens(clock);
    const { token, expiresAt } = tokens.issue("admin");
    expect(expiresAt.getTime() - clock.now().getTime()).toBe(tokenLifetimeMs);
    clock.advance(tokenLifetimeMs - 1);
    expect(tokens.userOf(token)).toBe("admin");
    clock.advance(1);
    expect(tokens.userOf(token)).toBeUndefined();
  });

  it("are random, and a token's text is not accepted for another", () => {
    const tokens = new BearerTokens(new ManualClock(new Date()));
    const first = tokens.issue("a").token;
    const second = tokens.issue("b").token;
    expect(first).not.toBe(second);
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(tokens.userOf(second)).toBe("b");
    expect(tokens.userOf(`${first.slice(0, -1)}${first.endsWith("A") ? "B" : "A"}`))
      .toBeUndefined();
  });
});

import { GdsError } from "../core/errors.js";

/**
 * The pattern syntax of the Like FilterOperator (Part 4, 7.7.3), which Part 12 prescribes for
 * the ApplicationName, ApplicationUri and ProductUri filters of QueryApplications and
 * QueryServers:
 *
 * - `%` any string of zero or more characters, `_` any single character;
 * - `[list]` one character of the list, `[^list]` one character not in it; a list holds single
 *   characters and ranges (`[13-68]`, `[a-f]`); `%`, `_` and `[` stand for themselves inside;
 * - `\` takes the next character literally, inside a list too.
 *
 * Matching is case-sensitive, as Part 4 compares strings, and counts Unicode code points, so
 * `_` matches one character even outside the Basic Multilingual Plane.
 *
 * Patterns arrive from anonymous callers, so matching must not backtrack: `test` walks the
 * value once per `%`-anchored restart (the classic wildcard algorithm), O(value x pattern)
 * in the worst case, never exponential as a regular expression with several `.*` would be.
 */
export class LikePattern {
  static readonly maxLength = 512;

  private constructor(
    private readonly tokens: Token[],
    /** The string every match equals when the pattern has no wildcard and no list. */
    readonly literal: string | undefined,
  ) {}

  /** Parses a pattern; a malformed one (an open list, a trailing `\`) is InvalidArgument. */
  static parse(pattern: string): LikePattern {
    if (pattern.length > LikePattern.maxLength) invalid("a filter pattern is too long");
    const chars = Array.from(pattern);
    const tokens: Token[] = [];

    for (let i = 0; i < chars.length; i += 1) {
      const char = chars[i]!;
      if (char === "%") {
        // Consecutive % are one; keeping them would only slow the matcher down.
        if (tokens.at(-1)?.kind !== "any") tokens.push({ kind: "any" });
      } else if (char === "_") {
        tokens.push({ kind: "one" });
      } else if (char === "[") {
        const list = parseList(chars, i + 1);
        tokens.push(list.token);
        i = list.end;
      } else if (char === "\\") {
        i += 1;
        if (i >= chars.length) invalid("a filter pattern ends with an escape character");
        tokens.push({ kind: "char", char: chars[i]! });
      } else {
        tokens.push({ kind: "char", char });
      }
    }

    const literal = tokens.every((token) => token.kind === "char")
      ? tokens.map((token) => (token as CharToken).char).join("")
      : undefined;
    return new LikePattern(tokens, literal);
  }

  test(value: string): boolean {
    // Code units are code points unless the value holds a surrogate pair; splitting it into
    // code points only then keeps the common case free of allocation.
    const chars: ArrayLike<string> = surrogate.test(value) ? Array.from(value) : value;
    const tokens = this.tokens;
    let v = 0;
    let t = 0;
    // Where the last % was seen, and the value position it currently stands up to.
    let anyAt = -1;
    let anyUpTo = 0;

    while (v < chars.length) {
      const token = tokens[t];
      if (token && token.kind !== "any" && matchesOne(token, chars[v]!)) {
        v += 1;
        t += 1;
      } else if (token?.kind === "any") {
        anyAt = t;
        anyUpTo = v;
        t += 1;
      } else if (anyAt >= 0) {
        // Let the last % swallow one more character and retry what follows it.
        anyUpTo += 1;
        v = anyUpTo;
        t = anyAt + 1;
      } else {
        return false;
      }
    }
    while (tokens[t]?.kind === "any") t += 1;
    return t === tokens.length;
  }
}

const surrogate = /[\uD800-\uDFFF]/;

interface CharToken { kind: "char"; char: string }
interface ListToken { kind: "list"; negated: boolean; ranges: Array<[number, number]> }
type Token = CharToken | ListToken | { kind: "one" } | { kind: "any" };

function matchesOne(token: Exclude<Token, { kind: "any" }>, char: string): boolean {
  if (token.kind === "one") return true;
  if (token.kind === "char") return token.char === char;
  const code = char.codePointAt(0)!;
  const inList = token.ranges.some(([low, high]) => code >= low && code <= high);
  return inList !== token.negated;
}

/** Reads a list that starts after its `[`; `end` is the index of its closing `]`. */
function parseList(chars: string[], start: number): { token: ListToken; end: number } {
  let i = start;
  const negated = chars[i] === "^";
  if (negated) i += 1;

  const members: number[] = [];
  const ranges: Array<[number, number]> = [];
  for (; i < chars.length && chars[i] !== "]"; i += 1) {
    let char = chars[i]!;
    if (char === "\\") {
      i += 1;
      if (i >= chars.length) break;
      char = chars[i]!;
    } else if (char === "-" && members.length > 0 && i + 1 < chars.length && chars[i + 1] !== "]") {
      // A range: the member just read up to the next character (escaped or not).
      i += 1;
      let high = chars[i]!;
      if (high === "\\" && i + 1 < chars.length) high = chars[++i]!;
      const low = members.pop()!;
      const highCode = high.codePointAt(0)!;
      if (highCode < low) invalid("a range in a filter pattern runs backwards");
      ranges.push([low, highCode]);
      continue;
    }
    members.push(char.codePointAt(0)!);
  }

  if (i >= chars.length) invalid("a filter pattern has a list without its closing ]");
  for (const code of members) ranges.push([code, code]);
  if (ranges.length === 0) invalid("a filter pattern has an empty list");
  return { token: { kind: "list", negated, ranges }, end: i };
}

function invalid(message: string): never {
  throw new GdsError("InvalidArgument", message);
}

import { describe, expect, it } from "vitest";
import { GdsError } from "../../src/core/errors.js";
import { checkApplicationRecord } from "../../src/gds/application-record-check.js";

const record = {
  applicationUri: "urn:plant:press-7",
  productUri: "urn:vendor:press",
  applicationType: 0 as const,
  applicationNames: [{ text: "Press 7", locale: "en" }],
  discoveryUrls: ["opc.tcp://press-7.plant:4840"],
  serverCapabilities: ["DA"],
};

function codeOf(change: Partial<typeof record>): string | undefined {
  try {
    checkApplicationRecord({ ...record, ...change } as typeof record);
    return undefined;
  } catch (error) {
    return error instanceof GdsError ? error.code : "not a GdsError";
  }
}

describe("checkApplicationRecord", () => {
  it("accepts a well-formed server record", () => {
    expect(codeOf({})).toBeUndefined();
  });

  it.each([
    ["a NUL byte", "urn:plant:press\u0000-7"],
    ["a space", "urn:plant:press 7"],
    ["raw non-ASCII text", "urn:plant:presse-für-teile"],
    ["no scheme", "press-7"],
  ])("refuses an ApplicationUri with %s as InvalidArgument", (_kind, applicationUri) => {
    expect(codeOf({ applicationUri })).toBe("InvalidArgument");
  });

  it("accepts percent-encoded non-ASCII text in an ApplicationUri", () => {
    expect(codeOf({ applicationUri: "urn:plant:presse-f%C3%BCr-teile" })).toBeUndefined();
  });
});

import { describe, expect, it } from "vitest";
import { DerReader } from "../../src/ca/der-reader.js";
import { objectIdentifier, time } from "../../src/ca/der-writer.js";
import { gdsErrorOf } from "./gds-error.js";

function readAll(hex: string): void {
  const reader = DerReader.of(Buffer.from(hex, "hex"));
  reader.read();
  reader.expectDone();
}

describe("DerReader", () => {
  it("reads short and long definite lengths", () => {
    expect(() => readAll("0400")).not.toThrow();
    expect(() => readAll(`0481${"80"}${"00".repeat(0x80)}`)).not.toThrow();
    expect(() => readAll(`048201${"00"}${"00".repeat(0x100)}`)).not.toThrow();
  });

  it("refuses what DER forbids or what runs past the end", () => {
    const bad = {
      "indefinite length": "3080 0000",
      "long form for a short length": "048101 00",
      "leading zero length octet": "04820080" + "00".repeat(0x80),
      "length beyond the buffer": "0405 0000",
      "length octets missing": "0482 01",
      "multi-octet tag": "1f8101 00",
      "trailing data": "0400 00",
    };
    for (const [what, hex] of Object.entries(bad)) {
      const error = gdsErrorOf(() => readAll(hex.replace(/ /g, "")));
      expect(error.code, what).toBe("InvalidArgument");
    }
  });

  it("reads back object identifiers and times the writer made", () => {
    for (const oid of [
      "2.5.29.17",
      "1.2.840.113549.1.9.14",
      "2.999.1",
      "0.9.2342.19200300.100.1.25",
    ]) {
      expect(DerReader.of(objectIdentifier(oid)).readObjectIdentifier()).toBe(oid);
    }
    for (const iso of ["1999-12-31T23:59:59Z", "2049-12-31T23:59:59Z", "2050-01-01T00:00:00Z"]) {
      expect(
        DerReader.of(time(new Date(iso)))
          .readTime()
          .toISOString(),
      ).toBe(iso.replace("Z", ".000Z"));
    }
  });
});

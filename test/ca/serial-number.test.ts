import { describe, expect, it } from "vitest";
import {
  encodeSerialNumber,
  generateSerialNumber,
  normalizeSerialNumber,
} from "../../src/ca/serial-number.js";
import { gdsErrorOf } from "./gds-error.js";

describe("serial numbers", () => {
  it("are 16 octets, positive, without a leading zero octet, and unique across 100,000", () => {
    const seen = new Set<string>();
    for (let index = 0; index < 100_000; index += 1) {
      const serial = generateSerialNumber();
      // Plain checks: 100,000 expect() calls would dominate the run time.
      if (!/^[0-7][0-9a-f]{31}$/.test(serial) || serial.startsWith("00")) {
        throw new Error(`serial ${serial} is not 16 octets with a first octet 01..7f`);
      }
      seen.add(serial);
    }
    expect(seen.size).toBe(100_000);
  });

  it("encode as a DER INTEGER whose content is the serial's own octets", () => {
    const serial = generateSerialNumber();
    const der = encodeSerialNumber(serial);
    expect(der.subarray(0, 2)).toEqual(Buffer.from([0x02, 16]));
    expect(der.subarray(2).toString("hex")).toBe(serial);
  });

  it("stay positive and non-zero whatever the random source gives", () => {
    expect(generateSerialNumber(() => Buffer.alloc(16, 0xff)).slice(0, 2)).toBe("7f");
    expect(generateSerialNumber(() => Buffer.alloc(16, 0x80)).slice(0, 2)).toBe("40");
    expect(generateSerialNumber(() => Buffer.alloc(16, 0x00)).slice(0, 2)).toBe("40");
  });

  it("encode foreign serials with the sign octet DER needs and without leading zeros", () => {
    expect(encodeSerialNumber("FF")).toEqual(Buffer.from([0x02, 0x02, 0x00, 0xff]));
    expect(encodeSerialNumber("0001")).toEqual(Buffer.from([0x02, 0x01, 0x01]));
    expect(encodeSerialNumber("abc")).toEqual(Buffer.from([0x02, 0x02, 0x0a, 0xbc]));
    expect(normalizeSerialNumber("00ABC")).toBe("0abc");
  });

  it("refuse zero, non-hex and serials longer than 20 octets", () => {
    for (const bad of ["", "00", "xyz", "80".repeat(20), "01".repeat(21)]) {
      expect(gdsErrorOf(() => encodeSerialNumber(bad)).code).toBe("InvalidArgument");
    }
    expect(encodeSerialNumber("7f".repeat(20))).toHaveLength(22);
  });
});

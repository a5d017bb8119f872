import { describe, expect, it } from "vitest";
import { encodeIpAddress, formatIpAddress } from "../../src/ca/ip-address.js";
import { gdsErrorOf } from "./gds-error.js";

describe("iPAddress entries", () => {
  it("encode IPv4 as 4 octets and IPv6 as 16", () => {
    expect(encodeIpAddress("192.0.2.7").toString("hex")).toBe("c0000207");
    expect(encodeIpAddress("2001:db8::7").toString("hex")).toBe("20010db8000000000000000000000007");
    expect(encodeIpAddress("::").toString("hex")).toBe("0".repeat(32));
    expect(encodeIpAddress("::1").toString("hex")).toBe(`${"0".repeat(31)}1`);
    expect(encodeIpAddress("fe80::").toString("hex")).toBe(`fe80${"0".repeat(28)}`);
    expect(encodeIpAddress("::ffff:192.0.2.1").toString("hex")).toBe(
      "00000000000000000000ffffc0000201",
    );
  });

  it("format back in RFC 5952 form", () => {
    for (const text of [
      "192.0.2.7",
      "2001:db8::7",
      "::",
      "::1",
      "fe80::",
      "2001:db8:0:1:1:1:1:1",
    ]) {
      expect(formatIpAddress(encodeIpAddress(text))).toBe(text);
    }
    expect(formatIpAddress(encodeIpAddress("2001:DB8:0:0:1:0:0:1"))).toBe("2001:db8::1:0:0:1");
  });

  it("refuse what is not an address, and zone ids", () => {
    for (const bad of ["", "host", "1.2.3", "256.1.1.1", "fe80::1%eth0", "1::2::3"]) {
      expect(gdsErrorOf(() => encodeIpAddress(bad)).code).toBe("InvalidArgument");
    }
    expect(gdsErrorOf(() => formatIpAddress(Buffer.alloc(5))).code).toBe("InvalidArgument");
  });
});

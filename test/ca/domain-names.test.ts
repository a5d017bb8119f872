import { describe, expect, it } from "vitest";
import { checkDomainNames } from "../../src/ca/domain-names.js";
import { gdsErrorOf } from "./gds-error.js";

const notAHostName = "a DomainName is neither a host name nor an IP address";

describe("checkDomainNames", () => {
  it("sorts host names and IPv4 and IPv6 addresses apart, keeping their order", () => {
    const names = ["plc-01.plant.example", "192.0.2.7", "localhost", "2001:db8::7", "PLC01"];
    expect(checkDomainNames(names)).toEqual({
      dnsNames: ["plc-01.plant.example", "localhost", "PLC01"],
      ipAddresses: ["192.0.2.7", "2001:db8::7"],
    });
    expect(checkDomainNames([])).toEqual({ dnsNames: [], ipAddresses: [] });
  });

  it("drops duplicates: host names without regard to case, addresses by value", () => {
    const names = ["Host.example", "host.EXAMPLE", "2001:db8::1", "2001:DB8:0:0:0:0:0:1"];
    expect(checkDomainNames(names)).toEqual({
      dnsNames: ["Host.example"],
      ipAddresses: ["2001:db8::1"],
    });
  });

  it("accepts labels of 63 characters and names of 253, and nothing longer", () => {
    const longest = ["a".repeat(63), "b".repeat(63), "c".repeat(63), "d".repeat(61)].join(".");
    expect(longest).toHaveLength(253);
    expect(checkDomainNames([longest]).dnsNames).toEqual([longest]);

    for (const name of [`${longest}e`, `${"a".repeat(64)}.example`]) {
      const error = gdsErrorOf(() => checkDomainNames([name]));
      expect([error.code, error.message]).toEqual(["InvalidArgument", notAHostName]);
    }
  });

  it("refuses whatever is neither a host name nor an IP address", () => {
    const refused = [
      "",
      " ",
      "host name",
      " host",
      "host\0.example",
      "opc.tcp://host:4840",
      "http://host",
      "host:4840",
      "[2001:db8::1]",
      "a..b",
      ".host",
      "host.",
      "-host",
      "host-",
      "a.-b",
      "*.plant.example",
      "host_1",
      "hôst",
      "1.2.3",
      "192.0.2.256",
      "fe80::1%eth0",
    ];
    for (const name of refused) {
      const error = gdsErrorOf(() => checkDomainNames(["good.example", name]));
      expect([name, error.code, error.message]).toEqual([name, "InvalidArgument", notAHostName]);
    }
  });

  it("refuses more than 32 DomainNames", () => {
    const names = Array.from({ length: 33 }, (_, index) => `host${index}`);
    expect(checkDomainNames(names.slice(0, 32)).dnsNames).toHaveLength(32);
    expect(gdsErrorOf(() => checkDomainNames(names)).message).toBe("more than 32 DomainNames");
  });
});

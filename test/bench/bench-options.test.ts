import { describe, expect, it } from "vitest";
import { parseBenchOptions, sectionNames } from "../../bench/bench-options.js";

describe("npm run bench options", () => {
  it("runs every section with the full counts when given nothing", () => {
    const options = parseBenchOptions([], {});
    expect(options.sections).toEqual([...sectionNames]);
    expect(options.quick).toBe(false);
    expect(options.counts).toMatchObject({ clients: 8, applications: 100_000,
      revokedEntries: 100_000 });
  });

  it("--quick shrinks the counts and explicit counts still win", () => {
    const options = parseBenchOptions(["--quick", "--clients", "8"], {});
    expect(options.quick).toBe(true);
    expect(options.counts.clients).toBe(8);
    expect(options.counts.applications).toBeLessThan(100_000);
    expect(options.counts.rounds).toBe(1);
  });

  it("--only keeps the run order whatever order the list has", () => {
    expect(parseBenchOptions(["--only", "crl,raw"], {}).sections).toEqual(["raw", "crl"]);
  });

  it("refuses unknown sections, unknown flags and counts that are not whole numbers", () => {
    expect(() => parseBenchOptions(["--only", "raw,speed"], {})).toThrow(/unknown section speed/);
    expect(() => parseBenchOptions(["--fast"], {})).toThrow(/unknown option --fast/);
    expect(() => parseBenchOptions(["--rounds", "2"], {})).toThrow(/unknown option --rounds/);
    expect(() => parseBenchOptions(["--clients", "0"], {})).toThrow(/whole number/);
    expect(() => parseBenchOptions(["--clients", "2.5"], {})).toThrow(/whole number/);
    expect(() => parseBenchOptions(["--only"], {})).toThrow(/value missing/);
  });

  it("logs only when BENCH_LOG is set", () => {
    expect(parseBenchOptions([], {}).verbose).toBe(false);
    expect(parseBenchOptions([], { BENCH_LOG: "1" }).verbose).toBe(true);
  });
});

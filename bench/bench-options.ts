/** The sections `npm run bench` knows, in the order they run. */
export const sectionNames = ["raw", "issue", "e2e", "query", "crl"] as const;
export type SectionName = (typeof sectionNames)[number];

/** Counts of one run: the full run, or the small ones of --quick. */
export interface BenchCounts {
  rounds: number;
  rawSignatures: number;
  opensslSeconds: number;
  issuances: number;
  issuanceConcurrency: number;
  /** Certificates issued one at a time for the phase breakdown. */
  phaseIssuances: number;
  /** Client processes of the end-to-end section, each with one session. */
  clients: number;
  /** Timed enrolments per client process. */
  enrolmentsPerClient: number;
  /** Sessions each client process opens and closes for the session figure. */
  sessionsPerClient: number;
  applications: number;
  revokedEntries: number;
}

export interface BenchOptions {
  quick: boolean;
  sections: SectionName[];
  counts: BenchCounts;
  /** Log lines of the product and of node-opcua on stderr (BENCH_LOG=1); silent otherwise. */
  verbose: boolean;
}

const full: BenchCounts = {
  rounds: 3,
  rawSignatures: 1000,
  opensslSeconds: 3,
  issuances: 800,
  issuanceConcurrency: 8,
  phaseIssuances: 300,
  clients: 8,
  enrolmentsPerClient: 25,
  sessionsPerClient: 5,
  applications: 100_000,
  revokedEntries: 100_000,
};

const quick: BenchCounts = {
  rounds: 1,
  rawSignatures: 200,
  opensslSeconds: 1,
  issuances: 100,
  issuanceConcurrency: 8,
  phaseIssuances: 50,
  clients: 2,
  enrolmentsPerClient: 5,
  sessionsPerClient: 1,
  applications: 2_000,
  revokedEntries: 2_000,
};

const valueFlags = ["--only", "--clients", "--applications", "--revoked"];

export const usage = `usage: npm run bench -- [--quick] [--only ${sectionNames.join(",")}]
  [--clients N] [--applications N] [--revoked N]`;

/**
 * Reads the command line. Counts given explicitly win over --quick, so that
 * `--quick --clients 8` is a short run with the full client count.
 */
export function parseBenchOptions(argv: readonly string[], env = process.env): BenchOptions {
  const isQuick = argv.includes("--quick");
  const counts = { ...(isQuick ? quick : full) };
  let sections: SectionName[] = [...sectionNames];

  for (let index = 0; index < argv.length; index++) {
    const flag = argv[index]!;
    if (flag === "--quick") continue;
    if (!valueFlags.includes(flag)) throw new Error(`unknown option ${flag}`);
    const value = argv[index + 1];
    if (value === undefined || value.startsWith("--")) throw new Error(`${flag}: value missing`);
    index += 1;
    switch (flag) {
      case "--only":
        sections = parseSections(value);
        break;
      case "--clients":
        counts.clients = positive(flag, value, 64);
        break;
      case "--applications":
        counts.applications = positive(flag, value, 10_000_000);
        break;
      case "--revoked":
        counts.revokedEntries = positive(flag, value, 10_000_000);
        break;
    }
  }
  return { quick: isQuick, sections, counts, verbose: Boolean(env.BENCH_LOG) };
}

function parseSections(list: string): SectionName[] {
  const names = list.split(",").map((name) => name.trim()).filter((name) => name !== "");
  for (const name of names) {
    if (!(sectionNames as readonly string[]).includes(name)) {
      throw new Error(`--only: unknown section ${name} (known: ${sectionNames.join(", ")})`);
    }
  }
  if (names.length === 0) throw new Error("--only: no section named");
  // The order of the run stays fixed whatever order the list has.
  return sectionNames.filter((name) => names.includes(name));
}

function positive(flag: string, value: string, max: number): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1 || number > max) {
    throw new Error(`${flag}: expected a whole number from 1 to ${max}, got ${value}`);
  }
  return number;
}

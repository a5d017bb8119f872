import { createHash, createPublicKey } from "node:crypto";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { auditDirectory, auditFiles } from "./audit-files.js";
import { verifyAuditLog, type AuditProblem } from "./audit-verify.js";

export interface AuditVerifyFlags {
  /** The GDS data directory; the trail is in its audit/ folder. "./data" when absent. */
  dataDir?: string;
  /** A copy of audit-key.pem kept away from the data directory, to check against instead. */
  publicKey?: string;
}

/** Printed problems at most; a trail rewritten from the start would otherwise flood a terminal. */
const shownProblems = 50;

/**
 * `security-handler audit verify`: prints a summary and exits 0 when the trail is intact,
 * 1 when it is not or cannot be checked. Needs neither the HSM nor a running GDS.
 */
export async function auditVerifyCommand(flags: AuditVerifyFlags): Promise<void> {
  const code = await runAuditVerify(flags, (text) => process.stdout.write(text));
  // exitCode, not exit(): the CLI's main ends the process in one place, output flushed.
  process.exitCode = code;
}

/** The command's work, with its output and exit code in the caller's hands (tests). */
export async function runAuditVerify(
  flags: AuditVerifyFlags,
  write: (text: string) => void,
): Promise<number> {
  const directory = auditDirectory(resolve(flags.dataDir ?? "./data"));
  const keyPath = flags.publicKey ? resolve(flags.publicKey) : auditFiles(directory).publicKey;

  let pem: string;
  let result;
  try {
    pem = await readFile(keyPath, "utf8");
    result = await verifyAuditLog(directory, pem);
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
    const reason = missing ? `there is no audit key at ${keyPath}` : (error as Error).message;
    write(`audit trail ${directory}: cannot be verified: ${reason}\n`);
    return 1;
  }

  // An operator compares this with the fingerprint noted at installation: a key file
  // replaced together with a re-signed trail verifies, but shows another fingerprint.
  write(`audit key ${keyPath}\n  SHA-256 fingerprint ${fingerprint(pem)}\n`);
  for (const note of result.notes) write(`note: ${note}\n`);
  if (result.ok) {
    write(`audit trail ${directory}: intact, ${result.records} records\n`);
    return 0;
  }

  const count = result.problems.length;
  const problems = count === 1 ? "1 problem" : `${count} problems`;
  write(`audit trail ${directory}: NOT INTACT, ${result.records} records, ${problems}\n`);
  for (const problem of result.problems.slice(0, shownProblems)) {
    write(`  ${where(problem)}${problem.problem}\n`);
  }
  if (count > shownProblems) write(`  … and ${count - shownProblems} more\n`);
  return 1;
}

function where(problem: AuditProblem): string {
  if (problem.seq !== undefined && problem.line !== undefined) {
    return `record ${problem.seq} (line ${problem.line}): `;
  }
  if (problem.seq !== undefined) return `record ${problem.seq}: `;
  if (problem.line !== undefined) return `line ${problem.line}: `;
  return "";
}

function fingerprint(pem: string): string {
  const der = createPublicKey(pem).export({ type: "spki", format: "der" });
  const hex = createHash("sha256").update(der).digest("hex").toUpperCase();
  return hex.match(/../g)!.join(":");
}

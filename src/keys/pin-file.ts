import { randomBytes } from "node:crypto";
import { chmod, readFile, stat, writeFile } from "node:fs/promises";
import type { Logger } from "../log/logger.js";

/**
 * Reads a PIN kept in a file of its own, or undefined when the file does not exist. Trailing
 * whitespace is dropped because editors and `echo` add a newline. Errors name the file, and
 * `setting` when given, never the content.
 */
export async function readPinFile(
  path: string,
  log: Logger,
  setting?: string,
): Promise<string | undefined> {
  const where = setting ? `${path} (${setting})` : path;
  let content: string;
  try {
    content = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new Error(`cannot read the PIN file ${where}`, { cause: error });
  }

  const pin = content.trimEnd();
  if (pin.length === 0) throw new Error(`the PIN file ${where} is empty`);

  const { mode } = await stat(path);
  if ((mode & 0o077) !== 0) {
    log.warn({ path, mode: (mode & 0o777).toString(8) }, "PIN file is readable by other users");
  }
  return pin;
}

/**
 * Writes a fresh random PIN to a new file only its owner may read. Refuses to overwrite: a PIN
 * file that exists belongs to a token that exists.
 */
export async function createPinFile(path: string): Promise<string> {
  // 24 random bytes give 32 characters, inside every PIN length limit SoftHSM knows.
  const pin = randomBytes(24).toString("base64url");
  await writeFile(path, `${pin}\n`, { mode: 0o600, flag: "wx" });
  // The mode given to writeFile passes through the umask; set it exactly.
  await chmod(path, 0o600);
  return pin;
}

import { GdsError } from "../../src/core/errors.js";
import { NedbCollection } from "../../src/store/nedb-collection.js";

/**
 * A child process that writes into the nedb file argv[2] until the file refuses a write, and
 * prints what happened, a line each; run under a file size limit, the failing write is a real
 * partial write, as on a full disk. Failures print the store's error code and the system's.
 *
 * - `inserts`: notes three at a time (so that nedb also writes some of them as one batch):
 *   `stored KEY` or `failed KEY CODES`; then `in memory KEY` for each failed note the
 *   collection still returns, and `retry CODES` for a second try of the first failed one.
 * - `replaces`: one note replaced by ever longer texts: `replaced LENGTH` or
 *   `failed CODES`; then `get CODES` for a read of it afterwards.
 */
const [file, mode] = process.argv.slice(2) as [string, "inserts" | "replaces"];
const notes = await NedbCollection.open<{ text: string }>(file);
/** The store's error code and the first system error code along the causes. */
const codes = (error: unknown) => {
  const gds = error instanceof GdsError ? error.code : "?";
  let cause = (error as { cause?: unknown }).cause;
  while (cause instanceof Error && !("code" in cause)) cause = cause.cause;
  return `${gds} ${(cause as { code?: string } | undefined)?.code}`;
};
const print = (line: string) => process.stdout.write(`${line}\n`);

if (mode === "inserts") {
  const text = "x".repeat(1000);
  const failed: string[] = [];
  for (let round = 0; failed.length === 0; round++) {
    const keys = [0, 1, 2].map((n) => `note${round * 3 + n}`);
    const outcomes = await Promise.allSettled(keys.map((key) => notes.insert(key, { text })));
    outcomes.forEach((outcome, n) => {
      if (outcome.status === "fulfilled") return print(`stored ${keys[n]}`);
      failed.push(keys[n]!);
      print(`failed ${keys[n]} ${codes(outcome.reason)}`);
    });
  }
  for (const key of failed) {
    if (await notes.get(key)) print(`in memory ${key}`);
  }
  await notes.insert(failed[0]!, { text }).then(
    () => print("retry stored"), (error: unknown) => print(`retry ${codes(error)}`));
} else {
  await notes.insert("note", { text: "" });
  for (let length = 1000; ; length += 1000) {
    const replaced = await notes.replace("note", { text: "x".repeat(length) }).then(
      () => true, (error: unknown) => { print(`failed ${codes(error)}`); return false; });
    if (!replaced) break;
    print(`replaced ${length}`);
  }
  await notes.get("note").then(
    () => print("get answered"), (error: unknown) => print(`get ${codes(error)}`));
}
await notes.close();

import { stat } from "node:fs/promises";
import { GdsError } from "../../src/core/errors.js";
import { NedbCollection } from "../../src/store/nedb-collection.js";

/**
 * A child process that writes into the nedb file argv[2] until the file refuses a write, and
 * prints what happened, a line each; run under a file size limit of 8 KiB (`ulimit -f 16`, in
 * blocks of 512 bytes), the failing write is a real partial write, as on a full disk.
 * Outcomes print as `ok`, or as the store's error code and the first system error code along
 * the causes.
 *
 * - `inserts`: notes three at a time (so that nedb also writes some of them as one batch):
 *   `stored KEY` or `failed KEY CODES`; then `get CODES` for a read of the first failed one and
 *   `retry CODES` for a second try of it.
 * - `replaces`: one note replaced by ever longer texts: `replaced LENGTH` or `failed CODES`;
 *   then `get CODES` for a read of it.
 * - `queued`: notes until the file nearly fills, then a replace too big for what is left,
 *   with a small replace and a read queued behind it: `big CODES`, `small CODES`, `get CODES`.
 */
const [file, mode] = process.argv.slice(2) as [string, "inserts" | "replaces" | "queued"];
const notes = await NedbCollection.open<{ text: string }>(file);
const print = (line: string) => process.stdout.write(`${line}\n`);
const outcome = (operation: Promise<unknown>) => operation.then(() => "ok", codes);

function codes(error: unknown): string {
  const gds = error instanceof GdsError ? error.code : "?";
  let cause = (error as { cause?: unknown }).cause;
  while (cause instanceof Error && !("code" in cause)) cause = cause.cause;
  return `${gds} ${(cause as { code?: string } | undefined)?.code}`;
}

if (mode === "inserts") {
  const text = "x".repeat(1000);
  const failed: string[] = [];
  for (let round = 0; failed.length === 0; round++) {
    const keys = [0, 1, 2].map((n) => `note${round * 3 + n}`);
    const outcomes = await Promise.all(keys.map((key) => outcome(notes.insert(key, { text }))));
    outcomes.forEach((result, n) => {
      if (result === "ok") return print(`stored ${keys[n]}`);
      failed.push(keys[n]!);
      print(`failed ${keys[n]} ${result}`);
    });
  }
  print(`get ${await outcome(notes.get(failed[0]!))}`);
  print(`retry ${await outcome(notes.insert(failed[0]!, { text }))}`);
} else if (mode === "replaces") {
  await notes.insert("note", { text: "" });
  for (let length = 1000; ; length += 1000) {
    const result = await outcome(notes.replace("note", { text: "x".repeat(length) }));
    if (result !== "ok") {
      print(`failed ${result}`);
      break;
    }
    print(`replaced ${length}`);
  }
  print(`get ${await outcome(notes.get("note"))}`);
} else {
  for (let n = 0; (await stat(file)).size < 5_500; n++) {
    await notes.insert(`note${n}`, { text: "x".repeat(1000) });
  }
  const [big, small, get] = await Promise.all([
    outcome(notes.replace("note0", { text: "y".repeat(3000) })),
    outcome(notes.replace("note1", { text: "small" })),
    outcome(notes.get("note0")),
  ]);
  print(`big ${big}`);
  print(`small ${small}`);
  print(`get ${get}`);
}
await notes.close();

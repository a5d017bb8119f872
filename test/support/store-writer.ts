import { GdsError } from "../../src/core/errors.js";
import { NedbCollection } from "../../src/store/nedb-collection.js";

/**
 * A child process that inserts notes into the nedb file argv[2], three at a time (so that
 * nedb also writes some of them as one batch), until a round has a failure. It prints a line
 * per insert: `stored KEY`, or `failed KEY CODE` with the store's error code and the system's;
 * then `in memory KEY` for each failed note the collection still returns, and `retry ...` for
 * a second try of the first failed one. Run under a file size limit, the failing write is a
 * real partial write, as on a full disk.
 */
const notes = await NedbCollection.open<{ text: string }>(process.argv[2]!);
const text = "x".repeat(1000);
const codes = (error: unknown) => {
  const gds = error instanceof GdsError ? error.code : "?";
  return `${gds} ${(error as { cause?: { code?: string } }).cause?.code}`;
};

const failed: string[] = [];
for (let round = 0; failed.length === 0; round++) {
  const keys = [0, 1, 2].map((n) => `note${round * 3 + n}`);
  const outcomes = await Promise.allSettled(keys.map((key) => notes.insert(key, { text })));
  outcomes.forEach((outcome, n) => {
    if (outcome.status === "fulfilled") {
      process.stdout.write(`stored ${keys[n]}\n`);
    } else {
      failed.push(keys[n]!);
      process.stdout.write(`failed ${keys[n]} ${codes(outcome.reason)}\n`);
    }
  });
}
for (const key of failed) {
  if (await notes.get(key)) process.stdout.write(`in memory ${key}\n`);
}
await notes.insert(failed[0]!, { text }).then(
  () => process.stdout.write("retry stored\n"),
  (error: unknown) => process.stdout.write(`retry ${codes(error)}\n`));
await notes.close();

import { NedbCollection } from "../../src/store/nedb-collection.js";

/**
 * A child process that inserts notes into the nedb file argv[2] until an insert fails, and
 * prints the key of each insert that succeeded; run under a file size limit, the failing
 * write is a real partial write, as on a full disk.
 */
const notes = await NedbCollection.open<{ text: string }>(process.argv[2]!);
const text = "x".repeat(1000);
for (let n = 0; ; n++) {
  try {
    await notes.insert(`note${n}`, { text });
  } catch (error) {
    const code = (error as { cause?: { code?: string } }).cause?.code;
    process.stdout.write(`failed ${code}\n`);
    break;
  }
  process.stdout.write(`stored note${n}\n`);
}
await notes.close();

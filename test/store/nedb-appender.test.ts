import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { NedbCollection } from "../../src/store/nedb-collection.js";

interface Note {
  text: string;
  at?: Date;
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "sh-appender-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const lines = async (file: string) =>
  (await readFile(file, "utf8")).split("\n").filter((line) => line.length > 0);

describe("nedb appends through a kept-open file", () => {
  it("writes lines nedb itself reads back, for inserts, replaces and removes", async () => {
    const file = join(dir, "notes.db");
    const notes = await NedbCollection.open<Note>(file, ["text"]);
    const at = new Date("2026-01-02T03:04:05.678Z");
    await Promise.all(["a", "b", "c"].map((key) => notes.insert(key, { text: key, at })));
    expect(await notes.replace("b", { text: "B" })).toBe(true);
    expect(await notes.remove("c")).toBe(true);
    await notes.close();

    // Three inserts, a replace and a removal: every change is a line of its own.
    const written = await lines(file);
    expect(written.filter((line) => !line.includes("$$indexCreated"))).toHaveLength(5);
    expect(written).toContain(JSON.stringify({ text: "a", at: { $$date: at.getTime() }, _id: "a" }));

    const again = await NedbCollection.open<Note>(file, ["text"]);
    expect(await again.find({}, { text: 1 })).toEqual([{ text: "B" }, { text: "a", at }]);
    await again.close();
  });

  it("keeps appending to the live file after nedb has compacted it", async () => {
    const file = join(dir, "notes.db");
    const notes = await NedbCollection.open<Note>(file);
    await notes.insert("one", { text: "1" });
    await notes.replace("one", { text: "1 again" });
    expect(await lines(file)).toHaveLength(2);

    // A compaction writes the file anew and renames it over the old one; a handle left open
    // would go on writing into the replaced file, and what it wrote would be lost. The store
    // compacts only when it loads, so the test asks nedb itself.
    type Wrapped = { db: { __original: { compactDatafileAsync(): Promise<void> } } };
    await (notes as unknown as Wrapped).db.__original.compactDatafileAsync();
    expect(await lines(file)).toHaveLength(1);
    await notes.insert("two", { text: "2" });
    await notes.close();
    expect(await lines(file)).toHaveLength(2);

    const again = await NedbCollection.open<Note>(file);
    expect(await again.find({}, { text: 1 })).toEqual([{ text: "1 again" }, { text: "2" }]);
    await again.close();
  });

  it("opens the file again for appends after close", async () => {
    const file = join(dir, "notes.db");
    const notes = await NedbCollection.open<Note>(file);
    await notes.insert("before", { text: "before" });
    await notes.close();
    await notes.insert("after", { text: "after" });
    await notes.close();

    const again = await NedbCollection.open<Note>(file);
    expect(await again.count()).toBe(2);
    await again.close();
  });

  it("cuts off what a write that failed part way left, so the file still loads", async () => {
    const file = join(dir, "notes.db");
    // A file size limit makes the kernel write part of an append and then refuse the rest
    // (EFBIG), the same partial write a full disk makes (ENOSPC).
    const writer = join(import.meta.dirname, "../support/store-writer.ts");
    const { stdout } = await promisify(execFile)("/bin/sh",
      ["-c", 'ulimit -f 16 && exec "$@"', "sh", process.execPath, "--import", "tsx", writer, file]);
    const output = stdout.trim().split("\n");
    expect(output.at(-1)).toBe("failed EFBIG");
    const stored = output.filter((line) => line.startsWith("stored ")).map((line) => line.slice(7));
    expect(stored.length).toBeGreaterThan(0);

    // A torn last line would stop the load (the store tolerates no unreadable line), and the
    // next append would be glued to it.
    const again = await NedbCollection.open<Note>(file);
    await again.insert("after", { text: "after" });
    await again.close();
    const reloaded = await NedbCollection.open<Note>(file);
    expect((await reloaded.find({})).length).toBe(stored.length + 1);
    await reloaded.close();
  });
});

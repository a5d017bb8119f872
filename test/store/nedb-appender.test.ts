import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, readlink, rm } from "node:fs/promises";
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

/** This process's file descriptors open on `file`. */
async function openDescriptorsOn(file: string): Promise<number> {
  const descriptors = await readdir("/proc/self/fd");
  const targets = await Promise.all(descriptors.map((fd) =>
    readlink(join("/proc/self/fd", fd)).catch(() => "")));
  return targets.filter((target) => target === file).length;
}

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
    const nedbLine = { text: "a", at: { $$date: at.getTime() }, _id: "a" };
    expect(written).toContain(JSON.stringify(nedbLine));

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

  it("writes what was asked for before close, then refuses writes and holds no file", async () => {
    const file = join(dir, "notes.db");
    const notes = await NedbCollection.open<Note>(file);
    await notes.insert("counter", { text: "0" });
    // Asked for and not awaited: nedb still has them queued when close is called.
    const writes = Array.from({ length: 200 }, (_, n) =>
      notes.replace("counter", { text: String(n + 1) }));
    await notes.close();
    await Promise.all(writes);

    await expect(notes.insert("late", { text: "late" })).rejects.toThrow();
    expect(await openDescriptorsOn(file)).toBe(0);

    const again = await NedbCollection.open<Note>(file);
    expect(await again.find({})).toEqual([{ text: "200" }]);
    await again.close();
  });

  it("cuts off what a write that failed part way left, so the file still loads", async () => {
    const file = join(dir, "notes.db");
    const output = await writeUntilRefused(file, "inserts");
    const stored = output.filter((line) => line.startsWith("stored ")).map((line) => line.slice(7));
    const failed = output.filter((line) => line.startsWith("failed "));
    expect(stored.length).toBeGreaterThan(0);
    expect(failed.length).toBeGreaterThan(0);
    for (const line of failed) expect(line).toMatch(/ Internal EFBIG$/);

    // nedb holds the failed notes in memory: the collection serves nothing more, and a
    // second try is refused for the file, not as a duplicate of a note never written.
    expect(output.slice(-2)).toEqual(["get InvalidState EFBIG", "retry InvalidState EFBIG"]);

    // A torn last line would stop the load (the store tolerates no unreadable line), and the
    // next append would be glued to it.
    const again = await NedbCollection.open<Note>(file);
    await again.insert("after", { text: "after" });
    await again.close();
    const reloaded = await NedbCollection.open<Note>(file);
    expect((await reloaded.find({})).length).toBe(stored.length + 1);
    await reloaded.close();
  });

  it("stops serving a collection whose change the file refused, until a restart", async () => {
    const file = join(dir, "notes.db");
    const output = await writeUntilRefused(file, "replaces");
    const replaced = output.filter((line) => line.startsWith("replaced "));
    expect(replaced.length).toBeGreaterThan(0);
    expect(output.at(-2)).toBe("failed Internal EFBIG");
    // nedb changed its memory before the file refused the change: reading it would show a
    // state the next start does not have.
    expect(output.at(-1)).toBe("get InvalidState EFBIG");

    const again = await NedbCollection.open<Note>(file);
    const length = Number(replaced.at(-1)!.slice("replaced ".length));
    expect((await again.get("note"))?.text.length).toBe(length);
    await again.close();
  });

  it("writes nothing and serves nothing queued behind a write the file refused", async () => {
    const file = join(dir, "notes.db");
    const output = await writeUntilRefused(file, "queued");
    // The small replace would fit, but it ran on memory that held the big one: it is refused
    // too, and the read queued behind both is not answered from that memory.
    expect(output).toEqual(["big Internal EFBIG", "small Internal EFBIG",
      "get InvalidState EFBIG"]);

    const again = await NedbCollection.open<Note>(file);
    const [first, second] = [await again.get("note0"), await again.get("note1")];
    expect([first?.text.length, second?.text.length]).toEqual([1000, 1000]);
    await again.close();
  });

  it("keeps serving, and keeps every record, when nedb refuses a record it cannot store",
    async () => {
    const file = join(dir, "notes.db");
    const notes = await NedbCollection.open<Note>(file);
    await notes.insert("kept", { text: "kept" });
    // nedb refuses field names with a dot before it touches memory or the file.
    const unstorable = { text: "x", "a.b": 1 } as unknown as Note;
    await expect(notes.insert("kept", unstorable)).rejects.toThrow();
    await expect(notes.insert("other", unstorable)).rejects.toThrow();
    await expect(notes.replace("kept", unstorable)).rejects.toThrow();

    expect(await notes.find({}, { text: 1 })).toEqual([{ text: "kept" }]);
    await notes.insert("after", { text: "after" });
    await notes.close();
    const again = await NedbCollection.open<Note>(file);
    expect(await again.find({}, { text: 1 })).toEqual([{ text: "after" }, { text: "kept" }]);
    await again.close();
  });
});

/**
 * Runs test/support/store-writer.ts on `file` under a file size limit, which makes the kernel
 * write part of an append and then refuse the rest (EFBIG), the same partial write a full disk
 * makes (ENOSPC); answers its output lines.
 */
async function writeUntilRefused(
  file: string,
  mode: "inserts" | "replaces" | "queued",
): Promise<string[]> {
  const writer = join(import.meta.dirname, "../support/store-writer.ts");
  const { stdout } = await promisify(execFile)("/bin/sh", ["-c", 'ulimit -f 16 && exec "$@"',
    "sh", process.execPath, "--import", "tsx", writer, file, mode]);
  return stdout.trim().split("\n");
}

import { serialize } from "@seald-io/nedb/lib/model.js";
import { open, type FileHandle } from "node:fs/promises";
import { GdsError } from "../core/errors.js";

/**
 * The file refused an append: nedb has changed its memory already (it does before writing),
 * which a caller must know apart from a change nedb refused before touching anything.
 */
export class StoreFileError extends Error {
  constructor(filename: string, cause: unknown) {
    super(`appending to ${filename} failed`, { cause });
    this.name = "StoreFileError";
  }
}

/** The two persistence steps of an @seald-io/nedb datastore that touch its file. */
export interface NedbPersistence {
  persistNewStateAsync(documents: object[]): Promise<void>;
  persistCachedDatabaseAsync(): Promise<void>;
}

/**
 * Appends a datastore's new lines through one file handle kept open between writes.
 *
 * nedb appends each write with `fs.appendFile`: an open, a write and a close, each a trip
 * through libuv's thread pool, so a certificate insert waited three times as long for the
 * file as its one write takes, and inserts queue behind one another in nedb. Here the lines
 * are the same (nedb's own serializer) and go out in one write.
 *
 * nedb rewrites the file when it compacts it (at every load) and renames the new file over
 * the old one, so the handle is closed before each compaction and opened again on the next
 * append; both steps run in nedb's queue, never during a write. Like nedb's own append, the
 * write is not flushed to the disk.
 *
 * nedb offers no way to plug in its storage, so this replaces two methods of its Persistence
 * object and borrows its serializer: a dependency on nedb's inside, which is why
 * @seald-io/nedb is pinned, and why test/store/nedb-appender.test.ts holds the lines written
 * to what nedb reads back, and the handle to compactions.
 */
export class KeptOpenAppender {
  private handle?: Promise<FileHandle>;
  /** The file's length after the last complete append, while the handle is open. */
  private length?: number;
  /** Where the file must be cut back to before the next append: a failed write left a tail. */
  private tornAt?: number;
  private closed = false;

  private constructor(private readonly filename: string, private readonly mode: number) {}

  /** Takes over the datastore's appends to `filename`; call before the datastore loads. */
  static attach(persistence: NedbPersistence, filename: string, mode = 0o644): KeptOpenAppender {
    const appender = new KeptOpenAppender(filename, mode);
    const compact = persistence.persistCachedDatabaseAsync.bind(persistence);
    persistence.persistNewStateAsync = (documents) => appender.append(documents);
    persistence.persistCachedDatabaseAsync = async () => {
      await appender.release();
      await compact();
      // The file is written anew from memory: a torn tail of the old one is gone with it.
      appender.tornAt = undefined;
    };
    return appender;
  }

  private async append(documents: object[]): Promise<void> {
    // A write after close would open the file again and keep it open, and after a restart in
    // the same process (tests do that) the next load would rename a new file over it.
    if (this.closed) throw new GdsError("InvalidState", "the store is closed");
    let text = "";
    for (const document of documents) text += serialize(document) + "\n";
    if (text.length === 0) return;

    this.handle ??= open(this.filename, "a", this.mode);
    let handle: FileHandle | undefined;
    try {
      handle = await this.handle;
      if (this.tornAt !== undefined) {
        await handle.truncate(this.tornAt);
        this.tornAt = undefined;
      }
      this.length ??= (await handle.stat()).size;
      // writeFile on a handle opened for appending writes at the end and retries short writes.
      await handle.writeFile(text, "utf8");
      this.length += Buffer.byteLength(text, "utf8");
    } catch (error) {
      // A write that fails part way (a full disk) leaves a torn line, which would stop the
      // next load and swallow the next append: cut it off now, or before the next append.
      if (handle && this.length !== undefined) {
        this.tornAt = this.length;
        await handle.truncate(this.length).then(() => { this.tornAt = undefined; },
          () => undefined);
      }
      // The next append starts from a fresh open, whatever went wrong with this handle.
      await this.release();
      throw new StoreFileError(this.filename, error);
    }
  }

  /** Closes the file for good: later appends fail. */
  async close(): Promise<void> {
    this.closed = true;
    await this.release();
  }

  /** Closes the file; the next append opens it again. */
  private async release(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    this.length = undefined;
    await handle?.then((opened) => opened.close(), () => undefined);
  }
}

import { serialize } from "@seald-io/nedb/lib/model.js";
import { open, type FileHandle } from "node:fs/promises";
import { GdsError } from "../core/errors.js";

/**
 * The file refused an append. nedb has changed its memory already (it does before writing),
 * so memory is ahead of the file from then on; a caller must know this apart from a change
 * nedb refused before touching anything.
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
 * The first append the file refuses (a full disk) ends all appending: nedb has changed its
 * memory for it, and every operation already queued behind it would build on that change,
 * so nothing after it may reach the file. `refusal` tells the owner, which serves nothing
 * more until a restart reads the file again; a torn line the failed write left is cut off.
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
  /** Where the file must be cut back to: a failed write left a tail, and cutting it failed. */
  private tornAt?: number;
  private closed = false;
  private refused?: StoreFileError;

  private constructor(private readonly filename: string, private readonly mode: number) {}

  /** The append the file refused, if any: known before nedb runs its next operation. */
  get refusal(): StoreFileError | undefined {
    return this.refused;
  }

  /** Takes over the datastore's appends to `filename`; call before the datastore loads. */
  static attach(persistence: NedbPersistence, filename: string, mode = 0o644): KeptOpenAppender {
    const appender = new KeptOpenAppender(filename, mode);
    const compact = persistence.persistCachedDatabaseAsync.bind(persistence);
    persistence.persistNewStateAsync = (documents) => appender.append(documents);
    persistence.persistCachedDatabaseAsync = async () => {
      await appender.release();
      await compact();
    };
    return appender;
  }

  private async append(documents: object[]): Promise<void> {
    if (this.refused) throw this.refused;
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
      this.length ??= (await handle.stat()).size;
      // writeFile on a handle opened for appending writes at the end and retries short writes.
      await handle.writeFile(text, "utf8");
      this.length += Buffer.byteLength(text, "utf8");
    } catch (error) {
      this.refused = new StoreFileError(this.filename, error);
      // A write that fails part way leaves a torn line, which would stop the next load.
      const length = this.length;
      if (handle && length !== undefined) {
        await handle.truncate(length).catch(() => { this.tornAt = length; });
      }
      await this.release();
      throw this.refused;
    }
  }

  /** Closes the file for good: later appends fail. A torn tail still there is cut again. */
  async close(): Promise<void> {
    this.closed = true;
    await this.release();
    if (this.tornAt === undefined) return;
    const file = await open(this.filename, "r+").catch(() => undefined);
    await file?.truncate(this.tornAt).catch(() => undefined);
    await file?.close();
  }

  /** Closes the file; the next append opens it again. */
  private async release(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    this.length = undefined;
    await handle?.then((opened) => opened.close(), () => undefined);
  }
}

import { basename } from "node:path";
import Datastore from "nedb-promises";
import { GdsError } from "../core/errors.js";
import { KeptOpenAppender, StoreFileError, type NedbPersistence } from "./nedb-appender.js";

/**
 * One nedb datastore holding one record kind, keyed by a natural key stored as nedb's _id.
 * Without a filename the collection lives in memory only; the same code then serves as the
 * memory store, so both run the same contract tests.
 */
export class NedbCollection<T extends object> {
  private readonly db: Datastore<T & { _id: string }>;

  private readonly queuedInserts: QueuedInsert<T>[] = [];
  private inserting?: Promise<void>;
  private closing = false;

  private constructor(
    db: Datastore<T & { _id: string }>,
    private readonly appender: KeptOpenAppender | undefined,
    private readonly name: string,
  ) {
    this.db = db;
  }

  static async open<T extends object>(
    filename: string | undefined,
    uniqueFields: string[] = [],
    indexedFields: string[] = [],
  ): Promise<NedbCollection<T>> {
    // No tolerance for unreadable lines: nedb would drop up to 10% of a file silently, and a
    // dropped certificate or revocation is a security fault, not a nuisance.
    const db = Datastore.create(
      filename ? { filename, autoload: false, corruptAlertThreshold: 0 } : { inMemoryOnly: true },
    ) as unknown as Datastore<T & { _id: string }>;
    const appender = filename
      ? KeptOpenAppender.attach((db as unknown as NedbInternals).persistence, filename)
      : undefined;
    try {
      await db.load();
    } catch (error) {
      const corrupt = (error as { corruptItems?: number }).corruptItems;
      if (corrupt === undefined) throw error;
      throw new GdsError("InvalidState", `the store file ${filename} has ${corrupt} unreadable `
        + "line(s); restore it from a backup, or remove the damaged line if it is a torn last "
        + "line from a crash", error);
    }
    for (const fieldName of uniqueFields) await db.ensureIndex({ fieldName, unique: true });
    for (const fieldName of indexedFields) await db.ensureIndex({ fieldName });
    return new NedbCollection<T>(db, appender, filename ? basename(filename) : "memory");
  }

  /** Lets the operations already asked for finish, then closes the file; later ones fail. */
  async close(): Promise<void> {
    this.closing = true;
    await this.inserting;
    // nedb runs operations one at a time in the order they came: once a read asked for now
    // has run, every write asked for before it has been written.
    await this.db.findOne({ _id: "" } as never);
    await this.appender?.close();
  }

  /**
   * Inserts issued while one insert is being written go to the file together: nedb appends
   * an array of documents in one write, where it would otherwise write once per document, one
   * document at a time. Each caller still learns its own outcome.
   */
  async insert(key: string, record: T): Promise<void> {
    this.usable();
    return new Promise((resolve, reject) => {
      this.queuedInserts.push({ document: { ...record, _id: key }, resolve, reject });
      this.inserting ??= this.writeQueuedInserts();
    });
  }

  private async writeQueuedInserts(): Promise<void> {
    while (this.queuedInserts.length > 0) {
      const batch = this.queuedInserts.splice(0, this.queuedInserts.length);
      try {
        await this.db.insert(batch.map((item) => item.document));
        for (const item of batch) item.resolve();
      } catch (error) {
        // A refused write stops the collection (see usable), so nothing is retried then.
        if (batch.length === 1 || error instanceof StoreFileError) {
          for (const item of batch) item.reject(storeError(error));
          continue;
        }
        // nedb inserts an array all or nothing: one duplicate key fails the batch, so retry
        // one at a time and fail only the documents that are at fault.
        for (const item of batch) {
          await this.db.insert(item.document)
            .then(() => item.resolve(), (single: unknown) => item.reject(storeError(single)));
        }
      }
    }
    this.inserting = undefined;
  }

  async replace(key: string, record: T): Promise<boolean> {
    const replaced = await this.change(() =>
      this.db.update({ _id: key } as never, { ...record, _id: key }));
    return replaced === 1;
  }

  async upsert(key: string, record: T): Promise<void> {
    await this.change(() =>
      this.db.update({ _id: key } as never, { ...record, _id: key }, { upsert: true }));
  }

  /** Runs a change other than an insert. */
  private async change<R>(operation: () => Promise<R>): Promise<R> {
    this.usable();
    try {
      return await operation();
    } catch (error) {
      throw storeError(error);
    }
  }

  /**
   * Refuses every operation once closing, and once the file has refused a write: nedb changes
   * its memory before it writes the file, so memory is then ahead of the file, and serving it
   * would hand out state that a restart takes back (a revocation in a CRL that the next CRL
   * leaves out). The appender stops all writing at that moment, before nedb runs the next
   * operation; reads check again once answered, since one queued before the failure may run
   * after it. A restart reads the file again.
   */
  private usable(): void {
    if (this.closing) throw new GdsError("InvalidState", "the store is closed");
    const refusal = this.appender?.refusal;
    if (refusal) {
      throw new GdsError("InvalidState", `the store could not write ${this.name}; restart the `
        + "GDS once the cause (a full disk?) is fixed", refusal);
    }
  }

  /** A read, checked again once answered: a failure may have come while it waited its turn. */
  private async read<R>(operation: () => PromiseLike<R>): Promise<R> {
    this.usable();
    const answer = await operation();
    this.usable();
    return answer;
  }

  async get(key: string): Promise<T | undefined> {
    const found = await this.read(() => this.db.findOne({ _id: key } as never));
    return found ? strip(found) : undefined;
  }

  async find(
    query: Partial<Record<keyof T, unknown>>,
    sort?: object,
    limit?: number,
  ): Promise<T[]> {
    let cursor = this.db.find(query as never);
    if (sort) cursor = cursor.sort(sort);
    if (limit !== undefined) cursor = cursor.limit(limit);
    return (await this.read(() => cursor)).map(strip);
  }

  async remove(key: string): Promise<boolean> {
    return (await this.change(() => this.db.remove({ _id: key } as never, {}))) === 1;
  }

  async count(query: object = {}): Promise<number> {
    return this.read(() => this.db.count(query as never));
  }

  /** A sparse index leaves out documents without the field, so a unique one allows many. */
  async index(fieldName: string, options: { unique?: boolean; sparse?: boolean }): Promise<void> {
    await this.db.ensureIndex({ fieldName, ...options });
  }

  /** Adds 1 to a numeric field in one step of nedb's queue; undefined when no such document. */
  async increment(key: string, fieldName: keyof T & string): Promise<number | undefined> {
    const update = { $inc: { [fieldName]: 1 } };
    const updated = await this.change(() => this.db.update({ _id: key } as never,
      update as never, { returnUpdatedDocs: true })) as unknown as Record<string, unknown> | null;
    return typeof updated?.[fieldName] === "number" ? updated[fieldName] : undefined;
  }

  /**
   * Documents whose indexed numeric field lies in [from, until] and that satisfy `where`, in
   * ascending order. Each read takes one window of field values from the index and copies at
   * most `batchSize` matches; windows widen over sparse stretches (gaps, rare matches) so that
   * a scan of the whole collection takes few reads.
   */
  async *scanAscending(
    fieldName: keyof T & string,
    range: { from: number; until: number },
    where: (document: T) => boolean,
    batchSize: number,
  ): AsyncGenerator<T> {
    const maxWidth = Math.max(batchSize, 16_384);
    let start = range.from;
    let width = batchSize;
    while (start <= range.until) {
      const query = {
        [fieldName]: { $gte: start, $lt: start + width },
        $where(this: T) { return where(this); },
      };
      const found = await this.read(() =>
        this.db.find(query as never).sort({ [fieldName]: 1 }).limit(batchSize));
      for (const document of found) yield strip(document);

      if (found.length === batchSize) {
        start = (found.at(-1)![fieldName] as number) + 1;
        width = batchSize;
      } else {
        start += width;
        if (found.length < batchSize / 2) width = Math.min(width * 2, maxWidth);
      }
    }
  }
}

function strip<T extends object>(document: T & { _id: string }): T {
  const { _id, ...record } = document;
  return record as unknown as T;
}

/** nedb-promises hands through to the @seald-io/nedb datastore it wraps. */
interface NedbInternals {
  persistence: NedbPersistence;
}

interface QueuedInsert<T> {
  document: T & { _id: string };
  resolve(): void;
  reject(error: unknown): void;
}

function isUniqueViolation(error: unknown): boolean {
  return (error as { errorType?: string }).errorType === "uniqueViolated";
}

function storeError(error: unknown): GdsError {
  if (isUniqueViolation(error)) {
    return new GdsError("EntryExists", "an entry with this key already exists", error);
  }
  return new GdsError("Internal", "store failure", error);
}

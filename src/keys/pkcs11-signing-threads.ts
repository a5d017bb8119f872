import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { GdsError } from "../core/errors.js";
import { handleToNumber, type Handle } from "./pkcs11-module.js";

/**
 * One thread per core (at least two): a token that signs on this machine's CPUs (SoftHSM) gains
 * nothing from more, and loses to their contention. A token that signs elsewhere (a network
 * HSM, where C_Sign mostly waits) wants as many as it has sessions: `hsm.signingThreads`.
 */
export function defaultSigningThreads(): number {
  return Math.max(2, availableParallelism());
}

interface Pending {
  resolve(signature: Buffer): void;
  reject(error: unknown): void;
}

interface SigningThread {
  worker: Worker;
  pending: Map<number, Pending>;
}

interface Reply {
  id: number;
  signature?: Uint8Array;
  error?: string;
}

/**
 * Threads that sign in the token, each running C_SignInit and C_Sign itself for the sessions
 * assigned to it. SoftHSM's C_SignInit rebuilds the private key from its encrypted attributes,
 * a third of a signature's work, and pkcs11js runs it synchronously: on the event loop it held
 * up every OPC UA and HTTP request for that long per signature. A thread starts on its first
 * signature and holds the process open only while it has work.
 */
export class SigningThreads {
  private readonly threads = new Map<number, SigningThread>();
  private readonly bySession = new Map<number, number>();
  private nextId = 0;

  /**
   * @param count threads at most; sessions beyond it share threads. A thread is busy for the
   *   whole of C_Sign, one signature at a time.
   */
  constructor(
    private readonly modulePath: string,
    private readonly count = defaultSigningThreads(),
  ) {}

  /** A SHA-256 RSA PKCS#1 v1.5 signature by `key`, made in `session` (lent to the caller). */
  sign(session: Handle, key: Handle, data: Buffer, length: number): Promise<Buffer> {
    const thread = this.threadOf(session);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (thread.pending.size === 0) thread.worker.ref();
      thread.pending.set(id, { resolve, reject });
      thread.worker.postMessage({ id, session, key, data, length });
    });
  }

  /** Ends every thread; the caller has let running signatures finish first. */
  async close(): Promise<void> {
    const threads = [...this.threads.values()];
    this.threads.clear();
    await Promise.all(threads.map((thread) => thread.worker.terminate()));
  }

  private threadOf(session: Handle): SigningThread {
    const key = this.threadIndex(session);
    const existing = this.threads.get(key);
    if (existing) return existing;

    const worker = new Worker(new URL("./pkcs11-sign-thread.mjs", import.meta.url), {
      workerData: { modulePath: this.modulePath },
    });
    worker.unref();
    const thread: SigningThread = { worker, pending: new Map() };
    worker.on("message", (reply: Reply) => this.settle(thread, reply));
    // A thread that fails to start or dies fails its signatures; the next one starts anew.
    const fail = (cause: unknown) => {
      if (this.threads.get(key) === thread) this.threads.delete(key);
      for (const pending of thread.pending.values()) {
        pending.reject(new GdsError("Internal", "HSM signing failed", cause));
      }
      thread.pending.clear();
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`signing thread exited with code ${code}`)));
    this.threads.set(key, thread);
    return thread;
  }

  private threadIndex(session: Handle): number {
    const sessionNumber = handleToNumber(session);
    let index = this.bySession.get(sessionNumber);
    if (index === undefined) {
      index = this.bySession.size % this.count;
      this.bySession.set(sessionNumber, index);
    }
    return index;
  }

  private settle(thread: SigningThread, reply: Reply): void {
    const pending = thread.pending.get(reply.id);
    if (!pending) return;
    thread.pending.delete(reply.id);
    if (thread.pending.size === 0) thread.worker.unref();
    if (reply.signature) {
      pending.resolve(Buffer.from(reply.signature.buffer, reply.signature.byteOffset,
        reply.signature.byteLength));
    } else {
      pending.reject(new GdsError("Internal", "HSM signing failed", new Error(reply.error)));
    }
  }
}

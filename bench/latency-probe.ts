import type { Signer } from "../src/keys/signer.js";
import type { GdsStore } from "../src/store/store.js";

/**
 * Mean wall time of the calls the CA makes to its signer and its store, as the CA sees them
 * while requests run concurrently: waiting for an HSM session or for nedb's queue included.
 */
export class LatencyProbe {
  private readonly totals = new Map<string, { ms: number; calls: number }>();
  private recording = false;

  wrap<A extends unknown[], R>(name: string, call: (...args: A) => Promise<R>) {
    return async (...args: A): Promise<R> => {
      const started = performance.now();
      try {
        return await call(...args);
      } finally {
        if (this.recording) {
          const total = this.totals.get(name) ?? { ms: 0, calls: 0 };
          total.ms += performance.now() - started;
          total.calls += 1;
          this.totals.set(name, total);
        }
      }
    };
  }

  signer(signer: Signer): Signer {
    return {
      publicKeyInfo: signer.publicKeyInfo,
      signatureAlgorithm: signer.signatureAlgorithm,
      sign: this.wrap("signer.sign", (data: Uint8Array) => signer.sign(data)),
    };
  }

  store(store: GdsStore): GdsStore {
    const { certificates } = store;
    const insert = this.wrap("store certificates.insert",
      (record: Parameters<typeof certificates.insert>[0]) => certificates.insert(record));
    return { ...store, certificates: { ...certificates, insert } };
  }

  /** Records from now on only. */
  start(): void {
    this.totals.clear();
    this.recording = true;
  }

  /** Mean milliseconds per call, by name. */
  means(): Record<string, number> {
    this.recording = false;
    return Object.fromEntries([...this.totals].map(([name, t]) => [name, t.ms / t.calls]));
  }
}

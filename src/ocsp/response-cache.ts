/** A signed answer about one CertID, without nonce, and when it must be renewed. */
export interface CachedResponse {
  der: Buffer;
  /** Milliseconds since the epoch, as every time here. */
  producedAt: number;
  nextUpdate: number;
  /** Served until then without question; after it, served while a new one is signed. */
  refreshAt: number;
  serialNumber: string | undefined;
  /** good or unknown: what a revocation makes wrong. */
  good: boolean;
  /** Set when a revocation made the answer wrong; entries are shared by both maps. */
  stale: boolean;
  /** Revocation generation at the start of signing. */
  generation: number;
}

/** Each map holds at most this many answers; the oldest go first. */
const maxEntries = 100_000;

/**
 * Signed OCSP answers by CertID, plus a map from whole request bytes to the same answers so
 * that a client repeating a question (the usual case: same stack, same bytes) is answered
 * without parsing. Signing is deduplicated: a burst of the same question costs one signature.
 */
export class ResponseCache {
  private readonly byCertIdMap = new Map<string, CachedResponse>();
  private readonly byRequestMap = new Map<string, CachedResponse>();
  private readonly signing = new Map<string, Promise<CachedResponse>>();
  private revocationGeneration = 0;

  /** The answer to exactly these request bytes, if it can be served as it is. */
  byRequest(requestDer: Buffer, now: number): CachedResponse | undefined {
    const entry = this.byRequestMap.get(requestDer.toString("latin1"));
    return entry && !entry.stale && now < entry.refreshAt ? entry : undefined;
  }

  rememberRequest(requestDer: Buffer, entry: CachedResponse): void {
    bounded(this.byRequestMap).set(requestDer.toString("latin1"), entry);
  }

  byCertId(certIdDer: Buffer): CachedResponse | undefined {
    return this.byCertIdMap.get(certIdDer.toString("latin1"));
  }

  /** Runs `sign` unless a signature for this CertID is already under way; caches the result. */
  signOnce(certIdDer: Buffer, sign: () => Promise<CachedResponse>): Promise<CachedResponse> {
    const key = certIdDer.toString("latin1");
    const pending = this.signing.get(key);
    if (pending) return pending;

    const run = sign().then((entry) => {
      // Signed across a revocation: answer this caller, but do not keep it.
      if (entry.generation === this.revocationGeneration) bounded(this.byCertIdMap).set(key, entry);
      return entry;
    }).finally(() => {
      if (this.signing.get(key) === run) this.signing.delete(key);
    });
    this.signing.set(key, run);
    return run;
  }

  /** Resolves once every signature under way has finished (for shutdown and tests). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.signing.values()]);
  }

  generation(): number {
    return this.revocationGeneration;
  }

  /** Drops good and unknown answers about serials that are now revoked. */
  dropGoodAnswers(revokedSerials: Set<string>): void {
    this.revocationGeneration += 1;
    // A signature under way may say good about a serial revoked since: nobody waits for it now.
    this.signing.clear();
    for (const [key, entry] of this.byCertIdMap) {
      const serial = entry.serialNumber;
      if (entry.good && serial !== undefined && revokedSerials.has(serial)) {
        entry.stale = true;
        this.byCertIdMap.delete(key);
      }
    }
  }

  clear(): void {
    this.revocationGeneration += 1;
    this.signing.clear();
    for (const entry of this.byCertIdMap.values()) entry.stale = true;
    this.byCertIdMap.clear();
    this.byRequestMap.clear();
  }

  size(): number {
    return this.byCertIdMap.size;
  }
}

function bounded(map: Map<string, CachedResponse>): Map<string, CachedResponse> {
  if (map.size >= maxEntries) map.delete(map.keys().next().value!);
  return map;
}

import { BinaryStream } from "node-opcua";
import { TrustListDataType } from "node-opcua-types";
import { GdsError } from "../core/errors.js";
import type { TrustListContent } from "../core/issuing.js";

/** TrustListMasks of Part 12: which lists a reader asked for. */
export const TrustListMasks = {
  TrustedCertificates: 1,
  TrustedCrls: 2,
  IssuerCertificates: 4,
  IssuerCrls: 8,
  All: 15,
} as const;

interface OpenFile {
  sessionId: string;
  data: Buffer;
  position: number;
}

const maxHandlesPerSession = 8;

/**
 * Read access to a TrustList as an OPC UA file: each Open takes a snapshot of the encoded
 * TrustListDataType, so a reader sees one consistent list even if the CRL changes meanwhile.
 * Handles belong to the session that opened them.
 */
export class TrustListReader {
  private readonly files = new Map<number, OpenFile>();
  private nextHandle = 1;

  open(sessionId: string, content: TrustListContent, masks: number): number {
    if (!Number.isInteger(masks) || masks < 0 || masks > TrustListMasks.All) {
      throw new GdsError("InvalidArgument", "unknown TrustListMasks");
    }
    const open = [...this.files.values()].filter((file) => file.sessionId === sessionId);
    if (open.length >= maxHandlesPerSession) {
      throw new GdsError("InvalidState", "too many open trust list handles in this session");
    }

    const handle = this.nextHandle;
    this.nextHandle = this.nextHandle >= 0xfffffff0 ? 1 : this.nextHandle + 1;
    this.files.set(handle, { sessionId, data: encodeTrustList(content, masks), position: 0 });
    return handle;
  }

  read(sessionId: string, handle: number, length: number): Buffer {
    const file = this.file(sessionId, handle);
    if (!Number.isInteger(length) || length < 0) {
      throw new GdsError("InvalidArgument", "Length must not be negative");
    }
    const chunk = file.data.subarray(file.position, file.position + length);
    file.position += chunk.length;
    return Buffer.from(chunk);
  }

  getPosition(sessionId: string, handle: number): number {
    return this.file(sessionId, handle).position;
  }

  setPosition(sessionId: string, handle: number, position: number): void {
    const file = this.file(sessionId, handle);
    if (!Number.isSafeInteger(position) || position < 0) {
      throw new GdsError("InvalidArgument", "Position is out of range");
    }
    file.position = Math.min(position, file.data.length);
  }

  close(sessionId: string, handle: number): void {
    this.file(sessionId, handle);
    this.files.delete(handle);
  }

  closeSession(sessionId: string): void {
    for (const [handle, file] of this.files) {
      if (file.sessionId === sessionId) this.files.delete(handle);
    }
  }

  openCount(): number {
    return this.files.size;
  }

  private file(sessionId: string, handle: number): OpenFile {
    const file = this.files.get(handle);
    if (!file || file.sessionId !== sessionId) {
      throw new GdsError("InvalidArgument", "unknown file handle");
    }
    return file;
  }
}

export function encodeTrustList(content: TrustListContent, masks: number): Buffer {
  const pick = (mask: number, list: Buffer[]) => ((masks & mask) !== 0 ? list : []);
  const value = new TrustListDataType({
    specifiedLists: masks,
    trustedCertificates: pick(TrustListMasks.TrustedCertificates, content.trustedCertificates),
    trustedCrls: pick(TrustListMasks.TrustedCrls, content.trustedCrls),
    issuerCertificates: pick(TrustListMasks.IssuerCertificates, content.issuerCertificates),
    issuerCrls: pick(TrustListMasks.IssuerCrls, content.issuerCrls),
  });
  const stream = new BinaryStream(value.binaryStoreSize());
  value.encode(stream);
  return stream.buffer;
}

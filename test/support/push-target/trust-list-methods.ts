import { X509Certificate } from "node:crypto";
import { DataType, StatusCodes, type UAMethod, type UAObject } from "node-opcua";
import type { TrustListContent } from "../../../src/core/issuing.js";
import { bindTargetMethod, byteString, input, output, Refusal } from "./method-access.js";
import { sha1Thumbprint } from "./target-certificate-manager.js";
import type { TargetState } from "./target-state.js";
import {
  allLists, checkSize, checkValues, crlsIssuedBy, decodeTrustList, encodeTrustList,
} from "./trust-list-codec.js";

/** An open TrustList file: a snapshot to read, or the bytes written so far. */
interface OpenFile {
  sessionId: string;
  writing: boolean;
  data: Buffer;
  position: number;
}

const openModes = { read: 1, writeEraseExisting: 6 } as const;

/**
 * The TrustList object's methods (Part 12 7.8.2): FileType access to the UA Binary TrustList,
 * CloseAndUpdate staging the written list in the session's transaction, AddCertificate and
 * RemoveCertificate applying at once when no transaction is open.
 *
 * Known shortcoming: files are not closed after the TrustList's ActivityTimeout; they close
 * with their session. Tests that need the timeout would have to inject a clock here.
 */
export class TrustListMethods {
  private readonly files = new Map<number, OpenFile>();
  private nextHandle = 1;

  constructor(private readonly state: TargetState) {}

  bind(trustList: UAObject): void {
    const method = (name: string): UAMethod => {
      const found = trustList.getMethodByName(name);
      if (!found) throw new Error(`the TrustList has no ${name} method`);
      return found;
    };
    bindTargetMethod(method("Open"), async (args, _context, sessionId) => {
      const mode = input<number>(args, 0, DataType.Byte);
      if (mode !== openModes.read && mode !== openModes.writeEraseExisting) {
        throw new Refusal(StatusCodes.BadNotSupported, "only Read and Write+EraseExisting");
      }
      return [output(DataType.UInt32, await this.open(sessionId, mode, allLists))];
    });
    bindTargetMethod(method("OpenWithMasks"), async (args, _context, sessionId) => {
      const masks = input<number>(args, 0, DataType.UInt32);
      return [output(DataType.UInt32, await this.open(sessionId, openModes.read, masks))];
    });
    bindTargetMethod(method("Read"), async (args, _context, sessionId) => {
      const file = this.file(args, sessionId, false);
      const length = input<number>(args, 1, DataType.Int32);
      if (length < 0) throw new Refusal(StatusCodes.BadInvalidArgument, "negative length");
      const data = file.data.subarray(file.position, file.position + length);
      file.position += data.length;
      return [output(DataType.ByteString, Buffer.from(data))];
    });
    bindTargetMethod(method("Write"), async (args, _context, sessionId) => {
      const file = this.file(args, sessionId, true);
      const data = byteString(args, 1);
      const max = this.state.maxTrustListSize;
      if (max > 0 && file.position + data.length > max) {
        throw new Refusal(StatusCodes.BadRequestTooLarge, "the TrustList exceeds MaxTrustListSize");
      }
      file.data = Buffer.concat([file.data.subarray(0, file.position), data]);
      file.position += data.length;
    });
    bindTargetMethod(method("GetPosition"), async (args, _context, sessionId) => {
      const file = this.file(args, sessionId);
      return [output(DataType.UInt64, [0, file.position])];
    });
    bindTargetMethod(method("SetPosition"), async (args, _context, sessionId) => {
      const file = this.file(args, sessionId);
      const [high, low] = input<[number, number]>(args, 1, DataType.UInt64);
      file.position = Math.min(high * 2 ** 32 + low, file.data.length);
    });
    bindTargetMethod(method("Close"), async (args, _context, sessionId) => {
      this.close(this.handleOf(args, sessionId), sessionId);
    });
    bindTargetMethod(method("CloseAndUpdate"), async (args, _context, sessionId) => {
      const handle = this.handleOf(args, sessionId);
      const file = this.file(args, sessionId, true);
      this.files.delete(handle);
      await this.stage(sessionId, file.data);
      return [output(DataType.Boolean, true)];
    });
    bindTargetMethod(method("AddCertificate"), async (args) => {
      const certificate = byteString(args, 0);
      const trusted = input<boolean>(args, 1, DataType.Boolean);
      await this.changeNow((content) => {
        const list = trusted ? content.trustedCertificates : content.issuerCertificates;
        list.push(certificate);
      });
    });
    bindTargetMethod(method("RemoveCertificate"), async (args) => {
      const thumbprint = input<string>(args, 0, DataType.String).toLowerCase();
      const trusted = input<boolean>(args, 1, DataType.Boolean);
      await this.changeNow((content) => remove(content, thumbprint, trusted));
    });
  }

  /** A session that ends loses its open files (its transaction is dropped by the target). */
  sessionClosed(sessionId: string): void {
    for (const [handle, file] of this.files) {
      if (file.sessionId === sessionId) this.files.delete(handle);
    }
  }

  private async open(sessionId: string, mode: number, masks: number): Promise<number> {
    const { transactions } = this.state;
    if (mode === openModes.writeEraseExisting) {
      const writer = [...this.files.values()].find((file) => file.writing);
      if (transactions.heldByOther(sessionId) || (writer && writer.sessionId !== sessionId)) {
        throw new Refusal(StatusCodes.BadTransactionPending, "another session has changes");
      }
      if (writer) throw new Refusal(StatusCodes.BadInvalidState, "already open for writing");
      transactions.open(sessionId);
    }
    const writing = mode === openModes.writeEraseExisting;
    const data = writing ? Buffer.alloc(0)
      : encodeTrustList(await this.state.manager.trustList(), masks);
    const handle = this.nextHandle++;
    this.files.set(handle, { sessionId, writing, data, position: 0 });
    return handle;
  }

  private handleOf(args: Parameters<typeof input>[0], sessionId: string): number {
    const handle = input<number>(args, 0, DataType.UInt32);
    if (this.files.get(handle)?.sessionId !== sessionId) {
      throw new Refusal(StatusCodes.BadInvalidArgument, "unknown file handle");
    }
    return handle;
  }

  private file(args: Parameters<typeof input>[0], sessionId: string, writing?: boolean): OpenFile {
    const file = this.files.get(this.handleOf(args, sessionId))!;
    if (writing !== undefined && file.writing !== writing) {
      throw new Refusal(StatusCodes.BadInvalidState, "the file is not open in that mode");
    }
    return file;
  }

  private close(handle: number, sessionId: string): void {
    const file = this.files.get(handle);
    this.files.delete(handle);
    const transaction = this.state.transactions.of(sessionId);
    // An abandoned write must not keep other sessions out.
    if (file?.writing && transaction && transaction.steps.length === 0) {
      this.state.transactions.take(sessionId);
    }
  }

  private async stage(sessionId: string, data: Buffer): Promise<void> {
    const { transactions, variant } = this.state;
    const transaction = transactions.open(sessionId);
    if (variant === "strict-order" && transaction.steps.some((step) => step !== "trustList")) {
      throw new Refusal(StatusCodes.BadInvalidState, "the trust list comes before certificates");
    }
    const base = transaction.trustList ?? await this.state.manager.trustList();
    const content = decodeTrustList(data, base);
    checkSize(content, this.state.maxTrustListSize);
    transaction.trustList = content;
    transaction.steps.push("trustList");
  }

  private async changeNow(change: (content: TrustListContent) => void): Promise<void> {
    if (this.state.transactions.isOpen()) {
      throw new Refusal(StatusCodes.BadTransactionPending, "a transaction is open");
    }
    if (this.files.size > 0) {
      throw new Refusal(StatusCodes.BadInvalidState, "the TrustList is open");
    }
    const content = await this.state.manager.trustList();
    change(content);
    checkValues(content);
    checkSize(content, this.state.maxTrustListSize);
    await this.state.manager.replaceTrustList(content);
  }
}

function remove(content: TrustListContent, thumbprint: string, trusted: boolean): void {
  const certificates = trusted ? content.trustedCertificates : content.issuerCertificates;
  const index = certificates.findIndex((der) => sha1Thumbprint(der) === thumbprint);
  if (index < 0) throw new Refusal(StatusCodes.BadInvalidArgument, "no such certificate");
  const [removed] = certificates.splice(index, 1);
  if (!removed || !new X509Certificate(removed).ca) return;
  // A CA leaves with its CRLs: nothing else may vouch for what it issued.
  const crlsKey = trusted ? "trustedCrls" : "issuerCrls";
  const gone = new Set(crlsIssuedBy(content[crlsKey], removed));
  content[crlsKey] = content[crlsKey].filter((crl) => !gone.has(crl));
}

import { createPrivateKey, type KeyObject } from "node:crypto";
import {
  DataType,
  NodeId,
  ObjectIds,
  ObjectTypeIds,
  StatusCodes,
  type UAMethod,
  type UAObject,
  type Variant,
} from "node-opcua";
import { checkNewCertificate } from "./certificate-check.js";
import { bindTargetMethod, byteString, input, output, Refusal } from "./method-access.js";
import { createSigningRequest, newPrivateKey, publicKeyInfoOf } from "./signing-request.js";
import type { TargetState } from "./target-state.js";
import type { Transaction } from "./transactions.js";

const defaultApplicationGroup =
  ObjectIds.ServerConfiguration_CertificateGroups_DefaultApplicationGroup;
const certificateTypes = new Set<number>([
  ObjectTypeIds.RsaSha256ApplicationCertificateType,
  ObjectTypeIds.RsaMinApplicationCertificateType,
]);
/** Part 12 7.10.8: a new key pair needs a nonce of at least 32 bytes. */
const minimumNonceLength = 32;

export interface ServerConfigurationOptions {
  /** How long after ApplyChanges a conforming target closes its channels. */
  channelCloseDelayMs: number;
}

/**
 * CreateSigningRequest, UpdateCertificate, ApplyChanges, CancelChanges and GetRejectedList on
 * the ServerConfiguration object (Part 12 7.10), with changes queued per session.
 */
export function bindServerConfigurationMethods(
  serverConfiguration: UAObject,
  state: TargetState,
  options: ServerConfigurationOptions,
): void {
  const method = (name: string): UAMethod | null => serverConfiguration.getMethodByName(name);

  bindTargetMethod(method("CreateSigningRequest")!, async (args, _context, sessionId) => {
    checkGroupAndType(args);
    const subjectName = input<string | null>(args, 2, DataType.String) ?? "";
    const regeneratePrivateKey = input<boolean>(args, 3, DataType.Boolean);
    const nonce = byteString(args, 4);
    if (regeneratePrivateKey && nonce.length < minimumNonceLength) {
      throw new Refusal(StatusCodes.BadInvalidArgument, "a new key needs a 32-byte nonce");
    }
    refuseOtherSessions(state, sessionId);
    const strictTransaction = state.variant === "strict-order"
      ? state.transactions.open(sessionId) : state.transactions.of(sessionId);
    if (strictTransaction && state.variant === "strict-order"
      && strictTransaction.steps.includes("certificate")) {
      throw new Refusal(StatusCodes.BadInvalidState, "a certificate is already staged");
    }

    const current = state.current();
    const privateKey = regeneratePrivateKey ? await newPrivateKey() : current.privateKey;
    const csr = await createSigningRequest({
      subjectName, currentCertificate: current.certificate, privateKey,
      applicationUri: state.applicationUri, dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"],
    });
    if (regeneratePrivateKey) {
      state.transactions.pendingKey = {
        sessionId, privateKey, publicKeyInfo: publicKeyInfoOf(privateKey),
      };
    }
    strictTransaction?.steps.push("signingRequest");
    return [output(DataType.ByteString, csr)];
  });

  bindTargetMethod(method("UpdateCertificate")!, async (args, _context, sessionId) => {
    checkGroupAndType(args);
    const certificate = byteString(args, 2);
    const issuerCertificates = (input<Buffer[] | null>(args, 3, DataType.ByteString) ?? [])
      .map((der) => Buffer.from(der));
    const suppliedKey = privateKeyArgument(args);
    refuseOtherSessions(state, sessionId);

    const transaction = state.transactions.of(sessionId);
    const keys = acceptedKeys(state, sessionId, suppliedKey);
    const keyIndex = checkNewCertificate({
      certificate, issuerCertificates, applicationUri: state.applicationUri, now: state.now(),
      trustList: transaction?.trustList ?? await state.manager.trustList(),
      acceptedKeys: keys.map((key) => publicKeyInfoOf(key.privateKey)),
    });
    const accepted = keys[keyIndex]!;
    const staged = state.transactions.open(sessionId);
    staged.certificate = {
      certificate, issuerCertificates,
      privateKey: accepted.current ? undefined : accepted.privateKey,
    };
    staged.steps.push("certificate");
    if (!accepted.current && !suppliedKey) state.transactions.pendingKey = undefined;
    return [output(DataType.Boolean, true)];
  });

  bindTargetMethod(method("ApplyChanges")!, async (_args, _context, sessionId) => {
    refuseOtherSessions(state, sessionId);
    const transaction = state.transactions.take(sessionId);
    if (!transaction || !hasChanges(transaction)) {
      throw new Refusal(StatusCodes.BadNothingToDo, "no changes are queued in this session");
    }
    if (transaction.trustList) await state.manager.replaceTrustList(transaction.trustList);
    const { certificate } = transaction;
    if (certificate) {
      await state.installCertificate(
        Buffer.concat([certificate.certificate, ...certificate.issuerCertificates]),
        certificate.privateKey);
    }
    if (state.variant === "drop-after-apply") state.dropChannels(0);
    else if (certificate) state.dropChannels(options.channelCloseDelayMs);
  });

  const cancelChanges = method("CancelChanges");
  if (cancelChanges) {
    bindTargetMethod(cancelChanges, async (_args, _context, sessionId) => {
      refuseOtherSessions(state, sessionId);
      if (!state.transactions.take(sessionId)) {
        throw new Refusal(StatusCodes.BadNothingToDo, "no changes are queued in this session");
      }
    });
  }

  bindTargetMethod(method("GetRejectedList")!, async () => {
    return [output(DataType.ByteString, await state.manager.rejectedCertificates())];
  });
}

function checkGroupAndType(args: Variant[]): void {
  const group = input<NodeId>(args, 0, DataType.NodeId);
  const type = input<NodeId>(args, 1, DataType.NodeId);
  const isDefaultGroup = group.isEmpty()
    || (group.namespace === 0 && group.value === defaultApplicationGroup);
  if (!isDefaultGroup) throw new Refusal(StatusCodes.BadInvalidArgument, "unknown group");
  const knownType = type.isEmpty()
    || (type.namespace === 0 && certificateTypes.has(type.value as number));
  if (!knownType) throw new Refusal(StatusCodes.BadInvalidArgument, "unsupported type");
}

function privateKeyArgument(args: Variant[]): KeyObject | undefined {
  const format = input<string | null>(args, 4, DataType.String) ?? "";
  const privateKey = byteString(args, 5);
  if (privateKey.length === 0) return undefined;
  if (format.toUpperCase() !== "PEM") {
    throw new Refusal(StatusCodes.BadNotSupported, "private keys are taken as PEM only");
  }
  try {
    return createPrivateKey({ key: privateKey, format: "pem" });
  } catch {
    throw new Refusal(StatusCodes.BadInvalidArgument, "the private key does not parse");
  }
}

/** Keys a new certificate may carry: the current one, a key made for this session, or given. */
function acceptedKeys(state: TargetState, sessionId: string, supplied: KeyObject | undefined) {
  if (supplied) return [{ privateKey: supplied, current: false }];
  const keys = [{ privateKey: state.current().privateKey, current: true }];
  const pending = state.transactions.pendingKey;
  const usable = pending && (state.variant !== "strict-order" || pending.sessionId === sessionId);
  if (usable) keys.push({ privateKey: pending.privateKey, current: false });
  return keys;
}

function refuseOtherSessions(state: TargetState, sessionId: string): void {
  if (state.transactions.heldByOther(sessionId)) {
    throw new Refusal(StatusCodes.BadTransactionPending, "another session has queued changes");
  }
}

function hasChanges(transaction: Transaction): boolean {
  return transaction.trustList !== undefined || transaction.certificate !== undefined;
}

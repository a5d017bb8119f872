import type { Caller } from "../gds/caller.js";
import type { PushAttempt, PushKind, PushOutcome } from "../core/push-records.js";

/** What an administrator gives to put a registered server under push management. */
export interface PushTargetInput {
  applicationId: string;
  endpointUrl: string;
  /** A user name and password on the target ... */
  userName?: string;
  password?: string;
  /** ... or an X.509 user: its certificate (DER) and private key (PEM, or DER PKCS#8). */
  userCertificate?: Buffer;
  userPrivateKey?: Buffer;
  /** Part 12 group on the target; DefaultApplicationGroup when absent. */
  certificateGroupId?: string;
  /** DER certificates to trust on this target besides our CA (other vendors' CAs, peers). */
  extraTrustedCertificates?: Buffer[];
}

/** A target as GetPushStatus and `push status` show it; never the credentials' secret. */
export interface PushTargetStatus {
  applicationId: string;
  applicationUri: string;
  endpointUrl: string;
  /** The user name, or the user certificate's subject. */
  userName: string;
  credentialKind: "userName" | "x509";
  certificateGroupId: string;
  serialNumber?: string;
  notAfter?: string;
  crlNumber?: string;
  failures: number;
  retryAt?: string;
  /** The newest attempt's outcome, or "None" before the first attempt. */
  lastOutcome: PushOutcome | "None";
  attempts: PushAttempt[];
}

/** Pushes started together; `completion` settles when every one of them has an outcome. */
export interface PushBatch {
  applicationIds: string[];
  startedAt: string;
  completion: Promise<PushAttempt[]>;
}

/**
 * The push engine as the OPC UA methods, the CLI and the benchmark see it. Every method checks
 * the caller (SecurityAdmin on a SignAndEncrypt channel) and throws GdsError otherwise; an
 * attempt that fails on a target is not an error here but a recorded PushAttempt.
 */
export interface PushService {
  enable(caller: Caller, input: PushTargetInput): Promise<PushTargetStatus>;
  disable(caller: Caller, applicationId: string): Promise<void>;
  /** Starts pushes for some targets or all of them; one attempt per target at a time. */
  pushNow(caller: Caller, applicationIds: string[] | "all", kind: PushKind): Promise<PushBatch>;
  status(caller: Caller, applicationId?: string): Promise<PushTargetStatus[]>;
  /** The certificates the target has refused, read from the target itself. */
  rejectedList(caller: Caller, applicationId: string): Promise<Buffer[]>;
}

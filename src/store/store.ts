import type {
  ApplicationRecord,
  AuthorityRecord,
  CertificateRequestRecord,
  IssuedCertificateRecord,
  RecordCounter,
  UserRecord,
  EnrolmentCredentialRecord,
} from "../core/records.js";

/**
 * What the GDS core needs of its storage, one small repository per record kind. A unique key
 * that is already taken is reported as GdsError("EntryExists"); every other failure is Internal.
 */
export interface ApplicationStore {
  insert(record: ApplicationRecord): Promise<void>;
  replace(record: ApplicationRecord): Promise<void>;
  get(applicationId: string): Promise<ApplicationRecord | undefined>;
  findByUri(applicationUri: string): Promise<ApplicationRecord[]>;
  remove(applicationId: string): Promise<boolean>;
  count(): Promise<number>;
  /**
   * Takes the next RecordId. Ids increase with every call, also under concurrent calls, and are
   * never handed out twice, not even after the record holding the highest one is removed.
   */
  nextRecordId(now: Date): Promise<number>;
  /** The RecordId counter, started at `now` if no id was taken yet. */
  recordCounter(now: Date): Promise<RecordCounter>;
  /**
   * Records with a RecordId of at least `fromRecordId` for which `where` holds, in RecordId
   * order, read about `batchSize` at a time so that a caller who stops early reads little.
   * `where` sees the stored record and must not change it.
   */
  scanByRecordId(
    fromRecordId: number,
    where: (record: ApplicationRecord) => boolean,
    batchSize: number,
  ): AsyncIterable<ApplicationRecord>;
}

export interface RequestStore {
  insert(record: CertificateRequestRecord): Promise<void>;
  get(requestId: string): Promise<CertificateRequestRecord | undefined>;
  replace(record: CertificateRequestRecord): Promise<void>;
  remove(requestId: string): Promise<boolean>;
  /** Requests in one state (all when undefined), oldest first. */
  list(state?: CertificateRequestRecord["state"]): Promise<CertificateRequestRecord[]>;
}

export interface CertificateStore {
  insert(record: IssuedCertificateRecord): Promise<void>;
  getBySerial(serialNumber: string): Promise<IssuedCertificateRecord | undefined>;
  getByThumbprint(thumbprint: string): Promise<IssuedCertificateRecord | undefined>;
  /** The most recently issued certificate of an application for one group and type. */
  latest(
    applicationId: string,
    certificateGroupId: string,
    certificateTypeId: string,
  ): Promise<IssuedCertificateRecord | undefined>;
  remove(serialNumber: string): Promise<boolean>;
  replace(record: IssuedCertificateRecord): Promise<void>;
  /** Every certificate of an application, newest first. */
  listForApplication(applicationId: string): Promise<IssuedCertificateRecord[]>;
  /** Every revoked certificate, for the CRL. */
  listRevoked(): Promise<IssuedCertificateRecord[]>;
  count(): Promise<number>;
}

export interface AuthorityStore {
  get(authorityId: string): Promise<AuthorityRecord | undefined>;
  put(record: AuthorityRecord): Promise<void>;
}

export interface UserStore {
  get(userName: string): Promise<UserRecord | undefined>;
  put(record: UserRecord): Promise<void>;
  remove(userName: string): Promise<boolean>;
  list(): Promise<UserRecord[]>;
}

export interface GdsStore {
  readonly applications: ApplicationStore;
  readonly requests: RequestStore;
  readonly certificates: CertificateStore;
  readonly authorities: AuthorityStore;
  readonly users: UserStore;
  close(): Promise<void>;
}

export interface EnrolmentCredentialStore {
  insert(record: EnrolmentCredentialRecord): Promise<void>;
  get(credentialId: string): Promise<EnrolmentCredentialRecord | undefined>;
  replace(record: EnrolmentCredentialRecord): Promise<void>;
  close(): Promise<void>;
}

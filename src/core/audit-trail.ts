/**
 * Where the core reports what an auditor must be able to reconstruct: who registered, asked
 * for, approved, received or revoked what, and when. Details hold identifiers only (ids,
 * serial numbers, thumbprints), never secrets.
 */
export type AuditDetails = Record<string, string | number | boolean | string[]>;

export interface AuditTrail {
  record(action: string, actor: string, details: AuditDetails): Promise<void>;
}

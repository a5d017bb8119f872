/**
 * The one catalogue of domain error codes. The core raises these; every front-end maps them
 * to its own status (OPC UA StatusCode, HTTP status) in one table the compiler checks.
 *
 * A GdsError carries a message that is safe to show a client. The internal cause, if any,
 * goes to the log once, where the error is turned into a protocol answer.
 */
export const errorCodes = [
  "InvalidArgument",
  "NotFound",
  "EntryExists",
  "WriteNotSupported",
  "CertificateUriInvalid",
  "CertificateInvalid",
  "NothingToDo",
  "RequestNotAllowed",
  "UserAccessDenied",
  "SecurityModeInsufficient",
  "InvalidState",
  "NotWritable",
  "Internal",
] as const;

export type ErrorCode = (typeof errorCodes)[number];

export class GdsError extends Error {
  readonly code: ErrorCode;
  override readonly cause?: unknown;

  constructor(code: ErrorCode, safeMessage: string, cause?: unknown) {
    super(safeMessage);
    this.name = "GdsError";
    this.code = code;
    this.cause = cause;
  }
}

export function isGdsError(error: unknown): error is GdsError {
  return error instanceof GdsError;
}

/** Turns anything thrown into a GdsError; unknown failures become Internal with a bland message. */
export function toGdsError(error: unknown): GdsError {
  if (isGdsError(error)) return error;
  return new GdsError("Internal", "internal error", error);
}

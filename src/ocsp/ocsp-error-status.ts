import { toGdsError, type ErrorCode } from "../core/errors.js";
import type { OcspResponseStatus } from "./ocsp-response.js";

/**
 * The error catalogue as OCSP answers it (RFC 6960 4.2.1). The compiler checks that every code
 * has an entry. A request this responder cannot read is malformedRequest; one about a CA it
 * does not serve is unauthorized (RFC 5019 2.2.3); our own failures are internalError, and a
 * token that is busy or not ready is tryLater.
 */
const statusByCode: Record<ErrorCode, Exclude<OcspResponseStatus, "successful">> = {
  InvalidArgument: "malformedRequest",
  CertificateInvalid: "malformedRequest",
  CertificateUriInvalid: "malformedRequest",
  NotFound: "unauthorized",
  RequestNotAllowed: "unauthorized",
  UserAccessDenied: "unauthorized",
  SecurityModeInsufficient: "unauthorized",
  NothingToDo: "tryLater",
  InvalidState: "tryLater",
  EntryExists: "internalError",
  WriteNotSupported: "internalError",
  NotWritable: "internalError",
  Internal: "internalError",
};

export function ocspStatusOf(error: unknown): Exclude<OcspResponseStatus, "successful"> {
  return statusByCode[toGdsError(error).code];
}

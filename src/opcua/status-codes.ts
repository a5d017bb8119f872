import { StatusCodes, type StatusCode } from "node-opcua";
import type { ErrorCode } from "../core/errors.js";

/**
 * The OPC UA answer for each domain error; the Record type makes the compiler check it is
 * whole.
 */
export const statusCodeOf: Record<ErrorCode, StatusCode> = {
  InvalidArgument: StatusCodes.BadInvalidArgument,
  NotFound: StatusCodes.BadNotFound,
  EntryExists: StatusCodes.BadEntryExists,
  WriteNotSupported: StatusCodes.BadWriteNotSupported,
  CertificateUriInvalid: StatusCodes.BadCertificateUriInvalid,
  CertificateInvalid: StatusCodes.BadCertificateInvalid,
  NothingToDo: StatusCodes.BadNothingToDo,
  RequestNotAllowed: StatusCodes.BadRequestNotAllowed,
  UserAccessDenied: StatusCodes.BadUserAccessDenied,
  SecurityModeInsufficient: StatusCodes.BadSecurityModeInsufficient,
  InvalidState: StatusCodes.BadInvalidState,
  NotWritable: StatusCodes.BadNotWritable,
  Internal: StatusCodes.BadInternalError,
};

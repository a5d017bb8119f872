import type { FastifyError, FastifyReply } from "fastify";
import { GdsError, isGdsError, type ErrorCode } from "../../core/errors.js";
import type { Logger } from "../../log/logger.js";

/** The HTTP answer for each domain error; the Record type makes the compiler check it is whole. */
export const httpStatusOf: Record<ErrorCode, number> = {
  InvalidArgument: 400,
  NotFound: 404,
  EntryExists: 409,
  WriteNotSupported: 409,
  CertificateUriInvalid: 400,
  CertificateInvalid: 400,
  NothingToDo: 409,
  RequestNotAllowed: 403,
  UserAccessDenied: 403,
  SecurityModeInsufficient: 403,
  InvalidState: 409,
  NotWritable: 409,
  Internal: 500,
};

/**
 * No credentials, or credentials that do not hold: 401 with a challenge rather than 403. The
 * code stays UserAccessDenied, so clients see one catalogue.
 */
export class AuthenticationRequired extends GdsError {
  constructor(readonly scheme: "Bearer" | "Basic", message = "authentication required") {
    super("UserAccessDenied", message);
  }
}

export interface HttpError {
  statusCode: number;
  code: ErrorCode;
  message: string;
  challenge?: string;
}

/** Safe words for what fastify refuses before a handler runs (body size, type, syntax). */
const frameworkMessages: Record<number, string> = {
  400: "the request is malformed",
  404: "no such resource",
  405: "method not allowed",
  406: "the requested representation is not available",
  413: "the request body is too large",
  415: "unsupported content type",
};

/**
 * Turns anything a route or fastify threw into the status, code and safe message of the answer.
 * Our own faults are logged once, with their cause; a caller's fault is logged at warn.
 */
export function httpErrorOf(error: unknown, log: Logger): HttpError {
  if (error instanceof AuthenticationRequired) {
    return { statusCode: 401, code: error.code, message: error.message,
      challenge: `${error.scheme} realm="security-handler"` };
  }
  if (isGdsError(error)) {
    const statusCode = httpStatusOf[error.code];
    if (statusCode >= 500) {
      log.error({ err: error.cause ?? error, code: error.code }, "request failed");
    }
    else log.warn({ code: error.code, reason: error.message }, "request refused");
    return { statusCode, code: error.code, message: error.message };
  }
  const framework = error as Partial<FastifyError>;
  if (framework.validation) {
    return { statusCode: 400, code: "InvalidArgument",
      message: `the request does not fit its schema: ${framework.message ?? ""}`.slice(0, 300) };
  }
  const status = framework.statusCode;
  if (typeof status === "number" && status >= 400 && status < 500) {
    return { statusCode: status, code: "InvalidArgument",
      message: frameworkMessages[status] ?? "the request is not acceptable" };
  }
  log.error({ err: error }, "request failed");
  return { statusCode: 500, code: "Internal", message: "internal error" };
}

/** The REST answer for an error: JSON `{ code, message }`. */
export function sendJsonError(reply: FastifyReply, error: HttpError): FastifyReply {
  if (error.challenge) void reply.header("WWW-Authenticate", error.challenge);
  return reply.status(error.statusCode).type("application/json")
    .send({ code: error.code, message: error.message });
}

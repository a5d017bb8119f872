import type { CertificateEvent, CertificateEvents } from "../core/certificate-events.js";
import { toGdsError } from "../core/errors.js";
import type { Caller } from "./caller.js";

export type CertificateEventBase = Omit<CertificateEvent, "status" | "userName"
  | "clientAuditEntryId">;

/** The event fields that come from who called. */
export function eventCaller(caller: Caller): Pick<CertificateEvent, "userName"
  | "clientAuditEntryId"> {
  return { userName: caller.userName, clientAuditEntryId: caller.clientAuditEntryId };
}

/**
 * Runs a certificate operation and, if it fails, raises its event with Status false and the
 * refusal's code before the error goes on to the front-end. Success events are raised by the
 * operation itself, because only it knows the request, serial number or certificate.
 */
export async function reportingFailure<T>(
  events: CertificateEvents,
  caller: Caller,
  base: CertificateEventBase,
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const { code } = toGdsError(error);
    // A pending request answers BadNothingToDo while clients poll: nothing was delivered or
    // refused, so it is no audit event.
    if (code !== "NothingToDo") {
      events.raise({ ...base, ...eventCaller(caller), status: false, errorCode: code });
    }
    throw error;
  }
}

import type { FastifyRequest } from "fastify";
import type { Clock } from "../../core/clock.js";
import type { EnrolmentCredentials } from "../../est/enrolment-credentials.js";
import type { ApplicationDirectory } from "../../gds/application-directory.js";
import type { Caller } from "../../gds/caller.js";
import type { CertificateDirectory } from "../../gds/certificate-directory.js";
import type { CertificateRequests } from "../../gds/certificate-requests.js";
import type { UserDirectory } from "../../identity/user-directory.js";
import type { Logger } from "../../log/logger.js";
import type { PushService } from "../../push/push-service.js";
import type { CertificateStore } from "../../store/store.js";

/** The product operations the REST API is a thin layer over; wired in src/app. */
export interface RestServices {
  directory: ApplicationDirectory;
  requests: CertificateRequests;
  certificates: CertificateDirectory;
  /** Read access to issued certificates, for listing and fetching them by serial number. */
  certificateRecords: Pick<CertificateStore, "getBySerial" | "listForApplication">;
  users: Pick<UserDirectory, "authenticate" | "rolesOf">;
  credentials: EnrolmentCredentials;
  /** Push management, the same engine the OPC UA push methods call. */
  push: PushService;
  /** The CA's current CRL (DER). */
  crl(): Buffer;
  clock: Clock;
  log: Logger;
}

export interface RestContext {
  services: RestServices;
  caller(request: FastifyRequest): Promise<Caller>;
}

import { join } from "node:path";
import type { CertificateAuthority } from "../ca/authority.js";
import type { Clock } from "../core/clock.js";
import type { AuditTrail } from "../core/audit-trail.js";
import { EnrolmentCredentials } from "../est/enrolment-credentials.js";
import { EstEnrolment } from "../est/est-enrolment.js";
import type { ApplicationDirectory } from "../gds/application-directory.js";
import type { CertificateDirectory } from "../gds/certificate-directory.js";
import type { CertificateRequests } from "../gds/certificate-requests.js";
import { estRoutes } from "../http/est/est-routes.js";
import { restRoutes } from "../http/rest/rest-routes.js";
import type { UserDirectory } from "../identity/user-directory.js";
import type { Logger } from "../log/logger.js";
import type { PushService } from "../push/push-service.js";
import { openEnrolmentCredentialStore } from "../store/nedb-enrolment-credentials.js";
import type { GdsStore } from "../store/store.js";

export interface EstRestParts {
  dataDir: string;
  /** Settings est.renewAfterExpiryDays. */
  renewAfterExpiryDays: number;
  store: GdsStore;
  authority: CertificateAuthority;
  directory: ApplicationDirectory;
  requests: CertificateRequests;
  certificates: CertificateDirectory;
  users: UserDirectory;
  push: PushService;
  audit: AuditTrail;
  clock: Clock;
  log: (component: string) => Logger;
}

/**
 * EST and the REST API over the same product operations the OPC UA server uses, and the
 * enrolment credentials that both EST and the OPC UA administration method use.
 */
export async function estAndRestRoutes(parts: EstRestParts) {
  const { store, authority, directory, clock, log } = parts;
  const credentialStore = await openEnrolmentCredentialStore(join(parts.dataDir, "store"));
  const credentials = new EnrolmentCredentials(credentialStore,
    (applicationId) => directory.get(applicationId), parts.audit, clock);
  const enrolment = new EstEnrolment(parts.requests, credentials, authority, store,
    { renewAfterExpiryDays: parts.renewAfterExpiryDays }, clock, log("est"));
  const routes = [
    estRoutes({ enrolment, issuerCertificates: () => authority.issuerCertificates(),
      log: log("est") }),
    restRoutes({
      directory, requests: parts.requests, certificates: parts.certificates,
      certificateRecords: store.certificates, users: parts.users, credentials,
      push: parts.push,
      crl: () => authority.crl(), clock, log: log("rest"),
    }),
  ];
  return { routes, credentials, close: () => credentialStore.close() };
}

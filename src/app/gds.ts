import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { CertificateAuthority } from "../ca/authority.js";
import { loadCaProfile } from "../ca/ca-profile.js";
import { loadCertificateProfiles } from "../ca/certificate-profile.js";
import { systemClock, type Clock } from "../core/clock.js";
import type { Settings } from "../config/settings.js";
import { ApplicationDirectory } from "../gds/application-directory.js";
import { actorName } from "../gds/caller.js";
import { CertificateDirectory } from "../gds/certificate-directory.js";
import { CertificateGroups, defaultCertificateGroups } from "../gds/certificate-groups.js";
import { CertificateRequests } from "../gds/certificate-requests.js";
import { UserAdministration } from "../identity/user-administration.js";
import { UserCertificates } from "../identity/user-certificates.js";
import { UserDirectory } from "../identity/user-directory.js";
import { crlDistributionRoutes } from "../http/crl-distribution.js";
import { HttpServer } from "../http/http-server.js";
import { ocspRoutes } from "../http/ocsp-routes.js";
import { OcspResponder } from "../ocsp/ocsp-responder.js";
import { openHsm, type Hsm } from "../keys/hsm.js";
import { embeddedTokenExists } from "../keys/softhsm.js";
import type { Logger } from "../log/logger.js";
import { CertificateAuditEvents } from "../opcua/certificate-audit-events.js";
import { GdsServer } from "../opcua/gds-server.js";
import type { SessionLimits } from "../opcua/session-guard.js";
import { openNedbStore } from "../store/nedb-store.js";
import type { GdsStore } from "../store/store.js";
import { openAuditTrail } from "./audit-trail.js";
import { lockDataDir } from "./data-dir-lock.js";
import { startPush, type PushOptions, type RunningPush } from "./push.js";
import { authorityFilesExist, writeAuthorityFiles } from "./authority-files.js";
import { keyPairsFor } from "./key-pairs.js";
import { httpsIdentity, publicBaseUrl, publicationUrls } from "./http-front-end.js";
import { ensureResponderIdentity } from "./ocsp-responder-identity.js";
import { ensureOwnCertificate } from "./own-certificate.js";
import { estAndRestRoutes } from "./est-rest-routes.js";

export interface RunningGds {
  endpointUrl: string;
  /** Plain HTTP (CRL, OCSP) and HTTPS listeners, and the base URL certificates name. */
  http: { httpUrl: string; httpsUrl: string; publicUrl: string };
  authority: CertificateAuthority;
  store: GdsStore;
  push: RunningPush;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Password for `admin` on the first start; a generated one is written to a file otherwise. */
  adminPassword?: string;
  clock?: Clock;
  /** Per-channel session bound and how long sessions outlive their channel (tests shorten it). */
  sessionLimits?: SessionLimits;
  push?: PushOptions;
}

const dayMs = 86_400_000;
const crlCheckIntervalMs = 60 * 60_000;
export const caKeyLabel = "ca";
const sealKeyLabel = "seal";

/**
 * The composition root: opens the token, store and CA, makes sure the GDS has its own
 * certificate and an administrator, and starts the OPC UA server. Nothing else wires parts
 * of the product together.
 */
export async function startGds(
  settings: Settings,
  rootLog: Logger,
  options: StartOptions = {},
): Promise<RunningGds> {
  const clock = options.clock ?? systemClock;
  const log = (component: string) => rootLog.child({ component });
  await mkdir(settings.dataDir, { recursive: true, mode: 0o700 });
  const unlock = await lockDataDir(settings.dataDir);

  let hsm: Hsm;
  try {
    await refuseLostToken(settings);
    hsm = await openHsm({ dataDir: settings.dataDir, ...settings.hsm, log: rootLog });
  } catch (error) {
    await unlock();
    throw error;
  }
  const cleanup: Array<() => Promise<void>> = [unlock, () => hsm.close()];
  try {
    return await startOnHsm(settings, hsm, clock, log, options, cleanup);
  } catch (error) {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
    throw error;
  }
}

async function startOnHsm(
  settings: Settings,
  hsm: Hsm,
  clock: Clock,
  log: (component: string) => Logger,
  options: StartOptions,
  cleanup: Array<() => Promise<void>>,
): Promise<RunningGds> {
  const caProfile = await loadCaProfile();
  const profiles = await loadCertificateProfiles();
  // Once a CA exists, neither a new key nor a new CA record may appear silently: either would
  // make a second CA whose empty CRL undoes every revocation.
  const established = await authorityFilesExist(settings.dataDir);
  const { signer, created } = await hsm.caSigner(caKeyLabel, caKeyBits(caProfile.key),
    !established).catch((error: unknown) => {
    throw new Error(`the CA key is missing from the token; restore the token from a backup`,
      { cause: error });
  });

  const audit = await openAuditTrail(settings.dataDir, hsm, clock, log("audit"), established);
  cleanup.push(() => audit.close());
  const store = await openNedbStore(join(settings.dataDir, "store"));
  cleanup.push(() => store.close());
  const authority = await CertificateAuthority.open({
    signer, keyLabel: caKeyLabel, store, clock, log: log("ca"), caProfile, profiles,
    mustExist: established || !created,
  });

  await writeAuthorityFiles(settings.dataDir, authority);

  const users = new UserDirectory(store.users, clock, log("users"), audit);
  if (await users.ensureAdministrator(options.adminPassword,
    join(settings.dataDir, "admin.password"))) {
    await audit.record("user.created", "security-handler", { userName: "admin" });
  }

  // HTTP: the plain listener comes up before any certificate is issued, since certificates
  // name its URL. Routes of the HTTPS listener (EST, REST) register below, before it starts.
  const http = new HttpServer({ host: settings.http.host ?? settings.host,
    port: settings.http.port, httpsPort: settings.http.httpsPort, log: log("http") });
  http.register(crlDistributionRoutes(authority, clock));
  const ocsp = new OcspResponder({ issuerCertificateDer: authority.certificate(),
    identity: await ensureResponderIdentity(hsm, authority, store, clock, audit),
    ledger: store.certificates, clock, log: log("ocsp"), nonce: settings.http.ocspNonce });
  // Answers being signed behind finish before the token and store close.
  cleanup.push(async () => {
    await http.stop();
    await ocsp.idle();
  });
  http.register(ocspRoutes(ocsp, clock));
  const httpUrl = await http.startHttp();
  const publicUrl = publicBaseUrl(settings, httpUrl);
  authority.usePublicationUrls(publicationUrls(publicUrl));

  const renewalWindowMs = settings.renewalWindowDays * dayMs;
  const pkiDir = join(settings.dataDir, "pki");
  const own = await ensureOwnCertificate({
    pkiDir, applicationUri: settings.applicationUri, hosts: ownHosts(settings),
    authority, clock, renewalWindowMs, log: log("ca"),
  });

  const groups = new CertificateGroups(defaultCertificateGroups(settings.certificateGroups));
  const certificateEvents = new CertificateAuditEvents(settings.applicationUri, log("events"));
  const certificates = new CertificateDirectory(
    store, authority, groups, audit, clock, renewalWindowMs, certificateEvents);
  const sealer = await hsm.secretSealer(sealKeyLabel);
  const requests = new CertificateRequests(store, authority, groups, keyPairsFor(profiles),
    sealer, audit, clock, log("requests"), certificateEvents);
  const directory = new ApplicationDirectory(store, clock, log("directory"),
    async (applicationId, caller) => {
      await certificates.revokeApplication(caller, applicationId);
      await push.engine.forget(applicationId, actorName(caller));
    }, audit);
  const userAdministration = new UserAdministration(users, audit,
    async (applicationId) => (await store.applications.get(applicationId)) !== undefined);
  const userCertificates = new UserCertificates(store.users,
    (certificate) => authority.status(certificate), clock, log("users"), audit);

  // Push management: targets get certificates, trust lists and CRLs from here (README);
  // started before the REST routes, which serve it too.
  const push = await startPush({
    dataDir: settings.dataDir, pkiDir, applicationUri: settings.applicationUri, own, store,
    authority, groups, sealer, audit, clock,
    renewalWindowMs, log: log("push"), options: {
      intervalMs: settings.push.intervalMinutes * 60_000,
      concurrency: settings.push.concurrency,
      backoff: { baseMs: settings.push.backoffMinutes * 60_000,
        maxMs: settings.push.backoffMaxMinutes * 60_000 },
      ...options.push,
    },
  });
  cleanup.push(() => push.stop());

  const est = await estAndRestRoutes({ dataDir: settings.dataDir, store, authority,
    directory, requests, certificates, users, audit, clock, log, push: push.engine,
    renewAfterExpiryDays: settings.est.renewAfterExpiryDays });
  cleanup.push(() => est.close());
  for (const routes of est.routes) http.register(routes);
  const httpsUrl = await http.startHttps(await httpsIdentity(own, authority));
  log("http").info({ httpUrl, httpsUrl, publicUrl }, "HTTP listening");

  const server = new GdsServer({
    host: settings.host, port: settings.port, hostname: settings.hostname,
    applicationUri: settings.applicationUri, pkiDir, ...own,
    strictChannelCertificates: settings.strictChannelCertificates,
    directory, requests, certificates, groups, users, userAdministration, userCertificates,
    estCredentials: est.credentials,
    trustList: (groupId) => authority.trustList(groupId), certificateEvents,
    authority, push: push.engine, sessionLimits: options.sessionLimits,
    log: log("opcua"),
  });
  const endpointUrl = await server.start();
  cleanup.push(() => server.stop());
  log("opcua").info({ endpointUrl }, "listening");

  // The responder's certificate is renewed past half its life, and replaced at once when
  // revoked (it carries ocsp-nocheck, so clients could not notice the revocation themselves).
  const refreshResponder = async () => {
    const responder = await ensureResponderIdentity(hsm, authority, store, clock, audit);
    if (!responder.certificateDer.equals(ocsp.identityInUse().certificateDer)) {
      ocsp.useIdentity(responder);
    }
  };

  // Every new CRL reaches the channel checks, the TrustList objects and DATA_DIR/ca at once.
  authority.onCrlPublished(async (_crl, thisUpdate) => {
    await ocsp.revocationsChanged();
    await refreshResponder();
    await audit.record("crl.published", "security-handler", {
      crlNumber: authority.crlNumber().toString(), thisUpdate: thisUpdate.toISOString(),
    });
    await writeAuthorityFiles(settings.dataDir, authority);
    await server.refreshAuthorityCrl();
    server.refreshTrustLists(thisUpdate);
    http.updateHttpsIdentity(await httpsIdentity(own, authority));
    void push.scheduler.kick();
  });
  const crlTimer = setInterval(() => {
    authority.refreshCrlIfDue()
      .catch((error: unknown) => log("ca").error({ err: error }, "CRL refresh failed"));
    refreshResponder()
      .catch((error: unknown) => log("ocsp").error({ err: error }, "responder renewal failed"));
  }, crlCheckIntervalMs);
  crlTimer.unref();

  return {
    endpointUrl,
    http: { httpUrl, httpsUrl, publicUrl },
    authority,
    store,
    push,
    stop: async () => {
      clearInterval(crlTimer);
      for (const step of cleanup.reverse()) await step();
    },
  };
}

function caKeyBits(key: { algorithm: string; bits?: number }): number {
  if (key.algorithm !== "RSA" || key.bits === undefined) {
    throw new Error("pki/ca.json: the CA key must be RSA in this version");
  }
  return key.bits;
}

function ownHosts(settings: Settings): string[] {
  const hosts = new Set([settings.hostname]);
  if (settings.host) hosts.add(settings.host);
  return [...hosts];
}

/** The embedded token of a data directory that already has a CA must not be re-created. */
async function refuseLostToken(settings: Settings): Promise<void> {
  if (settings.hsm.module !== undefined) return;
  if (!(await authorityFilesExist(settings.dataDir))) return;
  if (await embeddedTokenExists(settings.dataDir)) return;
  throw new Error("the data directory has a CA but its embedded token (hsm/) is missing; "
    + "restore hsm/ from a backup");
}

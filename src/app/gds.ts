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
import { UserDirectory } from "../identity/user-directory.js";
import { openHsm, type Hsm } from "../keys/hsm.js";
import type { Logger } from "../log/logger.js";
import { GdsServer } from "../opcua/gds-server.js";
import { openNedbStore } from "../store/nedb-store.js";
import type { GdsStore } from "../store/store.js";
import { openAuditTrail } from "./audit-trail.js";
import { lockDataDir } from "./data-dir-lock.js";
import { startPush, type PushOptions, type RunningPush } from "./push.js";
import { writeAuthorityFiles } from "./authority-files.js";
import { keyPairsFor } from "./key-pairs.js";
import { ensureOwnCertificate } from "./own-certificate.js";

export interface RunningGds {
  endpointUrl: string;
  authority: CertificateAuthority;
  store: GdsStore;
  push: RunningPush;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Password for `admin` on the first start; a generated one is written to a file otherwise. */
  adminPassword?: string;
  clock?: Clock;
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
  const { signer } = await hsm.caSigner(caKeyLabel, caKeyBits(caProfile.key));

  const audit = await openAuditTrail(settings.dataDir, hsm, clock, log("audit"));
  cleanup.push(() => audit.close());
  const store = await openNedbStore(join(settings.dataDir, "store"));
  cleanup.push(() => store.close());
  const authority = await CertificateAuthority.open({
    signer, keyLabel: caKeyLabel, store, clock, log: log("ca"), caProfile, profiles,
  });

  await writeAuthorityFiles(settings.dataDir, authority);

  const users = new UserDirectory(store.users, clock, log("users"), audit);
  if (await users.ensureAdministrator(options.adminPassword,
    join(settings.dataDir, "admin.password"))) {
    await audit.record("user.created", "security-handler", { userName: "admin" });
  }

  const renewalWindowMs = settings.renewalWindowDays * dayMs;
  const pkiDir = join(settings.dataDir, "pki");
  const own = await ensureOwnCertificate({
    pkiDir, applicationUri: settings.applicationUri, hosts: ownHosts(settings),
    authority, clock, renewalWindowMs, log: log("ca"),
  });

  const groups = new CertificateGroups(defaultCertificateGroups(settings.certificateGroups));
  const certificates = new CertificateDirectory(
    store, authority, groups, audit, clock, renewalWindowMs);
  const requests = new CertificateRequests(store, authority, groups, keyPairsFor(profiles),
    await hsm.secretSealer(sealKeyLabel), audit, clock, log("requests"));
  const directory = new ApplicationDirectory(store, clock, log("directory"),
    async (applicationId, caller) => {
      await certificates.revokeApplication(caller, applicationId);
      await push.engine.forget(applicationId, actorName(caller));
    }, audit);
  const userAdministration = new UserAdministration(users, audit);

  // Push management: targets get certificates, trust lists and CRLs from here (README).
  const push = await startPush({
    dataDir: settings.dataDir, pkiDir, applicationUri: settings.applicationUri, own, store,
    authority, groups, sealer: await hsm.secretSealer(sealKeyLabel), audit, clock,
    renewalWindowMs, log: log("push"), options: options.push ?? {},
  });
  cleanup.push(() => push.stop());

  const server = new GdsServer({
    host: settings.host, port: settings.port, hostname: settings.hostname,
    applicationUri: settings.applicationUri, pkiDir, ...own,
    strictChannelCertificates: settings.strictChannelCertificates,
    directory, requests, certificates, groups, users, userAdministration,
    trustList: (groupId) => authority.trustList(groupId),
    authority, push: push.engine, log: log("opcua"),
  });
  const endpointUrl = await server.start();
  cleanup.push(() => server.stop());
  log("opcua").info({ endpointUrl }, "listening");

  // Every new CRL reaches the channel checks, the TrustList objects and DATA_DIR/ca at once.
  authority.onCrlPublished(async (_crl, thisUpdate) => {
    await audit.record("crl.published", "security-handler", {
      crlNumber: authority.crlNumber().toString(), thisUpdate: thisUpdate.toISOString(),
    });
    await writeAuthorityFiles(settings.dataDir, authority);
    await server.refreshAuthorityCrl();
    server.refreshTrustLists(thisUpdate);
    void push.scheduler.kick();
  });
  const crlTimer = setInterval(() => {
    authority.refreshCrlIfDue()
      .catch((error: unknown) => log("ca").error({ err: error }, "CRL refresh failed"));
  }, crlCheckIntervalMs);
  crlTimer.unref();

  return {
    endpointUrl,
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

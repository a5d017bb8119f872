import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { CertificateAuthority } from "../ca/authority.js";
import { loadCaProfile } from "../ca/ca-profile.js";
import { loadCertificateProfiles } from "../ca/certificate-profile.js";
import { systemClock, type Clock } from "../core/clock.js";
import type { Settings } from "../config/settings.js";
import { ApplicationDirectory } from "../gds/application-directory.js";
import { CertificateDirectory } from "../gds/certificate-directory.js";
import { CertificateGroups } from "../gds/certificate-groups.js";
import { UserDirectory } from "../identity/user-directory.js";
import { openHsm, type Hsm } from "../keys/hsm.js";
import type { Logger } from "../log/logger.js";
import { GdsServer } from "../opcua/gds-server.js";
import { openNedbStore } from "../store/nedb-store.js";
import type { GdsStore } from "../store/store.js";
import { writeAuthorityFiles } from "./authority-files.js";
import { ensureOwnCertificate } from "./own-certificate.js";

export interface RunningGds {
  endpointUrl: string;
  authority: CertificateAuthority;
  store: GdsStore;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Password for `admin` on the first start; a generated one is written to a file otherwise. */
  adminPassword?: string;
  clock?: Clock;
}

const dayMs = 86_400_000;
const crlCheckIntervalMs = 60 * 60_000;
export const caKeyLabel = "ca";

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

  const hsm = await openHsm({ dataDir: settings.dataDir, ...settings.hsm, log: rootLog });
  const cleanup: Array<() => Promise<void>> = [() => hsm.close()];
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

  const store = await openNedbStore(join(settings.dataDir, "store"));
  cleanup.push(() => store.close());
  const authority = await CertificateAuthority.open({
    signer, keyLabel: caKeyLabel, store, clock, log: log("ca"), caProfile, profiles,
  });

  await writeAuthorityFiles(settings.dataDir, authority);

  const users = new UserDirectory(store.users, clock, log("users"));
  await users.ensureAdministrator(options.adminPassword,
    join(settings.dataDir, "admin.password"));

  const renewalWindowMs = settings.renewalWindowDays * dayMs;
  const pkiDir = join(settings.dataDir, "pki");
  const own = await ensureOwnCertificate({
    pkiDir, applicationUri: settings.applicationUri, hosts: ownHosts(settings),
    authority, clock, renewalWindowMs, log: log("ca"),
  });

  const groups = new CertificateGroups();
  const directory = new ApplicationDirectory(store, clock, log("directory"), async () => {
    // Revocation of an unregistered application's certificates arrives with revocation.
  });
  const certificates = new CertificateDirectory(
    store, authority, groups, clock, log("certificates"), renewalWindowMs);

  const server = new GdsServer({
    host: settings.host, port: settings.port, hostname: settings.hostname,
    applicationUri: settings.applicationUri, pkiDir, ...own,
    strictChannelCertificates: settings.strictChannelCertificates,
    directory, certificates, groups, users,
    trustList: (groupId) => authority.trustList(groupId),
    authority, log: log("opcua"),
  });
  const endpointUrl = await server.start();
  cleanup.push(() => server.stop());
  log("opcua").info({ endpointUrl }, "listening");

  const crlTimer = setInterval(() => {
    authority.refreshCrlIfDue().then(async (published) => {
      if (!published) return;
      await writeAuthorityFiles(settings.dataDir, authority);
      await server.refreshAuthorityCrl();
      server.refreshTrustLists(authority.crlThisUpdate());
    }).catch((error: unknown) => log("ca").error({ err: error }, "CRL refresh failed"));
  }, crlCheckIntervalMs);
  crlTimer.unref();

  return {
    endpointUrl,
    authority,
    store,
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

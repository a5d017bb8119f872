import { createPrivateKey, type KeyObject } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { OPCUACertificateManager } from "node-opcua";
import { decodePem, encodePem } from "../../../src/ca/pem.js";
import type { TrustListContent } from "../../../src/core/issuing.js";
import { TargetCertificateManager } from "./target-certificate-manager.js";
import type { PushTargetVariant, TargetState } from "./target-state.js";
import { TargetServer, type TargetUser } from "./target-server.js";
import { emptyTrustList } from "./trust-list-codec.js";
import { Transactions } from "./transactions.js";

export type { PushTargetVariant } from "./target-state.js";
export type { TargetUser } from "./target-server.js";

export interface PushTargetOptions {
  /** Folder of the target's PKI and user store; the caller removes it. */
  dir: string;
  applicationUri: string;
  /** Users who may sign in; only those with the SecurityAdmin role may manage certificates. */
  users: TargetUser[];
  /** MaxTrustListSize in bytes, 0 for no limit; small-trust-list defaults to 4096. */
  maxTrustListSize?: number;
  variant?: PushTargetVariant;
  /** The GDS's CA (and its CRL: without one its certificates fail revocation checks). */
  trustGds?: Buffer | { certificate: Buffer; crl?: Buffer };
  /** 0 (the default) takes a free port; restart() reuses the port first given out. */
  port?: number;
  /** How long after ApplyChanges a target that changed certificate closes its channels. */
  channelCloseDelayMs?: number;
  /**
   * X.509 users: their certificates are trusted in the user PKI, and a user signing in with
   * one has the roles of the user whose userName is the certificate's CommonName (node-opcua
   * names an X509IdentityToken's user by CN). The issuers (with a CRL each) complete chains.
   */
  userCertificates?: { trusted: Buffer[]; issuers: Array<{ certificate: Buffer; crl: Buffer }> };
}

export interface PushTarget {
  readonly endpointUrl: string;
  readonly variant: PushTargetVariant;
  stop(): Promise<void>;
  /** Starts again on the same port with the same PKI (after stop(), or stopping first). */
  restart(): Promise<void>;
  trustedCertificates(): Promise<Buffer[]>;
  /** Trusted and issuer CRLs. */
  crls(): Promise<Buffer[]>;
  trustList(): Promise<TrustListContent>;
  /** The application instance certificate new channels are offered (leaf only). */
  servedCertificate(): Promise<Buffer>;
  rejectedCertificates(): Promise<Buffer[]>;
}

const smallTrustListSize = 4096;

/**
 * A Part 12 push target for tests and benchmarks: a node-opcua server on 127.0.0.1 with a
 * self-signed certificate, trusting only what it is told, whose ServerConfiguration and
 * TrustList methods behave as Part 12 says (see interop.md for where node-opcua's own fall
 * short) or like one of the variants seen in other vendors' servers.
 */
export async function startPushTarget(options: PushTargetOptions): Promise<PushTarget> {
  const variant = options.variant ?? "conforming";
  const pkiDir = join(options.dir, "pki");
  await mkdir(pkiDir, { recursive: true });
  const certificateFile = join(pkiDir, "own", "certs", "certificate.pem");
  // Reads the folders without watching them: the accessors work while the target is down.
  const folders = new TargetCertificateManager(pkiDir);
  let port = options.port ?? 0;
  let run: TargetRun | undefined;

  const own = async () => {
    const pem = (await readFile(certificateFile)).toString("ascii");
    const key = createPrivateKey(await readFile(folders.privateKey));
    return { chain: decodePem(pem, "CERTIFICATE"), privateKey: key };
  };

  const start = async () => {
    const manager = new TargetCertificateManager(pkiDir);
    await manager.initialize();
    if (!existsSync(certificateFile)) {
      await createOwnCertificate(manager, options.applicationUri, certificateFile);
      await manager.replaceTrustList(initialTrustList(options.trustGds));
    }
    const userCertificates = new OPCUACertificateManager({
      rootFolder: join(options.dir, "user-pki"),
      automaticallyAcceptUnknownCertificate: false,
    });
    await userCertificates.initialize();
    for (const issuer of options.userCertificates?.issuers ?? []) {
      await userCertificates.addIssuer(issuer.certificate, false, false);
      await userCertificates.addRevocationList(issuer.crl);
    }
    for (const certificate of options.userCertificates?.trusted ?? []) {
      await userCertificates.trustCertificate(certificate);
    }
    let current = await own();
    let server: TargetServer | undefined;
    const state: TargetState = {
      variant,
      applicationUri: options.applicationUri,
      manager,
      transactions: new Transactions(),
      maxTrustListSize: options.maxTrustListSize
        ?? (variant === "small-trust-list" ? smallTrustListSize : 0),
      now: () => new Date(),
      current: () => ({ certificate: current.chain[0]!, privateKey: current.privateKey }),
      installCertificate: async (chainDer, privateKey) => {
        await writeOwnCertificate(certificateFile, splitChain(chainDer), manager.privateKey,
          privateKey);
        current = await own();
        server?.reloadCertificate(current.chain, current.privateKey);
      },
      dropChannels: (delayMs) => server?.dropChannels(delayMs),
    };
    server = new TargetServer({ port, state, users: options.users, userCertificates,
      channelCloseDelayMs: options.channelCloseDelayMs ?? 500 });
    port = await server.start();
    run = { server, manager, userCertificates };
  };
  const stop = async () => {
    if (!run) return;
    const { server, manager, userCertificates } = run;
    run = undefined;
    await server.stop();
    await manager.dispose();
    await userCertificates.dispose();
  };

  await start();
  return {
    endpointUrl: `opc.tcp://127.0.0.1:${port}`,
    variant,
    stop,
    restart: async () => {
      await stop();
      await start();
    },
    trustedCertificates: async () => (await folders.trustList()).trustedCertificates,
    crls: async () => {
      const content = await folders.trustList();
      return [...content.trustedCrls, ...content.issuerCrls];
    },
    trustList: () => folders.trustList(),
    servedCertificate: async () => (await own()).chain[0]!,
    rejectedCertificates: () => folders.rejectedCertificates(),
  };
}

interface TargetRun {
  server: TargetServer;
  manager: TargetCertificateManager;
  userCertificates: OPCUACertificateManager;
}

/** The self-signed certificate a target starts with, for the names it is reached by. */
async function createOwnCertificate(
  manager: TargetCertificateManager,
  applicationUri: string,
  certificateFile: string,
): Promise<void> {
  await manager.createSelfSignedCertificate({
    applicationUri,
    subject: "/CN=Push Target/O=Security Handler Tests",
    dns: ["localhost"],
    ip: ["127.0.0.1"],
    startDate: new Date(Date.now() - 3_600_000),
    validity: 365,
    outputFile: certificateFile,
  });
}

async function writeOwnCertificate(
  certificateFile: string,
  chain: Buffer[],
  privateKeyFile: string,
  privateKey: KeyObject | undefined,
): Promise<void> {
  await writeFile(certificateFile, chain.map((der) => encodePem(der, "CERTIFICATE")).join(""));
  if (!privateKey) return;
  const pem = privateKey.export({ format: "pem", type: "pkcs8" }).toString();
  await writeFile(privateKeyFile, pem, { mode: 0o600 });
}

function initialTrustList(trustGds: PushTargetOptions["trustGds"]): TrustListContent {
  const content = emptyTrustList();
  if (!trustGds) return content;
  const { certificate, crl } = Buffer.isBuffer(trustGds) ? { certificate: trustGds } : trustGds;
  content.trustedCertificates.push(certificate);
  if (crl) content.trustedCrls.push(crl);
  return content;
}

/** DER certificates laid end to end, as UpdateCertificate's chain is kept, split apart. */
function splitChain(chain: Buffer): Buffer[] {
  const certificates: Buffer[] = [];
  let offset = 0;
  while (offset < chain.length) {
    const length = derLength(chain, offset);
    certificates.push(chain.subarray(offset, offset + length));
    offset += length;
  }
  return certificates;
}

function derLength(data: Buffer, offset: number): number {
  const first = data[offset + 1]!;
  if (first < 0x80) return 2 + first;
  const octets = first & 0x7f;
  let length = 0;
  for (let index = 0; index < octets; index += 1) length = length * 256 + data[offset + 2 + index]!;
  return 2 + octets + length;
}

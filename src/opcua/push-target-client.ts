import {
  DataType,
  MessageSecurityMode,
  OPCUACertificateManager,
  OPCUAClient,
  resolveNodeId,
  SecurityPolicy,
  StatusCodes,
  UserTokenType,
  Variant,
  VariantArrayType,
  type ClientSession,
  type NodeId,
} from "node-opcua";
import type { TrustListContent } from "../core/issuing.js";
import {
  PushFailure,
  type PushConnector,
  type TargetAddress,
  type TargetConnection,
} from "../push/push-target-port.js";
import { classifyFailure, failureOfStatus, untrustedFailure } from "./push-failures.js";
import { ServerConfigurationNodes } from "./server-configuration-nodes.js";
import { encodeTrustList, TrustListMasks } from "./trust-list-reader.js";

export interface PushClientOptions {
  applicationUri: string;
  /** The GDS's own CA-issued certificate (chain file) and key: the identity on every target. */
  certificateFile: string;
  privateKeyFile: string;
  /** Where the client keeps the targets' certificates it has seen. */
  pkiDir: string;
  /** Our CA and its current CRL, so that a target serving our certificate is recognised. */
  authority: { certificate(): Buffer; crl(): Buffer };
}

/** TrustList Open mode Write (0x2) | EraseExisting (0x4), Part 5 FileType. */
const openWriteErase = 6;
/** Pause before the second try of a channel the target dropped while it was being opened. */
const refusedRetryMs = 1000;
/** Written per Write call; small enough for any target's MaxByteStringLength. */
const chunkBytes = 16 * 1024;

/**
 * The push side of OPC UA: opens SignAndEncrypt sessions on targets with the GDS's own
 * certificate and calls their ServerConfiguration methods. Target certificates are accepted
 * on first sight: the administrator named the endpoint, and a target is onboarded precisely
 * because it does not have a certificate of ours yet.
 */
export class PushTargetClient implements PushConnector {
  private readonly certificates: OPCUACertificateManager;
  private trustedCrl?: Buffer;
  private ready?: Promise<void>;

  constructor(private readonly options: PushClientOptions) {
    this.certificates = new OPCUACertificateManager({
      rootFolder: options.pkiDir,
      automaticallyAcceptUnknownCertificate: true,
    });
  }

  async open(address: TargetAddress): Promise<TargetConnection> {
    await this.trustAuthority();
    const client = await this.connect(address.endpointUrl);
    try {
      address.verifyServer(firstCertificate(client.serverCertificate ?? Buffer.alloc(0)));
      const { identity } = address;
      const session = await client.createSession(identity.kind === "userName"
        ? { type: UserTokenType.UserName, userName: identity.userName, password: identity.password }
        // X509IdentityToken: node-opcua signs the server's certificate and nonce with the key.
        : { type: UserTokenType.Certificate, certificateData: identity.certificate,
          privateKey: identity.privateKeyPem });
      return new TargetSession(client, session);
    } catch (error) {
      await client.disconnect().catch(() => undefined);
      throw classifyFailure(error, "session");
    }
  }

  /**
   * A secure channel to the target. A target closes every channel a moment after it applied a
   * new certificate, and a channel being opened then looks refused; one more try after a
   * pause tells that moment from a target that really refuses us.
   */
  private async connect(endpointUrl: string): Promise<OPCUAClient> {
    for (let round = 0; ; round++) {
      const client = this.createClient();
      try {
        await client.connect(endpointUrl);
        return client;
      } catch (error) {
        await client.disconnect().catch(() => undefined);
        if (round === 0 && /rejected by server/.test(String(error))) {
          await new Promise((resume) => setTimeout(resume, refusedRetryMs));
          continue;
        }
        throw await this.connectFailure(error, endpointUrl);
      }
    }
  }

  private createClient(): OPCUAClient {
    return OPCUAClient.create({
      applicationName: "Security Handler GDS (push)",
      applicationUri: this.options.applicationUri,
      securityMode: MessageSecurityMode.SignAndEncrypt,
      securityPolicy: SecurityPolicy.Basic256Sha256,
      endpointMustExist: false,
      connectionStrategy: { maxRetry: 0, initialDelay: 100, maxDelay: 200 },
      clientCertificateManager: this.certificates,
      certificateFile: this.options.certificateFile,
      privateKeyFile: this.options.privateKeyFile,
      keepSessionAlive: false,
    });
  }

  async servedCertificate(endpointUrl: string): Promise<Buffer> {
    const client = OPCUAClient.create({
      endpointMustExist: false,
      connectionStrategy: { maxRetry: 0, initialDelay: 100, maxDelay: 200 },
      clientCertificateManager: this.certificates,
    });
    try {
      await client.connect(endpointUrl);
      const endpoints = await client.getEndpoints();
      const secure = endpoints.find((endpoint) =>
        endpoint.securityMode !== MessageSecurityMode.None && endpoint.serverCertificate);
      const served = secure?.serverCertificate;
      if (!served) throw new PushFailure("NotConfirmed", "BadNoData", "no certificate served");
      return firstCertificate(served);
    } catch (error) {
      throw error instanceof PushFailure ? error : classifyFailure(error, "connect");
    } finally {
      await client.disconnect().catch(() => undefined);
    }
  }

  /**
   * node-opcua reports a refused OpenSecureChannel only as a dropped socket. If the target
   * answers GetEndpoints on a None channel it is up, so what it refused was our certificate.
   */
  private async connectFailure(error: unknown, endpointUrl: string): Promise<PushFailure> {
    const failure = classifyFailure(error, "connect");
    if (failure.outcome !== "TargetUnreachable" || !/rejected by server/.test(String(error))) {
      return failure;
    }
    try {
      await this.servedCertificate(endpointUrl);
    } catch {
      return failure;
    }
    return untrustedFailure("BadSecurityChecksFailed");
  }

  async dispose(): Promise<void> {
    await this.certificates.dispose();
  }

  /** Our CA as trusted issuer and its newest CRL; redone only when the CRL changed. */
  private async trustAuthority(): Promise<void> {
    this.ready ??= (async () => {
      await this.certificates.initialize();
      await this.certificates.addIssuer(this.options.authority.certificate(), false, true);
    })();
    await this.ready;
    const crl = this.options.authority.crl();
    if (this.trustedCrl?.equals(crl)) return;
    await this.certificates.addRevocationList(crl);
    this.trustedCrl = crl;
  }
}

class TargetSession implements TargetConnection {
  private readonly nodes: ServerConfigurationNodes;

  constructor(private readonly client: OPCUAClient, private readonly session: ClientSession) {
    this.nodes = new ServerConfigurationNodes(session);
  }

  async writeTrustList(groupId: string, content: TrustListContent): Promise<boolean> {
    // All four parts: the list written replaces everything the group trusted.
    const data = encodeTrustList(content, TrustListMasks.All);
    const limit = await this.maxTrustListSize();
    if (limit > 0 && data.length > limit) {
      throw new PushFailure("TrustListTooLarge", "BadEncodingLimitsExceeded",
        `the trust list has ${data.length} bytes; the target accepts at most ${limit}`);
    }

    const trustList = await this.nodes.trustList(groupId);
    const method = (name: string) => this.nodes.trustListMethod(groupId, name);
    const [handle] = await this.call("Open", trustList, await method("Open"),
      [new Variant({ dataType: DataType.Byte, value: openWriteErase })]);
    const handleArgument = new Variant({ dataType: DataType.UInt32, value: handle });
    try {
      const write = await method("Write");
      for (let offset = 0; offset < data.length; offset += chunkBytes) {
        await this.call("Write", trustList, write, [handleArgument,
          new Variant({ dataType: DataType.ByteString,
            value: data.subarray(offset, offset + chunkBytes) })]);
      }
    } catch (error) {
      // Close without update so that the target drops what was written.
      await this.call("Close", trustList, await method("Close"), [handleArgument])
        .catch(() => undefined);
      throw error;
    }
    const [applyChangesRequired] = await this.call("CloseAndUpdate", trustList,
      await method("CloseAndUpdate"), [handleArgument]);
    return applyChangesRequired !== false;
  }

  async createSigningRequest(groupId: string, certificateTypeId: string, nonce: Buffer) {
    const configuration = await this.nodes.serverConfiguration();
    // A null SubjectName keeps the target's current subject (some stacks fail on a new one).
    const [csr] = await this.call("CreateSigningRequest", configuration,
      await this.nodes.method("CreateSigningRequest"), [
        new Variant({ dataType: DataType.NodeId, value: await this.nodes.group(groupId) }),
        new Variant({ dataType: DataType.NodeId, value: resolveNodeId(certificateTypeId) }),
        new Variant({ dataType: DataType.String, value: null }),
        new Variant({ dataType: DataType.Boolean, value: true }),
        new Variant({ dataType: DataType.ByteString, value: nonce }),
      ]);
    if (!Buffer.isBuffer(csr) || csr.length === 0) {
      throw new PushFailure("TargetError", "BadNoData", "the target returned no CSR");
    }
    return csr;
  }

  async updateCertificate(
    groupId: string,
    certificateTypeId: string,
    certificate: Buffer,
    issuerCertificates: Buffer[],
  ): Promise<void> {
    await this.call("UpdateCertificate", await this.nodes.serverConfiguration(),
      await this.nodes.method("UpdateCertificate"), [
        new Variant({ dataType: DataType.NodeId, value: await this.nodes.group(groupId) }),
        new Variant({ dataType: DataType.NodeId, value: resolveNodeId(certificateTypeId) }),
        new Variant({ dataType: DataType.ByteString, value: certificate }),
        new Variant({ dataType: DataType.ByteString, arrayType: VariantArrayType.Array,
          value: issuerCertificates }),
        new Variant({ dataType: DataType.String, value: "" }),
        new Variant({ dataType: DataType.ByteString, value: Buffer.alloc(0) }),
      ]);
  }

  async applyChanges(): Promise<void> {
    await this.call("ApplyChanges", await this.nodes.serverConfiguration(),
      await this.nodes.method("ApplyChanges"), []);
  }

  async rejectedList(): Promise<Buffer[]> {
    const [certificates] = await this.call("GetRejectedList",
      await this.nodes.serverConfiguration(), await this.nodes.method("GetRejectedList"), []);
    return Array.isArray(certificates) ? certificates.filter(Buffer.isBuffer) : [];
  }

  async close(): Promise<void> {
    // The target may have closed the channel already (after ApplyChanges): nothing to report.
    await this.session.close().catch(() => undefined);
    await this.client.disconnect().catch(() => undefined);
  }

  private async maxTrustListSize(): Promise<number> {
    const node = await this.nodes.maxTrustListSizeNode();
    if (!node) return 0;
    const value = await this.session.read({ nodeId: node })
      .catch((error: unknown) => Promise.reject(classifyFailure(error, "Read")));
    return typeof value.value?.value === "number" ? value.value.value : 0;
  }

  private async call(step: string, objectId: NodeId, methodId: NodeId, inputArguments: Variant[]) {
    let result;
    try {
      result = await this.session.call({ objectId, methodId, inputArguments });
    } catch (error) {
      throw classifyFailure(error, step);
    }
    if (result.statusCode.value !== StatusCodes.Good.value) {
      throw failureOfStatus(step, result.statusCode.name);
    }
    return (result.outputArguments ?? []).map((variant) => variant.value as unknown);
  }
}

/** GetEndpoints gives the whole chain in one ByteString on some stacks: keep the leaf. */
function firstCertificate(chain: Buffer): Buffer {
  if (chain.length < 4 || chain[0] !== 0x30 || chain[1] !== 0x82) return chain;
  const length = chain.readUInt16BE(2) + 4;
  return chain.subarray(0, Math.min(length, chain.length));
}

import {
  coerceNodeId,
  DataType,
  MessageSecurityMode,
  NodeId,
  OPCUACertificateManager,
  OPCUAClient,
  SecurityPolicy,
  StatusCodes,
  UserTokenType,
  Variant,
  VariantArrayType,
  type ClientSession,
  type StatusCode,
  type UserIdentityInfo,
} from "node-opcua";
import { gdsNamespaceUri } from "../opcua/gds-address-space.js";

/** Part 12 NodeIds (numeric part, GDS namespace) that stock GDS clients rely on. */
const ids = {
  directory: 141,
  applicationRecordDataType: 1,
  FindApplications: 143,
  RegisterApplication: 146,
  UnregisterApplication: 149,
  StartSigningRequest: 157,
  FinishRequest: 163,
  GetTrustList: 204,
  GetCertificateStatus: 225,
  GetCertificateGroups: 508,
  UpdateApplication: 200,
  GetApplication: 216,
  DefaultApplicationGroup: 615,
} as const;

export interface ApplicationRecordOptions {
  applicationId?: NodeId;
  applicationUri: string;
  applicationType: number;
  applicationNames: Array<{ locale?: string; text: string }>;
  productUri: string;
  discoveryUrls: string[];
  serverCapabilities: string[];
}

/** A method call's outcome: its status and output values. */
export interface CallResult {
  statusCode: StatusCode;
  outputs: unknown[];
}

export interface GdsClientOptions {
  endpointUrl: string;
  /** Folder of the client's own PKI (its application certificate). */
  pkiDir: string;
  securityMode?: MessageSecurityMode;
  securityPolicy?: SecurityPolicy;
  user?: { userName: string; password: string };
  applicationUri?: string;
  /** An application certificate and key to present instead of a generated self-signed one. */
  certificateFile?: string;
  privateKeyFile?: string;
  /**
   * The GDS's CA certificate and CRL, trusted before connecting. node-opcua clients do not
   * build a chain from what the server sends, and they want a CRL for every issuer.
   */
  authority?: { certificate: Buffer; crl: Buffer };
}

/**
 * An OPC UA client of the GDS's Part 12 methods, as any stock GDS client would call them. The
 * CLI, the benchmark and the tests all use it; it holds no logic of the GDS.
 */
export class GdsClient {
  private gdsIndex = 0;

  private constructor(
    private readonly client: OPCUAClient,
    readonly session: ClientSession,
    private readonly certificateManager: OPCUACertificateManager,
  ) {}

  static async connect(options: GdsClientOptions): Promise<GdsClient> {
    const certificateManager = new OPCUACertificateManager({
      rootFolder: options.pkiDir,
      automaticallyAcceptUnknownCertificate: true,
    });
    if (options.authority) {
      await certificateManager.initialize();
      await certificateManager.addIssuer(options.authority.certificate, false, true);
      await certificateManager.addRevocationList(options.authority.crl);
    }
    const client = OPCUAClient.create({
      applicationName: "Security Handler client",
      applicationUri: options.applicationUri ?? "urn:security-handler:client",
      securityMode: options.securityMode ?? MessageSecurityMode.SignAndEncrypt,
      securityPolicy: options.securityPolicy ?? SecurityPolicy.Basic256Sha256,
      endpointMustExist: false,
      connectionStrategy: { maxRetry: 0, initialDelay: 100, maxDelay: 200 },
      clientCertificateManager: certificateManager,
      certificateFile: options.certificateFile,
      privateKeyFile: options.privateKeyFile,
      requestedSessionTimeout: 600_000,
    });
    await client.connect(options.endpointUrl);
    try {
      const identity: UserIdentityInfo = options.user
        ? { type: UserTokenType.UserName, ...options.user }
        : { type: UserTokenType.Anonymous };
      const session = await client.createSession(identity);
      const gds = new GdsClient(client, session, certificateManager);
      const namespaces = (await session.readNamespaceArray()) as string[];
      gds.gdsIndex = namespaces.indexOf(gdsNamespaceUri);
      return gds;
    } catch (error) {
      await client.disconnect();
      throw error;
    }
  }

  nodeId(id: number): NodeId {
    return coerceNodeId(id, this.gdsIndex);
  }

  get defaultApplicationGroup(): NodeId {
    return this.nodeId(ids.DefaultApplicationGroup);
  }

  async call(methodId: NodeId | number, inputArguments: Variant[], objectId?: NodeId): Promise<CallResult> {
    const result = await this.session.call({
      objectId: objectId ?? this.nodeId(ids.directory),
      methodId: typeof methodId === "number" ? this.nodeId(methodId) : methodId,
      inputArguments,
    });
    return {
      statusCode: result.statusCode,
      outputs: (result.outputArguments ?? []).map((variant) => variant.value),
    };
  }

  async applicationRecord(options: ApplicationRecordOptions): Promise<Variant> {
    const record = await this.session.constructExtensionObject(
      this.nodeId(ids.applicationRecordDataType), {
        applicationId: options.applicationId ?? NodeId.nullNodeId,
        ...options,
      });
    return new Variant({ dataType: DataType.ExtensionObject, value: record });
  }

  async registerApplication(options: ApplicationRecordOptions): Promise<CallResult> {
    return this.call(ids.RegisterApplication, [await this.applicationRecord(options)]);
  }

  async updateApplication(options: ApplicationRecordOptions): Promise<CallResult> {
    return this.call(ids.UpdateApplication, [await this.applicationRecord(options)]);
  }

  unregisterApplication(applicationId: NodeId): Promise<CallResult> {
    return this.call(ids.UnregisterApplication, [nodeIdVariant(applicationId)]);
  }

  findApplications(applicationUri: string): Promise<CallResult> {
    return this.call(ids.FindApplications, [
      new Variant({ dataType: DataType.String, value: applicationUri })]);
  }

  getApplication(applicationId: NodeId): Promise<CallResult> {
    return this.call(ids.GetApplication, [nodeIdVariant(applicationId)]);
  }

  startSigningRequest(
    applicationId: NodeId,
    csr: Buffer,
    groupId: NodeId = NodeId.nullNodeId,
    typeId: NodeId = NodeId.nullNodeId,
  ): Promise<CallResult> {
    return this.call(ids.StartSigningRequest, [
      nodeIdVariant(applicationId),
      nodeIdVariant(groupId),
      nodeIdVariant(typeId),
      new Variant({ dataType: DataType.ByteString, value: csr }),
    ]);
  }

  finishRequest(applicationId: NodeId, requestId: NodeId): Promise<CallResult> {
    return this.call(ids.FinishRequest, [nodeIdVariant(applicationId), nodeIdVariant(requestId)]);
  }

  getCertificateGroups(applicationId: NodeId): Promise<CallResult> {
    return this.call(ids.GetCertificateGroups, [nodeIdVariant(applicationId)]);
  }

  getTrustList(applicationId: NodeId, groupId: NodeId = NodeId.nullNodeId): Promise<CallResult> {
    return this.call(ids.GetTrustList, [nodeIdVariant(applicationId), nodeIdVariant(groupId)]);
  }

  getCertificateStatus(
    applicationId: NodeId,
    groupId: NodeId = NodeId.nullNodeId,
    typeId: NodeId = NodeId.nullNodeId,
  ): Promise<CallResult> {
    return this.call(ids.GetCertificateStatus, [
      nodeIdVariant(applicationId), nodeIdVariant(groupId), nodeIdVariant(typeId)]);
  }

  /** Reads a whole TrustList object through its file methods, as Part 12 clients do. */
  async readTrustList(trustListId: NodeId, chunkSize = 4096): Promise<Buffer> {
    const method = async (name: string) => {
      const path = await this.session.translateBrowsePath({
        startingNode: trustListId,
        relativePath: { elements: [{ targetName: { name, namespaceIndex: 0 } }] },
      } as never);
      const target = path.targets?.[0]?.targetId;
      if (!target) throw new Error(`the TrustList has no ${name} method`);
      return coerceNodeId(target.toString());
    };
    const open = await this.call(await method("Open"),
      [new Variant({ dataType: DataType.Byte, value: 1 })], trustListId);
    if (open.statusCode !== StatusCodes.Good) throw new Error(`Open: ${open.statusCode.name}`);
    const handle = new Variant({ dataType: DataType.UInt32, value: open.outputs[0] });

    const chunks: Buffer[] = [];
    const read = await method("Read");
    for (;;) {
      const result = await this.call(read,
        [handle, new Variant({ dataType: DataType.Int32, value: chunkSize })], trustListId);
      if (result.statusCode !== StatusCodes.Good) throw new Error(`Read: ${result.statusCode.name}`);
      const chunk = result.outputs[0] as Buffer | null;
      if (!chunk || chunk.length === 0) break;
      chunks.push(chunk);
    }
    await this.call(await method("Close"), [handle], trustListId);
    return Buffer.concat(chunks);
  }

  async close(): Promise<void> {
    await this.session.close().catch(() => undefined);
    await this.client.disconnect();
    await this.certificateManager.dispose();
  }
}

export function nodeIdVariant(nodeId: NodeId): Variant {
  return new Variant({ dataType: DataType.NodeId, arrayType: VariantArrayType.Scalar, value: nodeId });
}

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
import { gdsNamespaceUri, productNamespaceUri } from "../opcua/gds-address-space.js";

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
  QueryApplications: 992,
  QueryServers: 151,
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

/** QueryApplications and QueryServers arguments; an absent one is 0, "" or an empty list. */
export interface ApplicationQueryOptions {
  startingRecordId?: number;
  maxRecordsToReturn?: number;
  applicationName?: string;
  applicationUri?: string;
  /** Mask: 1 servers, 2 clients, 0 all. */
  applicationType?: number;
  productUri?: string;
  serverCapabilities?: string[];
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
  /** Sign in with an X509IdentityToken instead: the user's certificate (DER) and its key. */
  userCertificate?: { certificate: Buffer; privateKeyPem: string };
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
    readonly client: OPCUAClient,
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
      // Servers close a connection idle for their transport timeout (30 s in node-opcua); a
      // client held open between calls (tests, long CLI runs) reads now and then to stay.
      keepSessionAlive: true,
      keepAliveInterval: 10_000,
    });
    await client.connect(options.endpointUrl);
    try {
      const identity: UserIdentityInfo = options.userCertificate
        ? { type: UserTokenType.Certificate, certificateData: options.userCertificate.certificate,
          privateKey: options.userCertificate.privateKeyPem }
        : options.user
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

  async call(
    methodId: NodeId | number,
    inputArguments: Variant[],
    objectId?: NodeId,
  ): Promise<CallResult> {
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

  /** Outputs: LastCounterResetTime, NextRecordId, ApplicationDescription[]. */
  queryApplications(query: ApplicationQueryOptions = {}): Promise<CallResult> {
    return this.call(ids.QueryApplications, [
      uint32Variant(query.startingRecordId), uint32Variant(query.maxRecordsToReturn),
      stringVariant(query.applicationName), stringVariant(query.applicationUri),
      uint32Variant(query.applicationType), stringVariant(query.productUri),
      stringsVariant(query.serverCapabilities),
    ]);
  }

  /** Outputs: LastCounterResetTime, ServerOnNetwork[]. */
  queryServers(query: Omit<ApplicationQueryOptions, "applicationType"> = {}): Promise<CallResult> {
    return this.call(ids.QueryServers, [
      uint32Variant(query.startingRecordId), uint32Variant(query.maxRecordsToReturn),
      stringVariant(query.applicationName), stringVariant(query.applicationUri),
      stringVariant(query.productUri), stringsVariant(query.serverCapabilities),
    ]);
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
      if (result.statusCode !== StatusCodes.Good) {
        throw new Error(`Read: ${result.statusCode.name}`);
      }
      const chunk = result.outputs[0] as Buffer | null;
      if (!chunk || chunk.length === 0) break;
      chunks.push(chunk);
    }
    await this.call(await method("Close"), [handle], trustListId);
    return Buffer.concat(chunks);
  }

  /** Index of the product's namespace on the connected GDS. */
  async productNamespaceIndex(): Promise<number> {
    const namespaces = (await this.session.readNamespaceArray()) as string[];
    const index = namespaces.indexOf(productNamespaceUri);
    if (index < 0) throw new Error("the server is not a Security Handler GDS");
    return index;
  }

  /** A RequestId or ApplicationId as the GDS hands it out: a GUID in the product namespace. */
  async productNodeId(guid: string): Promise<NodeId> {
    return new NodeId(NodeId.NodeIdType.GUID, guid, await this.productNamespaceIndex());
  }

  /**
   * Calls a method by browse path from the Objects folder, every step in the product's
   * namespace (for example ["SecurityHandler", "ApproveRequest"]), or a product-namespace
   * method of the Directory object (["Directory", name]).
   */
  async callProductMethod(path: [string, string], inputArguments: Variant[]): Promise<CallResult> {
    const product = await this.productNamespaceIndex();
    const objectId = path[0] === "Directory"
      ? this.nodeId(ids.directory)
      : await this.browsePath(coerceNodeId("i=85"), [{ name: path[0], namespaceIndex: product }]);
    const methodId = await this.browsePath(objectId, [{ name: path[1], namespaceIndex: product }]);
    return this.call(methodId, inputArguments, objectId);
  }

  private async browsePath(
    startingNode: NodeId,
    elements: Array<{ name: string; namespaceIndex: number }>,
  ): Promise<NodeId> {
    const result = await this.session.translateBrowsePath({
      startingNode,
      relativePath: { elements: elements.map((targetName) => ({ targetName })) },
    } as never);
    const target = result.targets?.[0]?.targetId;
    if (!target) throw new Error(`no ${elements.map((element) => element.name).join("/")} here`);
    return coerceNodeId(target.toString());
  }

  async close(): Promise<void> {
    await this.session.close().catch(() => undefined);
    await this.client.disconnect();
    await this.certificateManager.dispose();
  }
}

export function nodeIdVariant(nodeId: NodeId): Variant {
  return new Variant({
    dataType: DataType.NodeId, arrayType: VariantArrayType.Scalar, value: nodeId,
  });
}

function uint32Variant(value = 0): Variant {
  return new Variant({ dataType: DataType.UInt32, value });
}

function stringVariant(value = ""): Variant {
  return new Variant({ dataType: DataType.String, value });
}

function stringsVariant(values: string[] = []): Variant {
  return new Variant(
    { dataType: DataType.String, arrayType: VariantArrayType.Array, value: values });
}

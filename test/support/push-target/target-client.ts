import {
  coerceNodeId,
  DataType,
  makeBrowsePath,
  MessageSecurityMode,
  NodeId,
  OPCUACertificateManager,
  OPCUAClient,
  SecurityPolicy,
  StatusCodes,
  UserTokenType,
  Variant,
  type ClientSession,
  type StatusCode,
} from "node-opcua";

/** Part 12 NodeIds in namespace 0. */
export const serverConfigurationIds = {
  object: 12637,
  CreateSigningRequest: 12737,
  UpdateCertificate: 13737,
  ApplyChanges: 12740,
  GetRejectedList: 12777,
  DefaultApplicationGroup: 14156,
  RsaSha256ApplicationCertificateType: 12560,
} as const;

export interface CallOutcome {
  statusCode: StatusCode;
  outputs: unknown[];
}

export interface TargetClientOptions {
  endpointUrl: string;
  pkiDir: string;
  certificateFile: string;
  privateKeyFile: string;
  user?: { userName: string; password: string };
  mode?: MessageSecurityMode;
  /** The CA of the client's own certificate, so the client can check its own chain. */
  authority?: { certificate: Buffer; crl: Buffer };
}

/** A plain node-opcua client of a push target, as an independent party would write it. */
export class TargetClient {
  private trustListId?: NodeId;

  private constructor(readonly client: OPCUAClient, readonly session: ClientSession) {}

  static async connect(options: TargetClientOptions): Promise<TargetClient> {
    const mode = options.mode ?? MessageSecurityMode.SignAndEncrypt;
    const certificateManager = new OPCUACertificateManager({
      rootFolder: options.pkiDir, automaticallyAcceptUnknownCertificate: true,
    });
    if (options.authority) {
      await certificateManager.initialize();
      await certificateManager.addIssuer(options.authority.certificate, false, true);
      await certificateManager.addRevocationList(options.authority.crl);
    }
    const client = OPCUAClient.create({
      applicationName: "Push target test client",
      applicationUri: "urn:security-handler:test:push-client",
      securityMode: mode,
      securityPolicy: mode === MessageSecurityMode.None
        ? SecurityPolicy.None : SecurityPolicy.Basic256Sha256,
      endpointMustExist: false,
      connectionStrategy: { maxRetry: 0, initialDelay: 100, maxDelay: 200 },
      clientCertificateManager: certificateManager,
      certificateFile: options.certificateFile,
      privateKeyFile: options.privateKeyFile,
    });
    await client.connect(options.endpointUrl);
    try {
      const session = await client.createSession(options.user
        ? { type: UserTokenType.UserName, ...options.user }
        : { type: UserTokenType.Anonymous });
      return new TargetClient(client, session);
    } catch (error) {
      await client.disconnect();
      throw error;
    }
  }

  async call(objectId: NodeId, methodId: NodeId, inputs: Variant[] = []): Promise<CallOutcome> {
    const result = await this.session.call({ objectId, methodId, inputArguments: inputs });
    return {
      statusCode: result.statusCode,
      outputs: (result.outputArguments ?? []).map((variant) => variant.value),
    };
  }

  /** Calls a ServerConfiguration method by its standard NodeId. */
  serverConfiguration(
    method: Exclude<keyof typeof serverConfigurationIds, "object">,
    inputs: Variant[] = [],
  ): Promise<CallOutcome> {
    return this.call(coerceNodeId(serverConfigurationIds.object),
      coerceNodeId(serverConfigurationIds[method]), inputs);
  }

  /** The DefaultApplicationGroup's TrustList, found by browse path rather than by number. */
  async trustList(): Promise<NodeId> {
    if (this.trustListId) return this.trustListId;
    const [result] = await this.session.translateBrowsePath([makeBrowsePath(
      coerceNodeId(serverConfigurationIds.object),
      "/CertificateGroups/DefaultApplicationGroup/TrustList")]);
    const target = result?.targets?.[0]?.targetId;
    if (!target) throw new Error("the target has no DefaultApplicationGroup TrustList");
    this.trustListId = NodeId.resolveNodeId(target.toString());
    return this.trustListId;
  }

  /** Calls a TrustList method found by browse name under the TrustList object. */
  async trustListMethod(name: string, inputs: Variant[] = []): Promise<CallOutcome> {
    const trustList = await this.trustList();
    const [result] = await this.session.translateBrowsePath([
      makeBrowsePath(trustList, `/${name}`)]);
    const target = result?.targets?.[0]?.targetId;
    if (!target) return { statusCode: StatusCodes.BadMethodInvalid, outputs: [] };
    return this.call(trustList, NodeId.resolveNodeId(target.toString()), inputs);
  }

  /** Open(Write+EraseExisting), Write in chunks, CloseAndUpdate. */
  async writeTrustList(file: Buffer, chunkSize = 4096): Promise<CallOutcome> {
    const opened = await this.trustListMethod("Open", [byte(6)]);
    if (opened.statusCode !== StatusCodes.Good) return opened;
    const handle = uint32(opened.outputs[0] as number);
    for (let offset = 0; offset < file.length; offset += chunkSize) {
      const written = await this.trustListMethod("Write",
        [handle, bytes(file.subarray(offset, offset + chunkSize))]);
      if (written.statusCode !== StatusCodes.Good) {
        await this.trustListMethod("Close", [handle]);
        return written;
      }
    }
    return this.trustListMethod("CloseAndUpdate", [handle]);
  }

  /** Open(Read) or OpenWithMasks, Read to the end, Close. */
  async readTrustList(masks?: number): Promise<Buffer> {
    const opened = masks === undefined
      ? await this.trustListMethod("Open", [byte(1)])
      : await this.trustListMethod("OpenWithMasks", [uint32(masks)]);
    if (opened.statusCode !== StatusCodes.Good) throw new Error(opened.statusCode.name);
    const handle = uint32(opened.outputs[0] as number);
    const chunks: Buffer[] = [];
    for (;;) {
      const read = await this.trustListMethod("Read", [handle, int32(1000)]);
      const chunk = read.outputs[0] as Buffer | null;
      if (!chunk || chunk.length === 0) break;
      chunks.push(chunk);
    }
    await this.trustListMethod("Close", [handle]);
    return Buffer.concat(chunks);
  }

  async close(): Promise<void> {
    await this.session.close().catch(() => undefined);
    await this.client.disconnect();
  }
}

export const byte = (value: number) => new Variant({ dataType: DataType.Byte, value });
export const uint32 = (value: number) => new Variant({ dataType: DataType.UInt32, value });
export const int32 = (value: number) => new Variant({ dataType: DataType.Int32, value });
export const bool = (value: boolean) => new Variant({ dataType: DataType.Boolean, value });
export const text = (value: string) => new Variant({ dataType: DataType.String, value });
export const bytes = (value: Buffer) => new Variant({ dataType: DataType.ByteString, value });
export const nodeId = (value: number) =>
  new Variant({ dataType: DataType.NodeId, value: coerceNodeId(value) });
export const byteStrings = (value: Buffer[]) =>
  new Variant({ dataType: DataType.ByteString, arrayType: 1, value });

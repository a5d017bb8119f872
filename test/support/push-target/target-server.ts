import type { KeyObject } from "node:crypto";
import {
  ApplicationType,
  DataType,
  makeRoles,
  MessageSecurityMode,
  nodesets,
  OPCUAServer,
  SecurityPolicy,
  type NodeId,
  type OPCUACertificateManager,
  type ServerSession,
  type UAObject,
} from "node-opcua";
import { installPushCertificateManagementOnServer } from "node-opcua-server-configuration";
import { relocateTrustList } from "./relocated-trust-list.js";
import { bindServerConfigurationMethods } from "./server-configuration-methods.js";
import type { TargetState } from "./target-state.js";
import { TrustListMethods } from "./trust-list-methods.js";

export interface TargetUser {
  userName: string;
  password: string;
  /** Well-known role names, e.g. ["SecurityAdmin"]; every user is an AuthenticatedUser. */
  roles: string[];
}

export interface TargetServerOptions {
  port: number;
  state: TargetState;
  users: TargetUser[];
  userCertificates: OPCUACertificateManager;
  channelCloseDelayMs: number;
}

/** Server internals that node-opcua-server-configuration also replaces on a new certificate. */
interface ServedKeys {
  $$certificateChain: Buffer | null;
  $$certificate: Buffer | null;
  $$privateKey: { hidden: unknown } | null;
}

/** One run of the push target's node-opcua server; a restart builds a new one. */
export class TargetServer {
  private readonly server: OPCUAServer;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly options: TargetServerOptions) {
    const { state, users } = options;
    const roles = new Map(users.map((user) => [user.userName,
      ["AuthenticatedUser", ...user.roles].flatMap((role): NodeId[] => makeRoles(role))]));
    this.server = new OPCUAServer({
      port: options.port,
      host: "127.0.0.1",
      hostname: "127.0.0.1",
      alternateHostname: [],
      nodeset_filename: [nodesets.standard],
      serverInfo: {
        applicationUri: state.applicationUri,
        productUri: "urn:security-handler:test:push-target",
        applicationName: { text: `Push target (${state.variant})`, locale: "en" },
        applicationType: ApplicationType.Server,
      },
      securityModes: [MessageSecurityMode.None, MessageSecurityMode.Sign,
        MessageSecurityMode.SignAndEncrypt],
      securityPolicies: [SecurityPolicy.None, SecurityPolicy.Basic256Sha256,
        SecurityPolicy.Aes128_Sha256_RsaOaep],
      allowAnonymous: true,
      serverCertificateManager: state.manager,
      userCertificateManager: options.userCertificates,
      certificateFile: `${state.manager.rootDir}/own/certs/certificate.pem`,
      privateKeyFile: state.manager.privateKey,
      userManager: {
        isValidUser: (userName: string, password: string) =>
          users.some((user) => user.userName === userName && user.password === password),
        getUserRoles: (userName: string) => roles.get(userName) ?? makeRoles("Anonymous"),
      },
    });
  }

  /** Starts listening; resolves with the port. */
  async start(): Promise<number> {
    const { state } = this.options;
    // node-opcua's start-up check adds the server's own certificate to the trusted folder;
    // this target trusts only what it was told, so the list is put back as it was.
    const told = await state.manager.trustList();
    await this.server.initialize();
    await state.manager.replaceTrustList(told);
    await installPushCertificateManagementOnServer(this.server);
    const addressSpace = this.server.engine.addressSpace!;
    const serverConfiguration = addressSpace.rootFolder.objects.server
      .getChildByName("ServerConfiguration") as UAObject;
    serverConfiguration.getPropertyByName("MaxTrustListSize")?.setValueFromSource({
      dataType: DataType.UInt32, value: state.maxTrustListSize,
    });
    bindServerConfigurationMethods(serverConfiguration, state,
      { channelCloseDelayMs: this.options.channelCloseDelayMs });

    const group = serverConfiguration.getComponentByName("CertificateGroups")
      ?.getComponentByName("DefaultApplicationGroup") as UAObject;
    let trustList = group.getComponentByName("TrustList") as UAObject;
    if (state.variant === "methods-elsewhere") trustList = relocateTrustList(group, trustList);
    const trustListMethods = new TrustListMethods(state);
    trustListMethods.bind(trustList);

    this.server.on("session_closed", (session: ServerSession) => {
      const sessionId = session.nodeId.toString();
      trustListMethods.sessionClosed(sessionId);
      state.transactions.sessionClosed(sessionId, state.variant !== "strict-order");
    });
    await this.server.start();
    return Number(new URL(this.server.getEndpointUrl().replace("opc.tcp:", "http:")).port);
  }

  /** New channels and GetEndpoints serve the certificate and key now in the PKI folder. */
  reloadCertificate(chain: Buffer[], privateKey: KeyObject): void {
    const served = this.server as unknown as ServedKeys;
    served.$$certificate = chain[0] ?? null;
    served.$$certificateChain = Buffer.concat(chain);
    served.$$privateKey = { hidden: privateKey };
  }

  dropChannels(delayMs: number): void {
    // The channels open now, which use the old certificate; channels opened during the delay
    // already use the new one and stay. (shutdownChannels() would close the listening sockets.)
    const channels = this.server.endpoints.flatMap((endpoint) => endpoint.getChannels());
    const drop = () => {
      for (const channel of channels) channel.abruptlyInterrupt();
    };
    if (delayMs === 0) {
      // After the answer has been written: node-opcua sends it before the next I/O turn.
      setImmediate(drop);
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      drop();
    }, delayMs);
    this.timers.add(timer);
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await this.server.shutdown(0);
  }
}

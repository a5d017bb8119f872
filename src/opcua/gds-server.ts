import {
  ApplicationType,
  MessageSecurityMode,
  nodesets,
  OPCUAServer,
  SecurityPolicy,
  type ServerSession,
} from "node-opcua";
import { join } from "node:path";
import type { ApplicationDirectory } from "../gds/application-directory.js";
import type { TrustListContent } from "../core/issuing.js";
import type { CertificateDirectory } from "../gds/certificate-directory.js";
import type { CertificateGroups } from "../gds/certificate-groups.js";
import type { UserCertificates } from "../identity/user-certificates.js";
import type { UserDirectory } from "../identity/user-directory.js";
import { defaultSessionLimits, guardSessions, type SessionLimits } from "./session-guard.js";
import type { Logger } from "../log/logger.js";
import type { CertificateRequests } from "../gds/certificate-requests.js";
import type { UserAdministration } from "../identity/user-administration.js";
import type { PushService } from "../push/push-service.js";
import { bindAdministrationMethods } from "./administration-methods.js";
import { AuditEntryIds } from "./audit-entry-ids.js";
import type { CertificateAuditEvents } from "./certificate-audit-events.js";
import { bindCertificateDirectoryMethods } from "./certificate-directory-methods.js";
import { publishCertificateTypes } from "./certificate-group-nodes.js";
import { ChannelCertificateManager } from "./channel-certificate-manager.js";
import { UserCertificateManager } from "./user-certificate-manager.js";
import { bindDirectoryMethods } from "./directory-methods.js";
import { bindEstCredentialMethod, type EstCredentialIssuer } from "./est-credential-method.js";
import { GdsAddressSpace, productNamespaceUri } from "./gds-address-space.js";
import { methodCallsSettled } from "./method-binding.js";
import { bindPushMethods } from "./push-methods.js";
import { bindQueryMethods } from "./query-methods.js";
import { CallerResolver } from "./session-caller.js";
import { bindTrustListMethods } from "./trust-list-methods.js";

export interface GdsServerOptions {
  host: string | undefined;
  port: number;
  hostname: string;
  applicationUri: string;
  /** Folder of the server's PKI (trusted CA and CRL, rejected certificates). */
  pkiDir: string;
  certificateFile: string;
  privateKeyFile: string;
  strictChannelCertificates: boolean;
  directory: ApplicationDirectory;
  requests: CertificateRequests;
  certificates: CertificateDirectory;
  groups: CertificateGroups;
  users: UserDirectory;
  userCertificates: UserCertificates;
  userAdministration: UserAdministration;
  /** EST enrolment credentials, handed out by SecurityHandler.CreateEstCredential. */
  estCredentials?: EstCredentialIssuer;
  trustList: (groupId: string) => TrustListContent;
  /** Raises the certificate audit events once the address space exists. */
  certificateEvents: CertificateAuditEvents;
  /** The CA whose certificates channels may present, with its current CRL. */
  authority: { certificate(): Buffer; crl(): Buffer };
  sessionLimits?: SessionLimits;
  /** Push management methods on the administration object, when push is configured. */
  push?: PushService;
  log: Logger;
}

export const productUri = "urn:security-handler";

/** How long stop waits for method calls under way before it closes what they write to. */
const callsGraceMs = 10_000;

/** The OPC UA front-end: a node-opcua server with the GDS nodeset and our method bindings. */
export class GdsServer {
  private readonly server: OPCUAServer;
  private readonly channelCertificates: ChannelCertificateManager;
  private readonly userCertificates: UserCertificateManager;
  private trustLists: Array<ReturnType<typeof bindTrustListMethods>> = [];

  constructor(private readonly options: GdsServerOptions) {
    this.channelCertificates = new ChannelCertificateManager(
      join(options.pkiDir, "channel"), options.strictChannelCertificates);
    this.userCertificates = new UserCertificateManager(join(options.pkiDir, "user"),
      options.userCertificates);

    const secure = [MessageSecurityMode.Sign, MessageSecurityMode.SignAndEncrypt];
    this.server = new OPCUAServer({
      port: options.port,
      host: options.host,
      hostname: options.hostname,
      alternateHostname: [],
      nodeset_filename: [nodesets.standard, nodesets.gds],
      serverInfo: {
        applicationUri: options.applicationUri,
        productUri,
        applicationName: { text: "Security Handler GDS", locale: "en" },
        applicationType: ApplicationType.DiscoveryServer,
      },
      buildInfo: {
        productName: "Security Handler", productUri, manufacturerName: "Security Handler",
      },
      // Sessions need Sign or SignAndEncrypt; a None channel serves discovery only.
      securityModes: secure,
      securityPolicies: [
        SecurityPolicy.Basic256Sha256,
        SecurityPolicy.Aes128_Sha256_RsaOaep,
        SecurityPolicy.Aes256_Sha256_RsaPss,
      ],
      allowAnonymous: true,
      certificateFile: options.certificateFile,
      privateKeyFile: options.privateKeyFile,
      serverCertificateManager: this.channelCertificates,
      userCertificateManager: this.userCertificates,
      userManager: {
        isValidUserAsync: (userName, password, callback) => {
          options.users.authenticate(userName, password)
            .then((valid) => callback(null, valid), (error: Error) => callback(error));
        },
        getUserRoles: () => [],
      },
      // isAuditing stays off: it enables node-opcua's own session audit events, whose fields
      // are placeholders in 2.157. Certificate audit events come from CertificateAuditEvents.
      maxConnectionsPerEndpoint: 1000,
      serverCapabilities: { maxSessions: 1000 },
    });
  }

  async start(): Promise<string> {
    const { log } = this.options;
    // The CA must be trusted before node-opcua checks the server's own certificate chain.
    await this.channelCertificates.initialize();
    await this.channelCertificates.trustCertificate(this.options.authority.certificate());
    await this.refreshAuthorityCrl();
    await this.server.initialize();
    guardSessions(this.server, this.options.sessionLimits ?? defaultSessionLimits, log);
    const addressSpace = this.server.engine.addressSpace;
    if (!addressSpace) throw new Error("the OPC UA address space did not load");
    addressSpace.registerNamespace(productNamespaceUri);
    const gds = new GdsAddressSpace(addressSpace);
    const { directory, requests, certificates, userAdministration } = this.options;
    const auditEntryIds = new AuditEntryIds();
    auditEntryIds.watch(this.server);
    const callers = new CallerResolver(this.options.users,
      (certificate) => certificates.ownerOf(certificate), auditEntryIds,
      this.options.userCertificates);

    bindDirectoryMethods(gds, directory, callers, log);
    bindQueryMethods(gds, directory.queries(), log);
    bindCertificateDirectoryMethods(gds, requests, certificates, callers, log);
    const administration = bindAdministrationMethods(gds,
      { requests, certificates, users: userAdministration }, callers, log);
    const standard = ["StartSigningRequest", "StartNewKeyPairRequest", "FinishRequest",
      "UnregisterApplication"] as const;
    this.options.certificateEvents.attach(gds, new Map([
      ...standard.map((name) => [name, gds.directoryMethod(name)] as const),
      ["RevokeCertificate", gds.directory.getMethodByName("RevokeCertificate", gds.productIndex)!],
      ["RevokeCertificateBySerial",
        administration.getMethodByName("RevokeCertificateBySerial", gds.productIndex)!],
    ]));
    if (this.options.estCredentials) {
      bindEstCredentialMethod(gds, administration, this.options.estCredentials, callers, log);
    }
    if (this.options.push) bindPushMethods(gds, administration, this.options.push, callers, log);
    this.trustLists = this.options.groups.ids().map((groupId) => {
      const node = addressSpace.findNode(gds.trustListNodeId(groupId));
      if (!node) throw new Error(`the nodeset has no TrustList for ${groupId}`);
      return bindTrustListMethods(node as never, () => this.options.trustList(groupId),
        callers, log);
    });
    this.refreshTrustLists(new Date());
    publishCertificateTypes(gds, this.options.groups.ids()
      .map((groupId) => this.options.groups.find(groupId)!));

    this.server.on("session_closed", (session: ServerSession) => {
      const sessionId = session.nodeId.toString();
      for (const trustList of this.trustLists) trustList.closeSession(sessionId);
    });

    await this.server.start();
    return this.endpointUrl();
  }

  endpointUrl(): string {
    return this.server.getEndpointUrl();
  }

  /** Gives channel checks the CA's current CRL, so a revoked certificate opens no channel. */
  async refreshAuthorityCrl(): Promise<void> {
    await this.channelCertificates.addRevocationList(this.options.authority.crl());
  }

  refreshTrustLists(lastUpdate: Date): void {
    for (const trustList of this.trustLists) trustList.refresh(lastUpdate);
  }

  async stop(): Promise<void> {
    // Shut first, so that no call starts, then let the calls under way finish their writes.
    const addressSpace = this.server.engine.addressSpace;
    await this.server.shutdown(0);
    const running = addressSpace ? await methodCallsSettled(addressSpace, callsGraceMs) : 0;
    if (running > 0) this.options.log.warn({ running }, "method calls still running at stop");
    await this.channelCertificates.dispose();
    await this.userCertificates.dispose();
  }
}

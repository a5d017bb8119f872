import {
  coerceNodeId,
  DataType,
  NodeId,
  QualifiedName,
  Variant,
  VariantArrayType,
  type UAMethod,
  type UAObject,
  type UAObjectType,
} from "node-opcua";
import type {
  CertificateEvent,
  CertificateEventKind,
  CertificateEventMethod,
} from "../core/certificate-events.js";
import type { CertificateEvents } from "../core/certificate-events.js";
import type { Logger } from "../log/logger.js";
import { productNamespaceUri, type GdsAddressSpace } from "./gds-address-space.js";

/** Part 12 audit event types of the GDS namespace. */
const gdsEventTypes: Partial<Record<CertificateEventKind, number>> = {
  CertificateRequested: 91, // CertificateRequestedAuditEventType
  CertificateDelivered: 109, // CertificateDeliveredAuditEventType
};

const severity = { good: 100, bad: 500 };

interface Attached {
  gds: GdsAddressSpace;
  server: UAObject;
  types: Record<CertificateEventKind, UAObjectType>;
  methods: Map<CertificateEventMethod, UAMethod>;
}

/**
 * Raises the GDS's certificate events as OPC UA audit events on the Server object, so that a
 * client subscribed there (an auditing tool, UaExpert's event view) sees every certificate
 * requested, delivered and revoked, and every refused attempt, with the standard AuditEvent
 * fields. The GDS nodeset (1.05.04, as node-opcua 2.157 ships it) has no event type for a
 * revoked application certificate, so CertificateRevokedAuditEventType is the product's own
 * subtype of AuditUpdateMethodEventType.
 *
 * InputArguments holds the identifying arguments only (ApplicationId, CertificateGroupId,
 * CertificateTypeId, RequestId, Certificate, SerialNumber): a CSR adds nothing an auditor
 * needs and a PrivateKeyPassword must never leave the server.
 */
export class CertificateAuditEvents implements CertificateEvents {
  private attached?: Attached;

  constructor(private readonly serverId: string, private readonly log: Logger) {}

  /** Called once the address space exists; events raised before are dropped. */
  attach(gds: GdsAddressSpace, methods: Map<CertificateEventMethod, UAMethod>): void {
    const addressSpace = gds.addressSpace;
    const gdsType = (id: number) => {
      const type = addressSpace.findEventType(coerceNodeId(id, gds.gdsIndex));
      if (!type) throw new Error("the GDS nodeset lacks a certificate audit event type");
      return type;
    };
    this.attached = {
      gds,
      server: addressSpace.rootFolder.objects.server,
      types: {
        CertificateRequested: gdsType(gdsEventTypes.CertificateRequested!),
        CertificateDelivered: gdsType(gdsEventTypes.CertificateDelivered!),
        CertificateRevoked: addRevokedEventType(gds),
      },
      methods,
    };
  }

  raise(event: CertificateEvent): void {
    const attached = this.attached;
    if (!attached) return;
    try {
      attached.server.raiseEvent(attached.types[event.kind], this.fields(attached, event));
    } catch (error) {
      // An audit event that cannot be built must not turn a done revocation into a failure;
      // the signed audit log still holds the action.
      this.log.error({ err: error, kind: event.kind }, "audit event not raised");
    }
  }

  private fields(attached: Attached, event: CertificateEvent) {
    const { gds } = attached;
    const method = attached.methods.get(event.method);
    const source = method?.parent ?? gds.directory;
    const group = this.safe(() => event.certificateGroupId?.startsWith("unknown:")
      ? undefined
      : event.certificateGroupId && gds.groupNodeId(event.certificateGroupId));
    const type = this.safe(() => event.certificateTypeId?.startsWith("unknown:")
      ? undefined
      : event.certificateTypeId && gds.certificateTypeNodeId(event.certificateTypeId));
    const application = this.safe(() => event.applicationId
      && gds.applicationNodeId(event.applicationId));
    const request = this.safe(() => event.requestId && gds.requestNodeId(event.requestId));

    return {
      sourceNode: field(DataType.NodeId, source.nodeId),
      sourceName: field(DataType.String, `Method/${event.method}`),
      message: field(DataType.LocalizedText, { text: message(event) }),
      severity: field(DataType.UInt16, event.status ? severity.good : severity.bad),
      actionTimeStamp: field(DataType.DateTime, new Date()),
      status: field(DataType.Boolean, event.status),
      serverId: field(DataType.String, this.serverId),
      clientAuditEntryId: field(DataType.String, event.clientAuditEntryId ?? ""),
      clientUserId: field(DataType.String, event.userName ?? ""),
      methodId: field(DataType.NodeId, method?.nodeId ?? NodeId.nullNodeId),
      inputArguments: new Variant({
        dataType: DataType.Variant,
        arrayType: VariantArrayType.Array,
        value: inputArguments(event, { application, group, type, request }),
      }),
      certificateGroup: field(DataType.NodeId, group ?? NodeId.nullNodeId),
      certificateType: field(DataType.NodeId, type ?? NodeId.nullNodeId),
      ...(event.kind === "CertificateRevoked" ? {
        serialNumber: field(DataType.String, event.serialNumber ?? ""),
        certificate: field(DataType.ByteString, event.certificate ?? null),
        revocationReason: field(DataType.String, event.revocationReason ?? ""),
      } : {}),
    };
  }

  private safe(find: () => NodeId | undefined | "" | false): NodeId | undefined {
    try {
      return find() || undefined;
    } catch {
      return undefined; // an id the address space does not know stays a null NodeId
    }
  }
}

function field(dataType: DataType, value: unknown): Variant {
  return new Variant({ dataType, value });
}

function inputArguments(
  event: CertificateEvent,
  ids: { application?: NodeId; group?: NodeId; type?: NodeId; request?: NodeId },
): Variant[] {
  const nodeId = (value: NodeId | undefined) =>
    new Variant({ dataType: DataType.NodeId, value: value ?? NodeId.nullNodeId });
  const text = (value: string | undefined) =>
    new Variant({ dataType: DataType.String, value: value ?? "" });
  switch (event.method) {
    case "StartSigningRequest":
    case "StartNewKeyPairRequest":
      return [nodeId(ids.application), nodeId(ids.group), nodeId(ids.type)];
    case "FinishRequest":
      return [nodeId(ids.application), nodeId(ids.request)];
    case "RevokeCertificate":
      return [nodeId(ids.application),
        new Variant({ dataType: DataType.ByteString, value: event.certificate ?? null })];
    case "RevokeCertificateBySerial":
      return [text(event.serialNumber), text(event.revocationReason)];
    case "UnregisterApplication":
      return [nodeId(ids.application)];
  }
}

function message(event: CertificateEvent): string {
  const what = {
    CertificateRequested: "certificate requested",
    CertificateDelivered: "certificate delivered",
    CertificateRevoked: "certificate revoked",
  }[event.kind];
  return event.status ? what : `${what}: refused (${event.errorCode ?? "Internal"})`;
}

/** CertificateRevokedAuditEventType in the product namespace (see the class comment). */
function addRevokedEventType(gds: GdsAddressSpace): UAObjectType {
  const namespace = gds.addressSpace.getNamespace(productNamespaceUri);
  const existing = gds.addressSpace.findEventType("CertificateRevokedAuditEventType",
    gds.productIndex);
  if (existing) return existing;
  const type = namespace.addEventType({
    browseName: "CertificateRevokedAuditEventType",
    subtypeOf: "AuditUpdateMethodEventType",
    isAbstract: false,
  });
  const property = (browseName: string | QualifiedName, dataType: string) =>
    namespace.addVariable({ propertyOf: type, browseName, dataType, modellingRule: "Mandatory" });
  // The same browse names as the Part 12 event types, so one select clause serves all three.
  const gdsName = (name: string) => new QualifiedName({ name, namespaceIndex: gds.gdsIndex });
  property(gdsName("CertificateGroup"), "NodeId");
  property(gdsName("CertificateType"), "NodeId");
  property("SerialNumber", "String");
  property("Certificate", "ByteString");
  property("RevocationReason", "String");
  return type;
}

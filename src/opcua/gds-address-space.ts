import {
  coerceNodeId,
  DataType,
  NodeId,
  NodeIdType,
  type AddressSpace,
  type UAMethod,
  type UAObject,
} from "node-opcua";
import { GdsError } from "../core/errors.js";

export const gdsNamespaceUri = "http://opcfoundation.org/UA/GDS/";
/** The product's own namespace: application ids and administration methods live here. */
export const productNamespaceUri = "urn:security-handler:gds";

/** Part 12 NodeIds (GDS namespace) of the certificate groups and their TrustList objects. */
const groupNumbers: Record<string, { group: number; trustList: number }> = {
  DefaultApplicationGroup: { group: 615, trustList: 616 },
  DefaultHttpsGroup: { group: 649, trustList: 650 },
  DefaultUserTokenGroup: { group: 683, trustList: 684 },
};

/**
 * The GDS part of the address space: the standard Directory object (ns=GDS;i=141) and the
 * translations between Part 12 NodeIds and the core's ids.
 */
export class GdsAddressSpace {
  readonly gdsIndex: number;
  readonly productIndex: number;
  readonly directory: UAObject;

  constructor(readonly addressSpace: AddressSpace) {
    this.gdsIndex = addressSpace.getNamespaceIndex(gdsNamespaceUri);
    const product = addressSpace.getNamespace(productNamespaceUri);
    this.productIndex = addressSpace.getNamespaceIndex(product.namespaceUri);
    const directory = addressSpace.findNode(`ns=${this.gdsIndex};i=141`);
    if (!directory) throw new Error("the GDS nodeset has no Directory object");
    this.directory = directory as UAObject;
  }

  /**
   * Adds a method in the product's namespace to an object. Part 12 methods that the loaded
   * GDS nodeset lacks (1.05 additions) and the administration methods are created this way.
   */
  addMethod(
    parent: UAObject,
    name: string,
    description: string,
    inputs: Array<[string, DataType, boolean?]>,
    outputs: Array<[string, DataType, boolean?]>,
  ): UAMethod {
    const namespace = this.addressSpace.getNamespace(productNamespaceUri);
    const argument = ([argumentName, dataType, array]: [string, DataType, boolean?]) => ({
      name: argumentName,
      dataType,
      valueRank: array ? 1 : -1,
      arrayDimensions: array ? [0] : undefined,
    });
    return namespace.addMethod(parent, {
      browseName: name,
      description,
      inputArguments: inputs.map(argument),
      outputArguments: outputs.map(argument),
      executable: true,
      userExecutable: true,
    });
  }

  /** A method of the Directory object, by browse name. */
  directoryMethod(name: string): UAMethod {
    const method = this.directory.getMethodByName(name, this.gdsIndex);
    if (!method) throw new Error(`the Directory object has no ${name} method`);
    return method;
  }

  applicationNodeId(applicationId: string): NodeId {
    return new NodeId(NodeIdType.GUID, applicationId, this.productIndex);
  }

  /** The core's ApplicationId of a NodeId; one that cannot be ours is simply not found. */
  applicationIdOf(nodeId: unknown): string {
    if (!(nodeId instanceof NodeId) || nodeId.isEmpty()) {
      throw new GdsError("InvalidArgument", "ApplicationId must be a NodeId");
    }
    if (nodeId.identifierType !== NodeIdType.GUID || nodeId.namespace !== this.productIndex) {
      throw new GdsError("NotFound", "no application with this ApplicationId");
    }
    return String(nodeId.value).toLowerCase();
  }

  requestNodeId(requestId: string): NodeId {
    return this.applicationNodeId(requestId);
  }

  requestIdOf(nodeId: unknown): string {
    if (!(nodeId instanceof NodeId) || nodeId.isEmpty()
      || nodeId.identifierType !== NodeIdType.GUID || nodeId.namespace !== this.productIndex) {
      throw new GdsError("InvalidArgument", "no such request for this application");
    }
    return String(nodeId.value).toLowerCase();
  }

  groupNodeId(groupId: string): NodeId {
    const numbers = groupNumbers[groupId];
    if (!numbers) throw new GdsError("Internal", "a configured group has no NodeId");
    return coerceNodeId(numbers.group, this.gdsIndex);
  }

  trustListNodeId(groupId: string): NodeId {
    const numbers = groupNumbers[groupId];
    if (!numbers) throw new GdsError("Internal", "a configured group has no TrustList");
    return coerceNodeId(numbers.trustList, this.gdsIndex);
  }

  /** The group id of a CertificateGroup NodeId; null means "the default", unknown stays unknown. */
  groupIdOf(nodeId: unknown): string | undefined {
    if (!(nodeId instanceof NodeId) || nodeId.isEmpty()) return undefined;
    const match = Object.entries(groupNumbers).find(([, numbers]) =>
      nodeId.namespace === this.gdsIndex && nodeId.value === numbers.group);
    return match ? match[0] : `unknown:${nodeId.toString()}`;
  }

  certificateTypeNodeId(certificateTypeId: string): NodeId {
    const type = this.addressSpace.findObjectType(certificateTypeId);
    if (!type) throw new GdsError("Internal", "a configured CertificateType is not in the nodeset");
    return type.nodeId;
  }

  /** The certificate type's browse name; a NodeId that is not a type stays unknown. */
  certificateTypeIdOf(nodeId: unknown): string | undefined {
    if (!(nodeId instanceof NodeId) || nodeId.isEmpty()) return undefined;
    const node = this.addressSpace.findNode(nodeId);
    return node ? String(node.browseName.name) : `unknown:${nodeId.toString()}`;
  }
}

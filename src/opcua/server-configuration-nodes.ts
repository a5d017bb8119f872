import {
  BrowseDirection,
  coerceNodeId,
  resolveNodeId,
  type ClientSession,
  type NodeId,
} from "node-opcua";
import { PushFailure } from "../push/push-target-port.js";
import { classifyFailure } from "./push-failures.js";

/**
 * Well-known ns=0 NodeIds of a server's ServerConfiguration (Part 12 7.10), used only when a
 * target's address space does not answer the browse path: some servers place things elsewhere,
 * so the browse names come first.
 */
const fallbacks: Record<string, number> = {
  ServerConfiguration: 12637,
  CreateSigningRequest: 12737,
  UpdateCertificate: 13737,
  ApplyChanges: 12740,
  GetRejectedList: 12777,
  DefaultApplicationGroup: 14156,
  "DefaultApplicationGroup/TrustList": 12642,
};

/** The NodeIds of one target's push interface, found by browsing from the Objects folder. */
export class ServerConfigurationNodes {
  private readonly cache = new Map<string, NodeId | undefined>();

  constructor(private readonly session: ClientSession) {}

  serverConfiguration(): Promise<NodeId> {
    return this.required("ServerConfiguration", resolveNodeId("ObjectsFolder"),
      ["Server", "ServerConfiguration"]);
  }

  async method(name: string): Promise<NodeId> {
    return this.required(name, await this.serverConfiguration(), [name]);
  }

  async group(groupId: string): Promise<NodeId> {
    return this.required(groupId, await this.serverConfiguration(),
      ["CertificateGroups", groupId]);
  }

  async trustList(groupId: string): Promise<NodeId> {
    return this.required(`${groupId}/TrustList`, await this.group(groupId), ["TrustList"]);
  }

  async trustListMethod(groupId: string, name: string): Promise<NodeId> {
    return this.required(`${groupId}/TrustList/${name}`, await this.trustList(groupId), [name]);
  }

  /** The MaxTrustListSize property, or undefined when the target does not declare one. */
  async maxTrustListSizeNode(): Promise<NodeId | undefined> {
    return this.browse("MaxTrustListSize", await this.serverConfiguration(),
      ["MaxTrustListSize"]);
  }

  private async required(key: string, from: NodeId, path: string[]): Promise<NodeId> {
    const found = await this.browse(key, from, path);
    if (found) return found;
    const number = fallbacks[key];
    if (number === undefined) {
      // Servers hide push nodes from users without the right role as often as they lack them.
      throw new PushFailure("TargetError", "BadNodeIdUnknown",
        `the target shows no ${key} to the GDS user: give the user the SecurityAdmin role `
        + "there, or the server has no push management");
    }
    return coerceNodeId(number, 0);
  }

  /**
   * Follows `path` child by child over hierarchical references, matching browse names in any
   * namespace (ns=0 preferred): some servers put the TrustList or its methods in their own.
   */
  private async browse(key: string, from: NodeId, path: string[]): Promise<NodeId | undefined> {
    if (this.cache.has(key)) return this.cache.get(key);
    let current: NodeId | undefined = from;
    for (const name of path) {
      if (!current) break;
      current = await this.child(current, name);
    }
    this.cache.set(key, current);
    return current;
  }

  private async child(parent: NodeId, name: string): Promise<NodeId | undefined> {
    let result;
    try {
      result = await this.session.browse({
        nodeId: parent,
        referenceTypeId: resolveNodeId("HierarchicalReferences"),
        includeSubtypes: true,
        browseDirection: BrowseDirection.Forward,
        resultMask: 0x3f,
      });
    } catch (error) {
      throw classifyFailure(error, "Browse");
    }
    const matches = (result.references ?? []).filter((reference) =>
      reference.browseName.name === name);
    const chosen = matches.find((reference) => reference.browseName.namespaceIndex === 0)
      ?? matches[0];
    return chosen ? coerceNodeId(chosen.nodeId.toString()) : undefined;
  }
}

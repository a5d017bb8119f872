import type { UAObject, UAObjectType } from "node-opcua";

const optionalMethods = ["OpenWithMasks", "CloseAndUpdate", "AddCertificate", "RemoveCertificate"];

/**
 * Replaces the group's standard TrustList (ns=0;i=12642 and its fixed method ids) with one in
 * the server's own namespace under string NodeIds, as some vendors' servers have it. Clients
 * that call the standard NodeIds get BadNodeIdUnknown; browsing by name still finds it.
 */
export function relocateTrustList(group: UAObject, standard: UAObject): UAObject {
  const addressSpace = group.addressSpace;
  const namespace = addressSpace.getOwnNamespace();
  addressSpace.deleteNode(standard);
  const trustListType = addressSpace.findObjectType("TrustListType") as UAObjectType;
  return trustListType.instantiate({
    browseName: { name: "TrustList", namespaceIndex: 0 },
    componentOf: group,
    nodeId: `ns=${namespace.index};s=Vendor.Security.ApplicationTrustList`,
    optionals: optionalMethods,
  });
}

import { coerceNodeId, DataType, VariantArrayType, type UAVariable } from "node-opcua";
import type { CertificateGroup } from "../gds/certificate-groups.js";
import type { GdsAddressSpace } from "./gds-address-space.js";

/** Part 12 NodeIds (GDS namespace) of each standard group's CertificateTypes property. */
const certificateTypesNumbers: Record<string, number> = {
  DefaultApplicationGroup: 648,
  DefaultHttpsGroup: 682,
  DefaultUserTokenGroup: 716,
};

/**
 * Fills each CertificateGroup's CertificateTypes property, which the nodeset leaves empty,
 * so that a client browsing the Directory sees which certificate types a group issues.
 */
export function publishCertificateTypes(gds: GdsAddressSpace, groups: CertificateGroup[]): void {
  for (const group of groups) {
    const number = certificateTypesNumbers[group.id];
    if (number === undefined) continue;
    const node = gds.addressSpace.findNode(coerceNodeId(number, gds.gdsIndex)) as
      UAVariable | null;
    if (!node) throw new Error(`the GDS nodeset has no CertificateTypes for ${group.id}`);
    node.setValueFromSource({
      dataType: DataType.NodeId,
      arrayType: VariantArrayType.Array,
      value: group.certificateTypes.map((type) => gds.certificateTypeNodeId(type)),
    });
  }
}

import {
  DataType,
  Variant,
  VariantArrayType,
  type ISessionContext,
  type UAMethod,
  type UAObject,
  type UAVariable,
} from "node-opcua";
import { GdsError } from "../core/errors.js";
import { requireAdministrator } from "../gds/rights.js";
import type { TrustListContent } from "../core/issuing.js";
import type { Logger } from "../log/logger.js";
import { argument, bindHandler, uint32Argument } from "./method-binding.js";
import type { CallerResolver } from "./session-caller.js";
import { encodeTrustList, TrustListMasks, TrustListReader } from "./trust-list-reader.js";

const uint64 = (value: number) => ({
  dataType: DataType.UInt64,
  arrayType: VariantArrayType.Scalar,
  value: [Math.floor(value / 2 ** 32), value % 2 ** 32],
});
const readMode = 1; // OpenFileMode.Read; the GDS's own trust lists are written only by the GDS

/**
 * Binds the file methods of one certificate group's TrustList object so that a client can
 * read the list GetTrustList points to, and keeps its Size and LastUpdateTime current.
 */
export function bindTrustListMethods(
  trustList: UAObject,
  content: () => TrustListContent,
  callers: CallerResolver,
  log: Logger,
): { refresh(lastUpdate: Date): void; closeSession(sessionId: string): void } {
  const reader = new TrustListReader();
  const method = (name: string): UAMethod => {
    const found = trustList.getMethodByName(name);
    if (!found) throw new Error(`the TrustList object has no ${name} method`);
    return found;
  };
  // The trust list is public material, but reading it is for administrators and for
  // applications holding a certificate from this GDS.
  const sessionOf = async (context: ISessionContext): Promise<string> => {
    const caller = await callers.of(context);
    if (caller.selfAdminOf === undefined || caller.securityMode !== "SignAndEncrypt") {
      requireAdministrator(caller, "CertificateAuthorityAdmin", "SecurityAdmin",
        "RegistrationAuthorityAdmin", "DiscoveryAdmin", "Operator");
    }
    return context.session?.getSessionId().toString() ?? "";
  };
  const handle = (args: Variant[]) => uint32Argument(args, 0);
  const uint32 = (value: number) => new Variant({ dataType: DataType.UInt32, value });

  bindHandler(method("Open"), log, async (args, context) => {
    const session = await sessionOf(context);
    const mode = argument(args, 0, DataType.Byte);
    if (mode !== readMode) throw new GdsError("NotWritable", "the trust list can only be read");
    return [uint32(reader.open(session, content(), TrustListMasks.All))];
  });

  bindHandler(method("OpenWithMasks"), log, async (args, context) => {
    const session = await sessionOf(context);
    return [uint32(reader.open(session, content(), uint32Argument(args, 0)))];
  });

  bindHandler(method("Read"), log, async (args, context) => {
    const length = argument(args, 1, DataType.Int32);
    const data = reader.read(await sessionOf(context), handle(args), Number(length));
    return [new Variant({ dataType: DataType.ByteString, value: data })];
  });

  bindHandler(method("Close"), log, async (args, context) => {
    reader.close(await sessionOf(context), handle(args));
    return [];
  });

  bindHandler(method("GetPosition"), log, async (args, context) => {
    const position = reader.getPosition(await sessionOf(context), handle(args));
    return [new Variant(uint64(position))];
  });

  bindHandler(method("SetPosition"), log, async (args, context) => {
    const [high, low] = (argument(args, 1, DataType.UInt64) as [number, number]) ?? [0, 0];
    reader.setPosition(await sessionOf(context), handle(args), high * 2 ** 32 + low);
    return [];
  });

  for (const name of ["Write", "CloseAndUpdate", "AddCertificate", "RemoveCertificate"]) {
    bindHandler(method(name), log, async () => {
      throw new GdsError("NotWritable", "the GDS's trust lists are written only by the GDS");
    });
  }

  const variable = (name: string) => trustList.getPropertyByName(name) as UAVariable | null;
  variable("OpenCount")?.bindVariable({
    get: () => new Variant({
      dataType: DataType.UInt16, value: Math.min(reader.openCount(), 65535),
    }),
  }, true);
  return {
    refresh(lastUpdate: Date) {
      const size = encodeTrustList(content(), TrustListMasks.All).length;
      variable("Size")?.setValueFromSource(uint64(size));
      variable("Writable")?.setValueFromSource({ dataType: DataType.Boolean, value: false });
      variable("UserWritable")?.setValueFromSource({ dataType: DataType.Boolean, value: false });
      variable("LastUpdateTime")
        ?.setValueFromSource({ dataType: DataType.DateTime, value: lastUpdate });
    },
    closeSession(sessionId: string) {
      reader.closeSession(sessionId);
    },
  };
}

import {
  DataType,
  StatusCodes,
  Variant,
  type StatusCode,
  type ISessionContext,
  type UAMethod,
} from "node-opcua";
import { GdsError, toGdsError } from "../core/errors.js";
import type { Logger } from "../log/logger.js";
import { statusCodeOf } from "./status-codes.js";

export type MethodHandler = (args: Variant[], context: ISessionContext) => Promise<Variant[]>;

interface CallResult {
  statusCode: StatusCode;
  outputArguments?: Variant[];
}

/** The calls under way per address space, i.e. per server: stop waits for them. */
const callsUnderWay = new WeakMap<object, Set<Promise<unknown>>>();

/**
 * Binds a handler to a method node. The handler speaks in domain terms and may throw; this is
 * the one place that turns a failure into a StatusCode, so method handlers never throw into
 * node-opcua. Internal failures are logged with their cause; a caller's fault is a warning.
 */
export function bindHandler(method: UAMethod, log: Logger, handler: MethodHandler): void {
  const name = method.browseName.name ?? "method";
  const underWay = callsUnderWay.get(method.addressSpace) ?? new Set<Promise<unknown>>();
  callsUnderWay.set(method.addressSpace, underWay);
  method.bindMethod(async (inputArguments: Variant[], context: ISessionContext) => {
    const call = answer(name, log, handler, inputArguments, context);
    underWay.add(call);
    try {
      return await call;
    } finally {
      underWay.delete(call);
    }
  });
}

/**
 * Settles once no method call of this address space is under way, or after `limitMs` (a call
 * that pushes to an unresponsive server may take that long); answers how many calls are still
 * running then. node-opcua's shutdown does not wait for the handlers it started; a server
 * stopping must, before the store they write to is closed.
 */
export async function methodCallsSettled(addressSpace: object, limitMs: number):
  Promise<number> {
  const calls = callsUnderWay.get(addressSpace);
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<void>((resolve) => { timer = setTimeout(resolve, limitMs); });
  const settled = (async () => {
    while (calls && calls.size > 0) await Promise.allSettled([...calls]);
  })();
  await Promise.race([settled, limit]);
  clearTimeout(timer);
  return calls?.size ?? 0;
}

/** Runs a handler and turns its outcome, a failure included, into a StatusCode. */
async function answer(name: string, log: Logger, handler: MethodHandler,
  inputArguments: Variant[], context: ISessionContext): Promise<CallResult> {
  try {
    const outputArguments = await handler(inputArguments, context);
    return { statusCode: StatusCodes.Good, outputArguments };
  } catch (thrown) {
    const error = toGdsError(thrown);
    if (error.code === "Internal") {
      log.error({ method: name, err: error.cause ?? error }, "method failed");
    } else {
      log.warn({ method: name, code: error.code, reason: error.message }, "method refused");
    }
    return { statusCode: statusCodeOf[error.code] };
  }
}

/** Reads input argument `index`, refusing a value of another type with BadInvalidArgument. */
export function argument(args: Variant[], index: number, dataType: DataType): unknown {
  const variant = args[index];
  if (!variant) throw new GdsError("InvalidArgument", `argument ${index} is missing`);
  if (variant.dataType === DataType.Null) return undefined;
  if (variant.dataType !== dataType) {
    throw new GdsError("InvalidArgument", `argument ${index} has the wrong type`);
  }
  return variant.value;
}

export function stringArgument(args: Variant[], index: number): string | undefined {
  const value = argument(args, index, DataType.String);
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

export function byteStringArgument(args: Variant[], index: number): Buffer {
  const value = argument(args, index, DataType.ByteString);
  return Buffer.isBuffer(value) ? value : Buffer.alloc(0);
}

export function uint32Argument(args: Variant[], index: number): number {
  const value = argument(args, index, DataType.UInt32);
  if (typeof value !== "number") {
    throw new GdsError("InvalidArgument", `argument ${index} is missing`);
  }
  return value;
}

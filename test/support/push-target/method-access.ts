import {
  DataType,
  MessageSecurityMode,
  StatusCodes,
  Variant,
  WellKnownRoles,
  type ISessionContext,
  type StatusCode,
  type UAMethod,
} from "node-opcua";

/** A refusal with the status code Part 12 names for it. */
export class Refusal extends Error {
  constructor(readonly statusCode: StatusCode, reason: string) {
    super(reason);
  }
}

export type TargetHandler = (args: Variant[], context: ISessionContext, sessionId: string) =>
  Promise<Variant[] | void>;

/**
 * Binds a push-management method: the channel must be SignAndEncrypt and the user must hold
 * SecurityAdmin (checked here as well as by node-opcua's role permissions, because relocated
 * nodes carry none). A Refusal becomes its status code; anything else BadInternalError, so
 * the handler never throws into node-opcua.
 */
export function bindTargetMethod(method: UAMethod, handler: TargetHandler): void {
  method.bindMethod(async (inputArguments: Variant[], context: ISessionContext) => {
    try {
      const session = context.session;
      if (session?.channel?.securityMode !== MessageSecurityMode.SignAndEncrypt) {
        return { statusCode: StatusCodes.BadSecurityModeInsufficient };
      }
      if (!context.currentUserHasRole(WellKnownRoles.SecurityAdmin)) {
        return { statusCode: StatusCodes.BadUserAccessDenied };
      }
      const outputArguments = await handler(inputArguments, context, sessionIdOf(context));
      return { statusCode: StatusCodes.Good, outputArguments: outputArguments ?? [] };
    } catch (thrown) {
      if (thrown instanceof Refusal) return { statusCode: thrown.statusCode };
      process.emitWarning(`push target: ${method.browseName.name} failed: ${String(thrown)}`);
      return { statusCode: StatusCodes.BadInternalError };
    }
  });
}

/** The session's NodeId as text: the key of its transaction and open files. */
export function sessionIdOf(context: ISessionContext): string {
  const session = context.session as { nodeId?: { toString(): string } } | undefined;
  return session?.nodeId?.toString() ?? "";
}

/** Input argument `index` of type `dataType`; anything else is BadInvalidArgument. */
export function input<T>(args: Variant[], index: number, dataType: DataType): T {
  const variant = args[index];
  if (!variant || variant.dataType !== dataType) {
    throw new Refusal(StatusCodes.BadInvalidArgument, `argument ${index} is not a ${dataType}`);
  }
  return variant.value as T;
}

export function byteString(args: Variant[], index: number): Buffer {
  const variant = args[index];
  if (variant?.dataType === DataType.Null) return Buffer.alloc(0);
  const value = input<Buffer | null>(args, index, DataType.ByteString);
  return value ?? Buffer.alloc(0);
}

export function output(dataType: DataType, value: unknown): Variant {
  return new Variant({ dataType, value });
}

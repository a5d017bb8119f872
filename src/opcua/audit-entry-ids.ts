import { CallRequest, type OPCUAServer, type Variant } from "node-opcua";

/**
 * The AuditEntryId a client put in a Call request's header, for the audit events of the
 * methods it calls. node-opcua hands a method only its arguments and the session, so the id
 * is noted when the request arrives, keyed by the first argument Variant, the very object the
 * method then receives. Methods without arguments get none; no audited method is one.
 */
export class AuditEntryIds {
  private readonly byFirstArgument = new WeakMap<Variant, string>();

  watch(server: OPCUAServer): void {
    server.on("request", (request: unknown) => {
      if (!(request instanceof CallRequest)) return;
      const auditEntryId = request.requestHeader.auditEntryId;
      if (!auditEntryId) return;
      for (const call of request.methodsToCall ?? []) {
        const first = call.inputArguments?.[0];
        if (first) this.byFirstArgument.set(first, auditEntryId);
      }
    });
  }

  of(args: Variant[] | undefined): string | undefined {
    const first = args?.[0];
    return first ? this.byFirstArgument.get(first) : undefined;
  }
}

import {
  AttributeIds,
  CallRequest,
  ClientMonitoredItem,
  ClientSubscription,
  constructEventFilter,
  TimestampsToReturn,
  type CallResponse,
  type ClientSession,
  type NodeId,
  type Variant,
} from "node-opcua";

/** The fields a subscriber selects, in this order. `gds:` and `product:` are namespaces. */
export const auditEventFields = [
  "EventType", "SourceName", "Message", "ActionTimeStamp", "Status", "ServerId",
  "ClientAuditEntryId", "ClientUserId", "MethodId", "InputArguments",
  "gds:CertificateGroup", "gds:CertificateType",
  "product:SerialNumber", "product:Certificate", "product:RevocationReason",
] as const;

export type AuditEventField = (typeof auditEventFields)[number];
export type ReceivedEvent = Record<AuditEventField, unknown>;

/**
 * A client's subscription to the events of the Server object, as an auditing tool would hold
 * it. `next` waits for the first event not yet taken that matches, in arrival order.
 */
export class AuditEventSubscriber {
  private readonly received: ReceivedEvent[] = [];
  private waiters: Array<{ match: (event: ReceivedEvent) => boolean;
    resolve: (event: ReceivedEvent) => void }> = [];

  private constructor(private readonly subscription: ClientSubscription) {}

  static async subscribe(session: ClientSession, gdsIndex: number, productIndex: number) {
    const names = auditEventFields.map((field) => field
      .replace("gds:", `${gdsIndex}:`).replace("product:", `${productIndex}:`));
    const subscription = await session.createSubscription2({
      requestedPublishingInterval: 50, requestedLifetimeCount: 6000,
      requestedMaxKeepAliveCount: 20, publishingEnabled: true, priority: 1,
    });
    const subscriber = new AuditEventSubscriber(subscription);
    const item = await ClientMonitoredItem.create(subscription,
      { nodeId: "i=2253", attributeId: AttributeIds.EventNotifier },
      { filter: constructEventFilter(names), queueSize: 1000, discardOldest: false,
        samplingInterval: 0 },
      TimestampsToReturn.Neither);
    item.on("changed", (values: Variant[]) => {
      const event = Object.fromEntries(auditEventFields.map((field, index) =>
        [field, values[index]?.value])) as ReceivedEvent;
      subscriber.deliver(event);
    });
    return subscriber;
  }

  next(match: (event: ReceivedEvent) => boolean): Promise<ReceivedEvent> {
    const index = this.received.findIndex(match);
    if (index >= 0) return Promise.resolve(this.received.splice(index, 1)[0]!);
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }

  /** Every event received and not yet taken. */
  pending(): ReceivedEvent[] {
    return [...this.received];
  }

  async close(): Promise<void> {
    await this.subscription.terminate();
  }

  private deliver(event: ReceivedEvent): void {
    const waiter = this.waiters.find((candidate) => candidate.match(event));
    if (!waiter) {
      this.received.push(event);
      return;
    }
    this.waiters = this.waiters.filter((candidate) => candidate !== waiter);
    waiter.resolve(event);
  }
}

/** A Call with an AuditEntryId in its request header, which GdsClient.call does not set. */
export async function callWithAuditEntryId(
  session: ClientSession,
  auditEntryId: string,
  call: { objectId: NodeId; methodId: NodeId; inputArguments: Variant[] },
): Promise<CallResponse> {
  const request = new CallRequest({ requestHeader: { auditEntryId }, methodsToCall: [call] });
  const transport = session as unknown as {
    performMessageTransaction(request: CallRequest,
      callback: (error: Error | null, response?: CallResponse) => void): void;
  };
  return new Promise((resolve, reject) => transport.performMessageTransaction(request,
    (error, response) => (error || !response ? reject(error) : resolve(response))));
}

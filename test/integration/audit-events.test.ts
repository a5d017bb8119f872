import { X509Certificate } from "node:crypto";
import {
  AttributeIds,
  coerceNodeId,
  DataType,
  NodeId,
  StatusCodes,
  Variant,
  VariantArrayType,
} from "node-opcua";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GdsClient } from "../../src/client/gds-client.js";
import { opensslRequest, ScratchDirectory } from "../ca/openssl.js";
import {
  AuditEventSubscriber,
  callWithAuditEntryId,
  type ReceivedEvent,
} from "../support/audit-events.js";
import { GdsFixture } from "../support/gds-fixture.js";
import { connectClient, enrol, expectStatus, registerServer } from "../support/enrolment.js";

const text = (value: string) => new Variant({ dataType: DataType.String, value });
const nodeId = (value: NodeId) => new Variant({ dataType: DataType.NodeId, value });
const bytes = (value: Buffer) => new Variant({ dataType: DataType.ByteString, value });
const userPassword = "operator password 12345";
const keyPassword = "key password never in events";

describe("OPC UA audit events for certificates requested, delivered and revoked", () => {
  let fixture: GdsFixture;
  let admin: GdsClient;
  let operator: GdsClient;
  let events: AuditEventSubscriber;
  let gdsIndex: number;
  let productIndex: number;
  const scratch = new ScratchDirectory();

  const gdsId = (id: number) => coerceNodeId(id, gdsIndex);
  const csrFor = (uri: string) => opensslRequest(scratch, { subjectAltName: `URI:${uri}` });
  const typeName = async (eventType: unknown) => {
    const value = await admin.session.read({
      nodeId: eventType as NodeId, attributeId: AttributeIds.BrowseName });
    return String((value.value.value as { name: string }).name);
  };
  const of = (method: string, status: boolean) => (event: ReceivedEvent) =>
    event.SourceName === `Method/${method}` && event.Status === status;

  beforeAll(async () => {
    fixture = await GdsFixture.create();
    await fixture.start();
    admin = await connectClient(fixture);
    const added = await admin.callProductMethod(["SecurityHandler", "AddUser"], [text("watcher"),
      text(userPassword), new Variant({ dataType: DataType.String,
        arrayType: VariantArrayType.Array, value: ["Operator"] })]);
    expectStatus(added.statusCode, StatusCodes.Good);
    operator = await connectClient(fixture, { user: { userName: "watcher",
      password: userPassword } });
    gdsIndex = admin.nodeId(0).namespace;
    productIndex = await admin.productNamespaceIndex();
    events = await AuditEventSubscriber.subscribe(admin.session, gdsIndex, productIndex);
  });

  afterAll(async () => {
    await events?.close();
    await operator?.close();
    await admin?.close();
    await fixture?.dispose();
    scratch.remove();
  });

  it("raises CertificateRequested and CertificateDelivered with the AuditEvent fields",
    async () => {
      const uri = "urn:plant:events:signed";
      const applicationId = await registerServer(admin, uri);
      const response = await callWithAuditEntryId(admin.session, "ticket-4711", {
        objectId: gdsId(141), methodId: gdsId(157),
        inputArguments: [nodeId(applicationId), nodeId(NodeId.nullNodeId),
          nodeId(NodeId.nullNodeId), bytes(csrFor(uri))],
      });
      expectStatus(response.results![0]!.statusCode, StatusCodes.Good);
      const requestId = response.results![0]!.outputArguments![0]!.value as NodeId;

      const requested = await events.next(of("StartSigningRequest", true));
      expect(await typeName(requested.EventType)).toBe("CertificateRequestedAuditEventType");
      expect((requested.EventType as NodeId).toString()).toBe(gdsId(91).toString());
      expect(requested.ClientAuditEntryId).toBe("ticket-4711");
      expect(requested.ClientUserId).toBe("admin");
      expect(requested.ServerId).toBe(fixture.settings.applicationUri);
      expect(requested.ActionTimeStamp).toBeInstanceOf(Date);
      expect((requested.MethodId as NodeId).toString()).toBe(gdsId(157).toString());
      expect((requested["gds:CertificateGroup"] as NodeId).toString()).toBe(gdsId(615).toString());
      expect((requested["gds:CertificateType"] as NodeId).toString()).toBe("ns=0;i=12560");
      const inputs = requested.InputArguments as Variant[];
      expect((inputs[0]!.value as NodeId).toString()).toBe(applicationId.toString());

      const finished = await admin.finishRequest(applicationId, requestId);
      expectStatus(finished.statusCode, StatusCodes.Good);
      const delivered = await events.next(of("FinishRequest", true));
      expect(await typeName(delivered.EventType)).toBe("CertificateDeliveredAuditEventType");
      expect(delivered.ClientUserId).toBe("admin");
      expect(delivered.ClientAuditEntryId).toBe("");
      expect((delivered.MethodId as NodeId).toString()).toBe(gdsId(163).toString());
      expect((delivered["gds:CertificateType"] as NodeId).toString()).toBe("ns=0;i=12560");
      expect(((delivered.InputArguments as Variant[])[1]!.value as NodeId).toString())
        .toBe(requestId.toString());
    });

  it("raises failed events with Status false for refused requests", async () => {
    const uri = "urn:plant:events:refused";
    const applicationId = await registerServer(admin, uri);
    const garbage = await admin.startSigningRequest(applicationId, Buffer.from("not a CSR"));
    expectStatus(garbage.statusCode, StatusCodes.BadInvalidArgument);
    const invalid = await events.next(of("StartSigningRequest", false));
    expect(invalid.ClientUserId).toBe("admin");
    expect(String((invalid.Message as { text: string }).text)).toContain("InvalidArgument");

    const denied = await operator.startSigningRequest(applicationId, csrFor(uri));
    expectStatus(denied.statusCode, StatusCodes.BadUserAccessDenied);
    const refused = await events.next(of("StartSigningRequest", false));
    expect(refused.ClientUserId).toBe("watcher");
    expect(String((refused.Message as { text: string }).text)).toContain("UserAccessDenied");

    const unknownRequest = await admin.finishRequest(applicationId,
      await admin.productNodeId("00000000-0000-4000-8000-000000000000"));
    expectStatus(unknownRequest.statusCode, StatusCodes.BadInvalidArgument);
    const notDelivered = await events.next(of("FinishRequest", false));
    expect(await typeName(notDelivered.EventType)).toBe("CertificateDeliveredAuditEventType");
  });

  it("never puts the private key or its password in an event", async () => {
    const applicationId = await registerServer(admin, "urn:plant:events:new-key");
    const started = await admin.call(154, [nodeId(applicationId), nodeId(NodeId.nullNodeId),
      nodeId(NodeId.nullNodeId), text("CN=Generated"), new Variant({ dataType: DataType.String,
        arrayType: VariantArrayType.Array, value: ["gen.plant.example"] }), text("PEM"),
      text(keyPassword)]);
    expectStatus(started.statusCode, StatusCodes.Good);
    const finished = await admin.finishRequest(applicationId, started.outputs[0] as NodeId);
    expectStatus(finished.statusCode, StatusCodes.Good);
    const privateKey = finished.outputs[1] as Buffer;
    expect(privateKey.length).toBeGreaterThan(0);

    const requested = await events.next(of("StartNewKeyPairRequest", true));
    const delivered = await events.next(of("FinishRequest", true));
    for (const event of [requested, delivered]) {
      const flat = flatten(event);
      expect(flat).not.toContain(keyPassword);
      expect(flat).not.toContain(privateKey.toString("base64").slice(64, 128));
      expect(flat).not.toContain("PRIVATE KEY");
    }
    expect((requested.InputArguments as Variant[])).toHaveLength(3);
  });

  it("raises CertificateRevoked for RevokeCertificate, revocation by serial and unregistering",
    async () => {
      const enrolled = async (uri: string) => {
        const applicationId = await registerServer(admin, uri);
        const { certificate } = await enrol(admin, applicationId, csrFor(uri));
        await events.next(of("StartSigningRequest", true));
        await events.next(of("FinishRequest", true));
        return { applicationId, certificate };
      };
      const first = await enrolled("urn:plant:events:revoke");
      const revoked = await admin.callProductMethod(["Directory", "RevokeCertificate"],
        [nodeId(first.applicationId), bytes(first.certificate)]);
      expectStatus(revoked.statusCode, StatusCodes.Good);
      const event = await events.next(of("RevokeCertificate", true));
      expect(await typeName(event.EventType)).toBe("CertificateRevokedAuditEventType");
      expect((event.EventType as NodeId).namespace).toBe(productIndex);
      expect(event["product:Certificate"]).toEqual(first.certificate);
      expect(event["product:RevocationReason"]).toBe("unspecified");
      expect(event["product:SerialNumber"]).toMatch(/^[0-9a-f]+$/);
      expect((event["gds:CertificateGroup"] as NodeId).toString()).toBe(gdsId(615).toString());

      const unknown = await admin.callProductMethod(
        ["SecurityHandler", "RevokeCertificateBySerial"], [text("0abc"), text("superseded")]);
      expectStatus(unknown.statusCode, StatusCodes.BadNotFound);
      const failed = await events.next(of("RevokeCertificateBySerial", false));
      expect(failed["product:SerialNumber"]).toBe("0abc");
      expect(failed.ClientUserId).toBe("admin");

      const second = await enrolled("urn:plant:events:by-serial");
      const serial = serialOf(second.certificate);
      const bySerial = await admin.callProductMethod(
        ["SecurityHandler", "RevokeCertificateBySerial"], [text(serial), text("keyCompromise")]);
      expectStatus(bySerial.statusCode, StatusCodes.Good);
      const manual = await events.next(of("RevokeCertificateBySerial", true));
      expect(manual["product:RevocationReason"]).toBe("keyCompromise");
      expect(manual["product:SerialNumber"]).toBe(serial);

      const third = await enrolled("urn:plant:events:leaving");
      expectStatus((await admin.unregisterApplication(third.applicationId)).statusCode,
        StatusCodes.Good);
      const leaving = await events.next(of("UnregisterApplication", true));
      expect(leaving["product:Certificate"]).toEqual(third.certificate);
      expect(leaving["product:RevocationReason"]).toBe("cessationOfOperation");
      expect((leaving.MethodId as NodeId).toString()).toBe(gdsId(149).toString());
    });
});

function serialOf(certificate: Buffer): string {
  return new X509Certificate(certificate).serialNumber.toLowerCase();
}

/** Every field as text, Buffers as base64 and UTF-8, so a leaked secret shows in any form. */
function flatten(event: ReceivedEvent): string {
  const parts: string[] = [];
  const visit = (value: unknown): void => {
    if (Buffer.isBuffer(value)) {
      parts.push(value.toString("base64"), value.toString("utf8"));
    } else if (value instanceof Variant) {
      visit(value.value);
    } else if (Array.isArray(value)) {
      value.forEach(visit);
    } else if (value !== null && value !== undefined) {
      parts.push(typeof value === "object" ? JSON.stringify(value) : String(value));
    }
  };
  Object.values(event).forEach(visit);
  return parts.join("\n");
}

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import {
  DataType,
  MessageSecurityMode,
  NodeId,
  StatusCodes,
  Variant,
  VariantArrayType,
} from "node-opcua";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectClient, expectStatus } from "../support/enrolment.js";
import { PushFixture, targetAdmin } from "./push-fixture.js";

const text = (value: string) => new Variant({ dataType: DataType.String, value });
const id = (value: NodeId) => new Variant({ dataType: DataType.NodeId, value });

describe("push management access and secrets", () => {
  let fixture: PushFixture;

  beforeAll(async () => {
    fixture = await PushFixture.create();
    for (const [userName, role] of [["operator", "Operator"], ["security", "SecurityAdmin"]]) {
      const added = await fixture.admin.callProductMethod(["SecurityHandler", "AddUser"], [
        text(userName!), text(`${userName} password 12345`),
        new Variant({ dataType: DataType.String, arrayType: VariantArrayType.Array,
          value: [role] })]);
      expectStatus(added.statusCode, StatusCodes.Good);
    }
  });

  afterAll(async () => {
    await fixture?.dispose();
  });

  const as = (userName: string, mode = MessageSecurityMode.SignAndEncrypt) =>
    connectClient(fixture.gds, { user: { userName, password: `${userName} password 12345` },
      mode });

  it("lets only SecurityAdmin over SignAndEncrypt change push targets", async () => {
    const { target, applicationId } = await fixture.target("urn:plant:access:one");
    const enableArgs = [id(applicationId), text(target.endpointUrl), text(targetAdmin.userName),
      text(targetAdmin.password), new Variant({ dataType: DataType.ByteString,
        arrayType: VariantArrayType.Array, value: [] })];

    const operator = await as("operator");
    const signOnly = await as("security", MessageSecurityMode.Sign);
    const security = await as("security");
    try {
      for (const method of ["EnablePushTarget", "DisablePushTarget", "PushNow",
        "GetRejectedList"]) {
        const args = method === "EnablePushTarget" ? enableArgs : [id(applicationId)];
        const refused = await operator.callProductMethod(["SecurityHandler", method],
          method === "PushNow" ? [...args, text("trustList")] : args);
        expectStatus(refused.statusCode, StatusCodes.BadUserAccessDenied);
      }
      expectStatus((await signOnly.callProductMethod(["SecurityHandler", "EnablePushTarget"],
        enableArgs)).statusCode, StatusCodes.BadSecurityModeInsufficient);
      expectStatus((await security.callProductMethod(["SecurityHandler", "EnablePushTarget"],
        enableArgs)).statusCode, StatusCodes.Good);
      // Operators may watch.
      expectStatus((await operator.callProductMethod(["SecurityHandler", "GetPushStatus"],
        [id(applicationId)])).statusCode, StatusCodes.Good);
    } finally {
      await Promise.all([operator.close(), signOnly.close(), security.close()]);
    }
  });

  it("refuses a non-opc.tcp EndpointUrl and an unknown ApplicationId", async () => {
    const { target, applicationId } = await fixture.target("urn:plant:access:two");
    const bad = await fixture.enable(applicationId, "http://127.0.0.1:1/");
    expectStatus(bad.statusCode, StatusCodes.BadInvalidArgument);
    const unknown = await fixture.enable(
      new NodeId(NodeId.NodeIdType.GUID, "00000000-0000-4000-8000-000000000001",
        (applicationId as NodeId).namespace), target.endpointUrl);
    expectStatus(unknown.statusCode, StatusCodes.BadNotFound);
  });

  it("ends push management when the application is unregistered", async () => {
    const { target, applicationId } = await fixture.target("urn:plant:access:leaving");
    expectStatus((await fixture.enable(applicationId, target.endpointUrl)).statusCode,
      StatusCodes.Good);
    expectStatus((await fixture.admin.unregisterApplication(applicationId)).statusCode,
      StatusCodes.Good);
    const status = await fixture.admin.callProductMethod(["SecurityHandler", "GetPushStatus"],
      [id(applicationId)]);
    expectStatus(status.statusCode, StatusCodes.BadNotFound);
    const audit = await readFile(join(fixture.gds.dataDir, "audit", "audit.log"), "utf8");
    expect(audit).toContain("application unregistered");
  });

  it("keeps the target password sealed, bound to its target, and out of logs and audit",
    async () => {
      const one = await fixture.target("urn:plant:access:sealed-one");
      const two = await fixture.target("urn:plant:access:sealed-two");
      expectStatus((await fixture.enable(one.applicationId, one.target.endpointUrl)).statusCode,
        StatusCodes.Good);
      expectStatus((await fixture.enable(two.applicationId, two.target.endpointUrl)).statusCode,
        StatusCodes.Good);
      expect((await fixture.pushNow(one.applicationId, "trustList")).outcome).toBe("Succeeded");

      const dataDir = fixture.gds.dataDir;
      const stored = await readFile(join(dataDir, "store", "push-targets.db"), "utf8");
      expect(stored).toContain("sealedPassword");
      expect(stored).not.toContain(targetAdmin.password);
      const audit = await readFile(join(dataDir, "audit", "audit.log"), "utf8");
      expect(audit).toContain("push.target.added");
      expect(audit).toContain("push.succeeded");
      expect(audit).not.toContain(targetAdmin.password);
      expect(fixture.gds.output()).toContain("push succeeded");
      expect(fixture.gds.output()).not.toContain(targetAdmin.password);

      // A sealed password copied into another target's record does not open there.
      const targets = fixture.running.push.targets;
      const first = (await targets.get(String(one.applicationId.value).toLowerCase()))!;
      const second = (await targets.get(String(two.applicationId.value).toLowerCase()))!;
      await targets.replace({ ...second, credentials: first.credentials });
      const moved = await fixture.pushNow(two.applicationId, "trustList");
      expect(moved.outcome).toBe("TargetError");
      expect(moved.steps).toEqual([{ name: "OpenCredentials", statusCode: "BadInternalError" }]);
    });
});

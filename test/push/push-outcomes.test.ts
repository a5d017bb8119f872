import { X509Certificate } from "node:crypto";
import { DataType, StatusCodes, Variant } from "node-opcua";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectStatus } from "../support/enrolment.js";
import { PushFixture, targetAdmin } from "./push-fixture.js";

/**
 * Each way a push can fail ends in one recorded outcome, leaves the target as it was, and the
 * GDS goes on serving (the status read after each failure goes through the GDS itself).
 */
describe("push outcomes", () => {
  let fixture: PushFixture;

  beforeAll(async () => {
    fixture = await PushFixture.create();
  });

  afterAll(async () => {
    await fixture?.dispose();
  });

  it("records AccessDenied when the target refuses the GDS's credentials", async () => {
    const { target, applicationId } = await fixture.target("urn:plant:push:password");
    const before = await target.servedCertificate();
    await fixture.enable(applicationId, target.endpointUrl,
      { userName: targetAdmin.userName, password: "not the password" });

    const attempt = await fixture.pushNow(applicationId);
    expect(attempt.outcome, JSON.stringify(attempt)).toBe("AccessDenied");
    expect(attempt.steps.at(-1)).toMatchObject({ name: "Connect" });
    expect((await target.servedCertificate()).equals(before)).toBe(true);
    expect(await fixture.status(applicationId)).toMatchObject({
      lastOutcome: "AccessDenied", failures: 1 });
  });

  it("names the missing SecurityAdmin role when the target hides push nodes from the user",
    async () => {
    const operator = { userName: "operator", password: "operator secret 1", roles: [] };
    const { target, applicationId } = await fixture.target("urn:plant:push:role",
      { users: [targetAdmin, operator] });
    await fixture.enable(applicationId, target.endpointUrl, operator);

    const attempt = await fixture.pushNow(applicationId);
    expect(attempt.outcome, JSON.stringify(attempt)).toBe("TargetError");
    expect(attempt.statusCode).toBe("BadNodeIdUnknown");
    expect(attempt.message).toContain("SecurityAdmin");
  });

  it("records TargetDoesNotTrustGds, with what to do, when the target refuses our certificate",
    async () => {
      const { target, applicationId } = await fixture.target("urn:plant:push:untrusted",
        { trustGds: undefined });
      await fixture.enable(applicationId, target.endpointUrl);

      const attempt = await fixture.pushNow(applicationId);
      expect(attempt.outcome, JSON.stringify(attempt)).toBe("TargetDoesNotTrustGds");
      expect(attempt.message).toContain("ca.pem");
      expect(attempt.message).toContain("rejected");
      const rejected = await target.rejectedCertificates();
      const gdsUri = fixture.gds.settings.applicationUri;
      expect(rejected.some((der) =>
        new X509Certificate(der).subjectAltName?.includes(gdsUri))).toBe(true);
    });

  it("refuses and records a CSR that names another ApplicationUri than the registered one",
    async () => {
      const uri = "urn:plant:push:renamed";
      const { target, applicationId, dir } = await fixture.target(uri);
      // Same certificate, but the server now asks to be someone else.
      await target.stop();
      const renamed = await fixture.startTarget(dir, "urn:plant:push:someone-else");
      const before = await renamed.servedCertificate();
      expect(new X509Certificate(before).subjectAltName).toContain(`URI:${uri}`);
      await fixture.enable(applicationId, renamed.endpointUrl);

      const attempt = await fixture.pushNow(applicationId);
      expect(attempt.outcome, JSON.stringify(attempt)).toBe("ForeignApplicationUri");
      expect(attempt.statusCode).toBe("BadCertificateUriInvalid");
      expect(attempt.steps.at(-1)).toMatchObject({ name: "CheckSigningRequest" });
      expect(attempt.serialNumber).toBeUndefined();
      expect((await renamed.servedCertificate()).equals(before)).toBe(true);
    });

  it("sends no password to a server at the endpoint that is not the registered one",
    async () => {
      const { applicationId } = await fixture.target("urn:plant:push:genuine");
      const other = await fixture.target("urn:plant:push:other-server");
      await fixture.enable(applicationId, other.target.endpointUrl);

      const attempt = await fixture.pushNow(applicationId);
      expect(attempt.outcome, JSON.stringify(attempt)).toBe("TargetNotAuthentic");
      expect(attempt.steps.at(-1))
        .toEqual({ name: "Connect", statusCode: "BadCertificateInvalid" });
    });

  it("after delivering a certificate, accepts only a target certificate from our CA",
    async () => {
      const uri = "urn:plant:push:pinned";
      const genuine = await fixture.target(uri);
      await fixture.enable(genuine.applicationId, genuine.target.endpointUrl);
      expect((await fixture.pushNow(genuine.applicationId)).outcome).toBe("Succeeded");

      // A look-alike with the same ApplicationUri but its own self-signed certificate.
      const lookAlike = await fixture.startTarget(`${genuine.dir}-look-alike`, uri);
      await fixture.enable(genuine.applicationId, lookAlike.endpointUrl);
      const attempt = await fixture.pushNow(genuine.applicationId, "trustList");
      expect(attempt.outcome, JSON.stringify(attempt)).toBe("TargetNotAuthentic");
      expect(attempt.message).toContain("our CA");
    });

  it("sends nothing and records TrustListTooLarge when the list exceeds MaxTrustListSize",
    async () => {
      const { target, applicationId } = await fixture.target("urn:plant:push:small",
        { variant: "small-trust-list", maxTrustListSize: 600 });
      const before = await target.trustList();
      await fixture.enable(applicationId, target.endpointUrl);

      const attempt = await fixture.pushNow(applicationId, "trustList");
      expect(attempt.outcome, JSON.stringify(attempt)).toBe("TrustListTooLarge");
      expect(attempt.message).toMatch(/at most 600/);
      expect(await target.trustList()).toEqual(before);
    });

  it("refuses push for an application id that is not a push target", async () => {
    const { applicationId } = await fixture.target("urn:plant:push:not-enabled");
    const result = await fixture.admin.callProductMethod(["SecurityHandler", "PushNow"], [
      new Variant({ dataType: DataType.NodeId, value: applicationId }),
      new Variant({ dataType: DataType.String, value: "certificate" }),
    ]);
    expectStatus(result.statusCode, StatusCodes.BadNotFound);
  });
});

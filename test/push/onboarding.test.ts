import { X509Certificate } from "node:crypto";
import { StatusCodes } from "node-opcua";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { opensslOk, ScratchDirectory } from "../ca/openssl.js";
import { crlPem, expectStatus, pem } from "../support/enrolment.js";
import { PushFixture } from "./push-fixture.js";

describe("onboarding a server by push", () => {
  let fixture: PushFixture;
  const scratch = new ScratchDirectory();

  beforeAll(async () => {
    fixture = await PushFixture.create();
  });

  afterAll(async () => {
    await fixture?.dispose();
    scratch.remove();
  });

  // Other vendors' servers: steps in strict order, a dropped channel right after ApplyChanges,
  // a TrustList in another namespace. The same push must work on all of them.
  it.each(["conforming", "strict-order", "drop-after-apply", "methods-elsewhere"] as const)(
    "gives a registered %s server a certificate chained to our CA, which it then serves",
    async (variant) => {
      const uri = `urn:plant:push:onboard:${variant}`;
      const { target, applicationId } = await fixture.target(uri, { variant });
      const before = await target.servedCertificate();
      expectStatus((await fixture.enable(applicationId, target.endpointUrl)).statusCode,
        StatusCodes.Good);

      const attempt = await fixture.pushNow(applicationId);
      expect(attempt.outcome, attempt.message).toBe("Succeeded");
      expect(attempt.steps.map((step) => step.name)).toEqual(["OpenCredentials", "Connect",
        "WriteTrustList", "CreateSigningRequest", "CheckSigningRequest", "IssueCertificate",
        "UpdateCertificate", "ApplyChanges", "ConfirmCertificate"]);

      const served = await target.servedCertificate();
      expect(served.equals(before)).toBe(false);
      const certificate = new X509Certificate(served);
      expect(certificate.serialNumber.toLowerCase()).toBe(attempt.serialNumber);
      expect(certificate.subjectAltName).toContain(`URI:${uri}`);
      const authority = fixture.running.authority;
      const caFile = scratch.write("ca.pem", pem(authority.certificate()));
      const crlFile = scratch.write("ca.crl.pem", crlPem(authority.crl()));
      expect(opensslOk(["verify", "-crl_check", "-CAfile", caFile, "-CRLfile", crlFile,
        scratch.write("served.pem", pem(served))])).toContain("OK");

      const trustList = await target.trustList();
      expect(trustList.trustedCertificates.some((der) => der.equals(authority.certificate())))
        .toBe(true);
      expect(trustList.trustedCrls.some((der) => der.equals(authority.crl()))).toBe(true);

      const status = await fixture.status(applicationId);
      expect(status).toMatchObject({ lastOutcome: "Succeeded", failures: 0,
        serialNumber: attempt.serialNumber, crlNumber: authority.crlNumber().toString() });
      expect(JSON.stringify(status)).not.toContain("target secret");
    });
});

import { X509Certificate } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { DataType, NodeId, StatusCodes, Variant } from "node-opcua";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GdsClient } from "../../src/client/gds-client.js";
import { opensslKeyedRequest, opensslRequest, ScratchDirectory } from "../ca/openssl.js";
import {
  expectStatus, registerServer, startGdsWithAdmin, stopGdsWithAdmin,
} from "../support/enrolment.js";
import { GdsFixture } from "../support/gds-fixture.js";

const text = (value: string) => new Variant({ dataType: DataType.String, value });

describe("an application renewing its own certificate", () => {
  let fixture: GdsFixture;
  let admin: GdsClient;
  const scratch = new ScratchDirectory();

  beforeAll(async () => ({ fixture, admin } = await startGdsWithAdmin()));
  afterAll(() => stopGdsWithAdmin(fixture, admin, scratch));

  it("collects the new certificate over the channel its old certificate opened", async () => {
    const uri = "urn:plant:self-renewal";
    const applicationId = await registerServer(admin, uri);
    const { request, key } = opensslKeyedRequest(scratch, { subjectAltName: `URI:${uri}` });
    const first = await admin.startSigningRequest(applicationId, request);
    const issued = await admin.finishRequest(applicationId, first.outputs[0] as NodeId);
    const certificateFile = join(scratch.path, "app.pem");
    await writeFile(certificateFile, new X509Certificate(issued.outputs[0] as Buffer).toString());
    const privateKeyFile = join(scratch.path, "app.key");
    await writeFile(privateKeyFile, key);

    const app = await GdsClient.connect({
      endpointUrl: fixture.endpointUrl, pkiDir: join(scratch.path, "app-pki"),
      applicationUri: uri, certificateFile, privateKeyFile,
      authority: { certificate: fixture.gds!.authority.certificate(),
        crl: fixture.gds!.authority.crl() },
    });
    try {
      const renewal = await app.startSigningRequest(applicationId,
        opensslRequest(scratch, { subjectAltName: `URI:${uri}` }));
      expectStatus(renewal.statusCode, StatusCodes.Good);
      const renewed = await app.finishRequest(applicationId, renewal.outputs[0] as NodeId);
      expectStatus(renewed.statusCode, StatusCodes.Good);
      expect(new X509Certificate(renewed.outputs[0] as Buffer).serialNumber)
        .not.toBe(new X509Certificate(issued.outputs[0] as Buffer).serialNumber);

      // Revoking the old certificate ends what its channel may do.
      const serial = new X509Certificate(issued.outputs[0] as Buffer).serialNumber;
      const revoked = await admin.callProductMethod(["SecurityHandler",
        "RevokeCertificateBySerial"], [text(serial), text("superseded")]);
      expectStatus(revoked.statusCode, StatusCodes.Good);
      expectStatus((await app.getCertificateStatus(applicationId)).statusCode,
        StatusCodes.BadUserAccessDenied);
    } finally {
      await app.close();
    }
  });
});

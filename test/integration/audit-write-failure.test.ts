import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { StatusCodes } from "node-opcua";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GdsClient } from "../../src/client/gds-client.js";
import { opensslRequest, ScratchDirectory } from "../ca/openssl.js";
import type { GdsFixture } from "../support/gds-fixture.js";
import { registerServer, startGdsWithAdmin, stopGdsWithAdmin } from "../support/enrolment.js";

describe("a request issued on arrival while the audit trail cannot be written", () => {
  let fixture: GdsFixture;
  let admin: GdsClient;
  const scratch = new ScratchDirectory();

  beforeAll(async () => ({ fixture, admin } = await startGdsWithAdmin()));
  afterAll(() => stopGdsWithAdmin(fixture, admin, scratch));

  it("leaves no issued certificate or request behind that the trail does not record", async () => {
    const uri = "urn:plant:unaudited";
    const applicationId = await registerServer(admin, uri);
    const store = fixture.gds!.store;
    const certificates = await store.certificates.count();
    // A real fault: the head cannot be replaced, so the append fails and the trail stops.
    await mkdir(join(fixture.dataDir, "audit", "audit.head.tmp"));

    const started = await admin.startSigningRequest(applicationId,
      opensslRequest(scratch, { subjectAltName: `URI:${uri}` }));
    expect(started.statusCode).not.toEqual(StatusCodes.Good);

    // Issued and written before the trail refused it: both writes are undone.
    expect(await store.requests.list()).toEqual([]);
    expect(await store.certificates.count()).toBe(certificates);
    expect(fixture.lines.some((line) =>
      line.includes("issued certificate withdrawn: the audit trail did not take it"))).toBe(true);
  });
});

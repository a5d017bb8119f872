import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { spawnTargets, type SpawnedTargets } from "../support/push-target/spawn-targets.js";
import { TargetClient } from "../support/push-target/target-client.js";
import { admin } from "../support/push-target/target-fixture.js";
import { decodeTrustList, emptyTrustList } from "../support/push-target/trust-list-codec.js";
import { TestPki } from "../support/push-target/test-pki.js";

describe("spawnTargets", () => {
  let spawned: SpawnedTargets | undefined;
  let dir: string | undefined;

  afterAll(async () => {
    await spawned?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("starts targets in child processes that serve the trust list they were given", async () => {
    dir = await mkdtemp(join(tmpdir(), "sh-spawn-test-"));
    const pki = await TestPki.create();
    const crl = await pki.crl();
    spawned = await spawnTargets({
      count: 3, processes: 2, users: [{ ...admin, roles: ["SecurityAdmin"] }],
      trustGds: { certificate: pki.certificate, crl },
    });
    expect(spawned.targets).toHaveLength(3);
    expect(new Set(spawned.targets.map((target) => target.endpointUrl)).size).toBe(3);

    const credentials = await pki.clientCredentials(dir, "urn:security-handler:test:spawn");
    for (const [index, target] of spawned.targets.entries()) {
      const client = await TargetClient.connect({
        endpointUrl: target.endpointUrl, pkiDir: join(dir, `client-${index}`), ...credentials,
        user: admin, authority: { certificate: pki.certificate, crl },
      });
      try {
        const content = decodeTrustList(await client.readTrustList(), emptyTrustList());
        const hex = (values: Buffer[]) => values.map((value) => value.toString("hex"));
        expect(hex(content.trustedCertificates)).toEqual(hex([pki.certificate]));
        expect(hex(content.trustedCrls)).toEqual(hex([crl]));
      } finally {
        await client.close();
      }
    }
  });
});

import { X509Certificate } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PushTargetStatus } from "../../src/push/push-service.js";
import { runCli } from "../support/cli.js";
import { adminPassword } from "../support/gds-fixture.js";
import { PushFixture, targetAdmin } from "./push-fixture.js";

describe("security-handler push", () => {
  let fixture: PushFixture;
  const flags = () => ["--endpoint", fixture.gds.endpointUrl, "--data-dir", fixture.gds.dataDir];
  const env = { SH_PASSWORD: adminPassword, SH_TARGET_PASSWORD: targetAdmin.password };

  beforeAll(async () => {
    fixture = await PushFixture.create();
  });

  afterAll(async () => {
    await fixture?.dispose();
  });

  // Eight CLI processes, each loading node-opcua: slow on a busy machine, hence the timeout.
  it("adds targets, pushes to all with progress, shows status, reads rejects, removes",
    { timeout: 240_000 }, async () => {
      const first = await fixture.target("urn:plant:cli:first");
      const second = await fixture.target("urn:plant:cli:second", { trustGds: undefined });
      const guid = (id: { value: unknown }) => String(id.value).toLowerCase();

      for (const { target, applicationId } of [first, second]) {
        const added = await runCli(["push", "add", guid(applicationId), "--target-url",
          target.endpointUrl, "--target-user", targetAdmin.userName, ...flags()], env);
        expect(added.stderr).not.toContain("security-handler:");
        expect(added.code).toBe(0);
        expect(added.stdout).not.toContain(targetAdmin.password);
      }

      const all = await runCli(["push", "now", "--all", ...flags()], env);
      expect(all.code).toBe(1); // one of the two targets does not trust the GDS
      expect(all.stderr).toContain("push: 2/2 done, 1 failed");
      const outcomes = JSON.parse(all.stdout) as Array<{ applicationId: string; outcome: string }>;
      expect(Object.fromEntries(outcomes.map((entry) => [entry.applicationId, entry.outcome])))
        .toEqual({ [guid(first.applicationId)]: "Succeeded",
          [guid(second.applicationId)]: "TargetDoesNotTrustGds" });

      const shown = await runCli(["push", "status", guid(first.applicationId), ...flags()], env);
      expect(shown.code).toBe(0);
      const [status] = JSON.parse(shown.stdout) as PushTargetStatus[];
      const served = new X509Certificate(await first.target.servedCertificate());
      expect(status!.serialNumber).toBe(served.serialNumber.toLowerCase());

      const one = await runCli(["push", "now", guid(first.applicationId), "--kind", "trustList",
        ...flags()], env);
      expect(one.code).toBe(0);
      expect(JSON.parse(one.stdout).attempts[0].outcome).toBe("Succeeded");

      const rejected = await runCli(["push", "rejected", guid(first.applicationId), ...flags()],
        env);
      expect(rejected.code).toBe(0);
      expect(JSON.parse(rejected.stdout)).toEqual([]);

      const removed = await runCli(["push", "remove", guid(second.applicationId), ...flags()],
        env);
      expect(removed.code).toBe(0);
      const again = await runCli(["push", "remove", guid(second.applicationId), ...flags()], env);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain("BadNotFound");
    });
});

import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { AuditLog } from "../src/audit/audit-log.js";
import { systemClock } from "../src/core/clock.js";
import { withFreshToken } from "./raw-signing.js";
import { median } from "./rounds.js";
import type { SectionContext } from "./section-context.js";

/**
 * Milliseconds of one audit record appended alone, as the GDS writes four per enrolment
 * (application.registered, certificate.requested, .issued, .delivered): written, fdatasync'd,
 * head signed in the token and replaced with fsyncs. Concurrent appends share one commit, so
 * this bounds latency more than throughput.
 */
export async function auditAppendMs(context: SectionContext, count: number): Promise<number> {
  return withFreshToken(context.log, async (_hsm, signer, dataDir) => {
    const log = await AuditLog.open({
      directory: join(dataDir, "audit"), signer, clock: systemClock, log: context.log,
    });
    try {
      const times: number[] = [];
      for (let n = 0; n <= count; n++) {
        const started = performance.now();
        await log.append({
          action: "application.registered",
          actor: "admin",
          details: { applicationUri: `urn:security-handler:bench:audit:${n}` },
        });
        if (n > 0) times.push(performance.now() - started); // the first one opens files
      }
      return median(times);
    } finally {
      await log.close();
    }
  });
}

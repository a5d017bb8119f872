import { auditDirectory } from "../audit/audit-files.js";
import { isAuditAction } from "../audit/audit-action.js";
import { AuditLog } from "../audit/audit-log.js";
import type { AuditTrail } from "../core/audit-trail.js";
import type { Clock } from "../core/clock.js";
import { GdsError } from "../core/errors.js";
import type { Hsm } from "../keys/hsm.js";
import type { Logger } from "../log/logger.js";

export const auditKeyLabel = "audit";

/**
 * The signed audit trail under DATA_DIR/audit, signed by its own key in the HSM (never the CA
 * key), in the shape the core reports to.
 */
export async function openAuditTrail(
  dataDir: string,
  hsm: Hsm,
  clock: Clock,
  log: Logger,
  established: boolean,
): Promise<AuditTrail & { close(): Promise<void> }> {
  const { signer } = await hsm.caSigner(auditKeyLabel, 2048, !established);
  const auditLog = await AuditLog.open({
    directory: auditDirectory(dataDir), signer, clock, log, mustHaveRecords: established,
  });
  return {
    async record(action, actor, details) {
      if (!isAuditAction(action)) throw new GdsError("Internal", "unknown audit action");
      await auditLog.append({ action, actor, details });
    },
    close: () => auditLog.close(),
  };
}

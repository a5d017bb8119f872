import { join } from "node:path";
import type { CertificateAuthority } from "../ca/authority.js";
import type { AuditTrail } from "../core/audit-trail.js";
import type { Clock } from "../core/clock.js";
import type { CertificateGroups } from "../gds/certificate-groups.js";
import type { SecretSealer } from "../keys/secret-sealer.js";
import type { Logger } from "../log/logger.js";
import { PushTargetClient } from "../opcua/push-target-client.js";
import { defaultBackoff, type Backoff } from "../push/push-backoff.js";
import { PushEngine } from "../push/push-engine.js";
import { PushScheduler } from "../push/push-scheduler.js";
import { openPushTargetStore, type PushTargetStore } from "../store/push-target-store.js";
import type { GdsStore } from "../store/store.js";

export interface PushOptions {
  /** How often the scheduler looks for due work; 0 leaves it to kick() (tests). */
  intervalMs?: number;
  concurrency?: number;
  backoff?: Backoff;
  /** GetEndpoints tries after ApplyChanges, and the pause between them. */
  confirmAttempts?: number;
  confirmDelayMs?: number;
}

export interface RunningPush {
  engine: PushEngine;
  targets: PushTargetStore;
  scheduler: PushScheduler;
  stop(): Promise<void>;
}

const defaultIntervalMs = 5 * 60_000;

/** Builds the push engine with its store, its OPC UA client side and its scheduler. */
export async function startPush(parts: {
  dataDir: string;
  pkiDir: string;
  applicationUri: string;
  own: { certificateFile: string; privateKeyFile: string };
  store: GdsStore;
  authority: CertificateAuthority;
  groups: CertificateGroups;
  sealer: SecretSealer;
  audit: AuditTrail;
  clock: Clock;
  renewalWindowMs: number;
  log: Logger;
  options: PushOptions;
}): Promise<RunningPush> {
  const { options } = parts;
  const targets = await openPushTargetStore(join(parts.dataDir, "store", "push-targets.db"));
  const connector = new PushTargetClient({
    applicationUri: parts.applicationUri, ...parts.own,
    pkiDir: join(parts.pkiDir, "push-client"), authority: parts.authority,
  });
  const engine = new PushEngine({
    targets, applications: parts.store.applications, authority: parts.authority,
    groups: parts.groups, sealer: parts.sealer, connector, audit: parts.audit,
    clock: parts.clock, log: parts.log, renewalWindowMs: parts.renewalWindowMs,
    concurrency: options.concurrency ?? 4, historySize: 20,
    backoff: options.backoff ?? defaultBackoff,
    confirmAttempts: options.confirmAttempts ?? 10, confirmDelayMs: options.confirmDelayMs ?? 500,
  });
  const scheduler = new PushScheduler(engine, options.intervalMs ?? defaultIntervalMs, parts.log);
  if ((options.intervalMs ?? defaultIntervalMs) > 0) scheduler.start();
  return {
    engine,
    targets,
    scheduler,
    stop: async () => {
      await scheduler.stop();
      await connector.dispose();
      await targets.close();
    },
  };
}

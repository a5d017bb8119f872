import type { Logger } from "../src/log/logger.js";
import type { BenchCounts } from "./bench-options.js";
import type { Report } from "./report.js";

/** What every section gets from bench.ts. */
export interface SectionContext {
  report: Report;
  counts: BenchCounts;
  log: Logger;
  /** A line on stderr saying what runs now; the figures go to stdout. */
  progress(step: string): void;
  /**
   * Pooled SoftHSM RSA-2048 signatures/s measured in this run: the baseline of the issuing
   * ratios. Measured by the raw section, or on demand by the first section that needs it.
   */
  pooledSigning?: number;
  /** One blocking session's signatures/s, when section 1 ran: the token's raw rate. */
  blockingSigning?: number;
}

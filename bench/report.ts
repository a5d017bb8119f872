/**
 * Prints each figure the moment it is measured, so that a run cut short still shows what it
 * got, and keeps them all for the JSON line printed at the end.
 */
export class Report {
  private readonly figures: Record<string, Record<string, number | string>> = {};
  private current: Record<string, number | string> = {};

  constructor(private readonly write: (line: string) => void = (line) => console.log(line)) {}

  section(key: string, title: string): void {
    this.current = {};
    this.figures[key] = this.current;
    this.write("");
    this.write(`== ${title}`);
  }

  /** One measured value: `key` names it in the JSON, `label` on screen. */
  figure(key: string, label: string, value: number, unit: string, detail = ""): void {
    this.current[key] = round(value);
    const shown = formatNumber(value).padStart(10);
    this.write(`  ${label.padEnd(56)} ${shown} ${unit.padEnd(9)} ${detail}`.trimEnd());
  }

  /** A figure divided by its baseline from the same run. */
  ratio(key: string, label: string, value: number, baseline: number, detail = ""): void {
    const ratio = value / baseline;
    this.current[key] = round(ratio);
    const shown = (ratio < 10 ? ratio.toFixed(2) : formatNumber(ratio)).padStart(10);
    this.write(`  ${label.padEnd(56)} ${shown} ${"ratio".padEnd(9)} ${detail}`.trimEnd());
  }

  note(text: string): void {
    this.write(`  ${text}`);
  }

  text(key: string, value: string): void {
    this.current[key] = value;
  }

  json(header: Record<string, unknown>): string {
    return JSON.stringify({ ...header, figures: this.figures });
  }
}

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude >= 100) return value.toFixed(0);
  if (magnitude >= 10) return value.toFixed(1);
  if (magnitude >= 0.1) return value.toFixed(2);
  return value.toPrecision(2);
}

function round(value: number): number {
  return Number(value.toPrecision(4));
}

/** Bytes as MiB. */
export function mebibytes(bytes: number): number {
  return bytes / 2 ** 20;
}

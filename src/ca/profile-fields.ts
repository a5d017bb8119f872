import { readFile } from "node:fs/promises";
import { GdsError } from "../core/errors.js";

/**
 * Reads the fields of one JSON object of a profile file and refuses anything unexpected, so
 * that an operator's typo ("validitydays") fails at start-up with the file and field named
 * instead of silently falling back to a default.
 */
export class ProfileFields {
  private readonly seen = new Set<string>();

  private constructor(
    private readonly source: string,
    private readonly path: string,
    private readonly values: Record<string, unknown>,
  ) {}

  static of(value: unknown, source: string, path = ""): ProfileFields {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw profileError(source, path || "(top level)", "must be a JSON object");
    }
    return new ProfileFields(source, path, value as Record<string, unknown>);
  }

  /** Parses a profile file; a syntax error names the file. */
  static async readFile(file: string): Promise<unknown> {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (error) {
      throw new GdsError("InvalidArgument", `${file}: profile cannot be read`, error);
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new GdsError("InvalidArgument", `${file}: not valid JSON`, error);
    }
  }

  has(name: string): boolean {
    return this.values[name] !== undefined;
  }

  string(name: string): string {
    const value = this.take(name);
    if (typeof value !== "string" || value.length === 0) throw this.error(name, "must be a string");
    return value;
  }

  integer(name: string, range: { min: number; max: number; default?: number }): number {
    const value = this.take(name, range.default);
    const valid = Number.isInteger(value) && (value as number) >= range.min;
    if (!valid || (value as number) > range.max) {
      throw this.error(name, `must be an integer from ${range.min} to ${range.max}`);
    }
    return value as number;
  }

  boolean(name: string, fallback: boolean): boolean {
    const value = this.take(name, fallback);
    if (typeof value !== "boolean") throw this.error(name, "must be true or false");
    return value;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[]): T {
    const value = this.take(name);
    if (!allowed.includes(value as T))
      throw this.error(name, `must be one of ${allowed.join(", ")}`);
    return value as T;
  }

  /** A non-empty list of distinct values from `allowed`. */
  listOf<T extends string>(name: string, allowed: readonly T[]): T[] {
    const value = this.take(name);
    const valid =
      Array.isArray(value) &&
      value.length > 0 &&
      new Set(value).size === value.length &&
      value.every((item) => allowed.includes(item as T));
    if (!valid) throw this.error(name, `must be a list of distinct ${allowed.join(", ")}`);
    return value as T[];
  }

  object(name: string): ProfileFields {
    return ProfileFields.of(this.take(name), this.source, this.fieldPath(name));
  }

  /** Call after reading every field: anything left over is a typo or a newer format. */
  finish(): void {
    const unknown = Object.keys(this.values).find((name) => !this.seen.has(name));
    if (unknown !== undefined) throw this.error(unknown, "is not a known field");
  }

  /** An error about a field whose value was read but turned out wrong in context. */
  error(name: string, problem: string): GdsError {
    return profileError(this.source, this.fieldPath(name), problem);
  }

  private take(name: string, fallback?: unknown): unknown {
    this.seen.add(name);
    const value = this.values[name];
    if (value !== undefined) return value;
    if (fallback !== undefined) return fallback;
    throw this.error(name, "is missing");
  }

  private fieldPath(name: string): string {
    return this.path ? `${this.path}.${name}` : name;
  }
}

function profileError(source: string, field: string, problem: string): GdsError {
  return new GdsError("InvalidArgument", `${source}: field "${field}" ${problem}`);
}

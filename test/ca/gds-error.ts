import { expect } from "vitest";
import { GdsError } from "../../src/core/errors.js";

/** Runs `action`, expects a GdsError, and returns it for checks on code and message. */
export function gdsErrorOf(action: () => unknown): GdsError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(GdsError);
    return error as GdsError;
  }
  throw new Error("expected a GdsError, but nothing was thrown");
}

export async function gdsErrorOfAsync(action: () => Promise<unknown>): Promise<GdsError> {
  try {
    await action();
  } catch (error) {
    expect(error).toBeInstanceOf(GdsError);
    return error as GdsError;
  }
  throw new Error("expected a GdsError, but nothing was thrown");
}

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { errorCodes } from "../../src/core/errors.js";
import { httpStatusOf } from "../../src/http/rest/http-status.js";
import { openApiDocument } from "../../src/http/rest/openapi.js";

/** The "## REST API" section of the README, up to the next top-level section. */
function restSection(): string {
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  const start = readme.indexOf("\n## REST API\n");
  expect(start).toBeGreaterThan(0);
  const end = readme.indexOf("\n## ", start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

describe("the error catalogue, the README and the OpenAPI document agree", () => {
  it("the README lists every code with the status the server answers", () => {
    const documented = new Map<string, number>();
    for (const match of restSection().matchAll(/^\| `(\w+)` \| (\d{3})\b/gm)) {
      documented.set(match[1]!, Number(match[2]));
    }
    expect([...documented.keys()].sort()).toEqual([...errorCodes].sort());
    for (const code of errorCodes) expect(documented.get(code), code).toBe(httpStatusOf[code]);
  });

  it("the OpenAPI error schema enumerates exactly the catalogue", () => {
    const document = openApiDocument() as {
      components: { schemas: { Error: { properties: { code: { enum: string[] } } } } };
    };
    expect(document.components.schemas.Error.properties.code.enum).toEqual([...errorCodes]);
  });

  it("every API path in the OpenAPI document is documented in the README", () => {
    const section = restSection();
    const document = openApiDocument() as { paths: Record<string, object> };
    for (const path of Object.keys(document.paths)) {
      expect(section, path).toContain(path.replace(/\/(der|pem)$/, ""));
    }
  });
});

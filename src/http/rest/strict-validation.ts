import { Ajv, type ValidateFunction } from "ajv";
import type { FastifySchemaCompiler } from "fastify";

/**
 * fastify's default validator coerces types and silently drops unknown properties. For JSON
 * bodies that hides client mistakes ("applicationType": "0" would pass as 0), so bodies are
 * checked strictly; path and query values arrive as text and are coerced as usual.
 */
const strict = new Ajv({ coerceTypes: false, removeAdditional: false, useDefaults: false,
  allErrors: false, strict: false });
const coercing = new Ajv({ coerceTypes: "array", removeAdditional: false, useDefaults: true,
  allErrors: false, strict: false });

export const strictBodyValidator: FastifySchemaCompiler<object> = ({ schema, httpPart }) => {
  const validate: ValidateFunction = (httpPart === "body" ? strict : coercing).compile(schema);
  return (data: unknown) => (validate(data) ? { value: data }
    : { error: new Error(validate.errors?.map((error) =>
      `${httpPart ?? "request"}${error.instancePath} ${error.message ?? "is invalid"}`)
      .join("; ") ?? "invalid") });
};

import type { FastifyInstance, FastifyPluginAsync } from "fastify";
import { applicationRoutes } from "./application-routes.js";
import { BearerTokens } from "./bearer-tokens.js";
import { certificateRoutes } from "./certificate-routes.js";
import { isEncrypted } from "./client-certificate.js";
import { AuthenticationRequired, httpErrorOf, sendJsonError } from "./http-status.js";
import { openApiDocument } from "./openapi.js";
import { pushRoutes } from "./push-routes.js";
import { requestRoutes } from "./request-routes.js";
import { restCaller } from "./rest-caller.js";
import type { RestContext, RestServices } from "./rest-context.js";
import { tokenRequestSchema } from "./schemas.js";
import { strictBodyValidator } from "./strict-validation.js";

/**
 * The REST API (JSON) as a fastify plugin, to be registered under /api/v1 on the HTTPS
 * listener. Every route is a thin layer over a product operation in src/gds; rights are the
 * core's, the caller is built as for OPC UA.
 */
export function restPlugin(services: RestServices): FastifyPluginAsync {
  const tokens = new BearerTokens(services.clock);
  const log = services.log;
  const context: RestContext = {
    services,
    caller: (request) => restCaller(request, {
      tokens,
      rolesOf: (userName) => services.users.rolesOf(userName),
      ownerOf: (certificate) => services.certificates.ownerOf(certificate),
    }),
  };
  const document = openApiDocument();

  return async (app: FastifyInstance) => {
    // JSON only: any other body type is 415 before a handler runs.
    app.removeContentTypeParser(["text/plain"]);
    app.setValidatorCompiler(strictBodyValidator);
    app.setErrorHandler((error, _request, reply) => sendJsonError(reply, httpErrorOf(error, log)));
    app.setNotFoundHandler((_request, reply) => sendJsonError(reply,
      { statusCode: 404, code: "NotFound", message: "no such resource" }));

    app.get("/openapi.json", async () => document);

    app.post<{ Body: { userName: string; password: string } }>("/tokens", {
      schema: { body: tokenRequestSchema },
    }, async (request, reply) => {
      // A password never travels over plain HTTP, even if this plugin is mounted there.
      if (!isEncrypted(request)) {
        throw new AuthenticationRequired("Bearer", "sign in over HTTPS");
      }
      const { userName, password } = request.body;
      if (!(await services.users.authenticate(userName, password))) {
        throw new AuthenticationRequired("Bearer", "user name or password is wrong");
      }
      const issued = tokens.issue(userName);
      log.info({ userName }, "bearer token issued");
      return reply.status(201).header("Cache-Control", "no-store").send({
        token: issued.token, tokenType: "Bearer", expiresAt: issued.expiresAt.toISOString(),
      });
    });

    applicationRoutes(app, context);
    requestRoutes(app, context);
    certificateRoutes(app, context);
    pushRoutes(app, context);
  };
}

/** The REST routes in the shape the HTTP server registers (see src/http/http-server.ts). */
export function restRoutes(services: RestServices) {
  return {
    name: "rest",
    plugin: restPlugin(services),
    listeners: ["https" as const],
    prefix: "/api/v1",
  };
}

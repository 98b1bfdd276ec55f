/**
 * Optional bearer-token security shared by the host and runner APIs. When the server has no
 * token configured every request passes; otherwise the `Authorization: Bearer TOKEN` header must
 * match (compared in constant time by the implementation).
 *
 * @since 0.1.0
 */
import * as HttpApiMiddleware from "@effect/platform/HttpApiMiddleware"
import * as HttpApiSecurity from "@effect/platform/HttpApiSecurity"
import { Unauthorized } from "./errors.js"

/** @category security */
export class Authorization extends HttpApiMiddleware.Tag<Authorization>()("Authorization", {
  failure: Unauthorized,
  security: { bearer: HttpApiSecurity.bearer }
}) {}

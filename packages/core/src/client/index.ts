/**
 * The client: the Effect service `HakuRiverClient`, the promise facade `connect` and the
 * top-level calls (`submit`, `wait`, `logs`, …) on the default connection.
 *
 * @since 0.1.0
 */
export * from "./Connection.js"
export * from "./defaultClient.js"
export * from "./HakuRiverClient.js"
export * from "./HakuRiverError.js"
export * from "./PromiseClient.js"
export * from "./SubmitRequest.js"

/**
 * The web dashboard served by the host: its routes, live feed, events and the host view it reads.
 *
 * @since 0.1.0
 */
export * as DashboardAssets from "./DashboardAssets.js"
export * as DashboardEvents from "./DashboardEvents.js"
export * as DashboardFeed from "./DashboardFeed.js"
export * as Dashboard from "./DashboardRoutes.js"
export * from "./DashboardSource.js"
export * as DashboardHost from "./DashboardHost.js"

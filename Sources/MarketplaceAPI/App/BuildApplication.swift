import CryptoSupport
import Hummingbird
import Logging
import NIOCore
import Postgres
import ServiceLifecycle

/// Builds the HTTP application. Tests call it with their own configuration and pool.
func buildApplication(
    _ services: AppServices, backgroundServices: [any Service] = [],
    onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let router = buildRouter(services).router
    let requestLimit = TimeAmount.seconds(Int64(services.config.httpRequestTimeoutSeconds))
    return Application(
        router: router,
        server: .http1(
            configuration: .init(
                additionalChannelHandlers: [RequestReadDeadline(limit: requestLimit)],
                idleTimeout: .seconds(Int64(services.config.httpIdleTimeoutSeconds)))),
        configuration: .init(address: .hostname(services.config.host, port: services.config.port), serverName: nil),
        services: backgroundServices,
        onServerRunning: onServerRunning,
        logger: services.logger
    )
}

/// The router and the table of what it serves.
func buildRouter(_ services: AppServices) -> (router: Router<AppRequestContext>, table: RouteTable) {
    let table = RouteTable()
    let router = Router(context: AppRequestContext.self)
    // Outermost first. The span covers everything; the request id is in place before anything
    // logs and is echoed on problem answers too; the log line and the metrics see the final
    // status, because ProblemMiddleware has turned every error into a response by then.
    router.add(middleware: TracingMiddleware())
    router.add(middleware: RequestIdMiddleware())
    router.add(middleware: RequestLogMiddleware())
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: ProblemMiddleware(routes: table, logger: services.logger))
    router.add(middleware: DatabaseDeadlineMiddleware(timeout: services.config.dbTimeout))

    let open = Routes(group: router.group(), table: table)
    OperationsController(services: services).addRoutes(to: open)

    let protected = router.group()
        .add(
            middleware: AuthMiddleware(
                pool: services.pool, adminTokenHash: services.config.adminToken.map { Crypto.sha256($0) },
                cache: services.config.dbPipeline ? APIKeyCache() : nil))
    let routes = Routes(group: protected, table: table)
    KeyController(services: services).addRoutes(to: routes)
    CatalogController(services: services).addRoutes(to: routes)
    StockController(services: services).addRoutes(to: routes)
    CommissionController(services: services).addRoutes(to: routes)
    SettlementController(services: services).addRoutes(to: routes)
    OrderController(services: services).addRoutes(to: routes)
    FulfilmentController(services: services).addRoutes(to: routes)
    WebhookController(services: services).addRoutes(to: routes)
    ReturnController(services: services).addRoutes(to: routes)
    CaseController(services: services).addRoutes(to: routes)
    CartController(services: services).addRoutes(to: routes)
    OrganizationController(services: services).addRoutes(to: routes)
    return (router, table)
}

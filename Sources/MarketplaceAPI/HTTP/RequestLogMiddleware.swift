import Hummingbird
import Logging

/// One info line per request, written after the response so it carries the final status,
/// problem answers included. Probes (`/healthz`, `/metrics`) log at debug so they don't flood
/// the log. Routes are logged by pattern, so ids in paths stay out; tokens and bodies never go in.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    static let quietRoutes: Set<String> = ["/healthz", "/metrics"]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = (ContinuousClock.now - start).components
        let milliseconds = Double(elapsed.seconds) * 1000 + Double(elapsed.attoseconds) / 1e15
        let route = context.endpointPath ?? "unmatched"
        var metadata: Logger.Metadata = [
            "method": .string(request.method.rawValue),
            "route": .string(route),
            "status": .stringConvertible(Int(response.status.code)),
            "duration_ms": .stringConvertible((milliseconds * 10).rounded() / 10),
        ]
        if let caller = context.caller.value { metadata["principal"] = .string(caller) }
        let level: Logger.Level = Self.quietRoutes.contains(route) ? .debug : .info
        context.logger.log(level: level, "request", metadata: metadata)
        return response
    }
}

import Hummingbird
import Prometheus
import Synchronization

/// Request counts and latency by route pattern, method and status, in Prometheus text.
/// Labels use the route pattern, never the raw path, so ids don't explode the series.
final class RequestMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let poolInUse: Gauge
    private let poolSize: Gauge
    private static let buckets: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5),
        .seconds(5),
    ]

    private static var requests: MetricNameDescriptor {
        MetricNameDescriptor(metricName: "http_requests", unitName: "total", helpText: "HTTP requests answered")
    }
    private static var latency: MetricNameDescriptor {
        MetricNameDescriptor(metricName: "http_request_duration", unitName: "seconds", helpText: "HTTP request latency")
    }

    init() {
        poolInUse = registry.makeGauge(
            descriptor: MetricNameDescriptor(
                metricName: "db_pool_connections", unitName: "in_use", helpText: "Database connections leased right now"))
        poolSize = registry.makeGauge(
            descriptor: MetricNameDescriptor(metricName: "db_pool_connections", unitName: "max", helpText: "Database pool size"))
    }

    func record(route: String, method: String, status: Int, duration: Duration) {
        let labels = [("route", route), ("method", method), ("status", String(status))]
        registry.makeCounter(descriptor: Self.requests, labels: labels).increment()
        registry.makeDurationHistogram(
            descriptor: Self.latency, labels: [("route", route), ("method", method)], buckets: Self.buckets
        ).recordNanoseconds(duration.nanoseconds)
    }

    func render(poolInUse inUse: Int, poolSize size: Int) -> [UInt8] {
        poolInUse.set(Double(inUse))
        poolSize.set(Double(size))
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

struct MetricsMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let metrics: RequestMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        metrics.record(
            route: context.endpointPath ?? "unmatched", method: request.method.rawValue, status: Int(response.status.code),
            duration: ContinuousClock.now - start)
        return response
    }
}

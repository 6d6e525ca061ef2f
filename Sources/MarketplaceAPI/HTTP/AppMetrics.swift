import CoreMetrics
import Prometheus

/// Metrics go through swift-metrics, so Hummingbird's `MetricsMiddleware` (request counts and
/// latency by route pattern, method and status) and our own gauges land in one Prometheus
/// registry, which `/metrics` serves.
struct AppMetrics: Sendable {
    /// `MetricsSystem.bootstrap` may run once per process, and tests build many apps in one:
    /// a static `let` runs its initializer exactly once, whoever asks first. Every app shares
    /// this registry.
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // Hummingbird's names (`hb.requests`, `http.route`) have dots; Prometheus allows none.
        factory.nameAndLabelSanitizer = { name, labels in
            (AppMetrics.prometheusName(name), labels.map { (AppMetrics.prometheusName($0.0), $0.1) })
        }
        MetricsSystem.bootstrap(factory)
        return registry
    }()

    private let poolInUse: CoreMetrics.Gauge
    private let poolSize: CoreMetrics.Gauge

    /// Bootstraps the backend before anything makes a metric: a metric made earlier would
    /// stay bound to the no-op backend for good.
    init() {
        _ = Self.registry
        poolInUse = CoreMetrics.Gauge(label: "db_pool_connections_in_use")
        poolSize = CoreMetrics.Gauge(label: "db_pool_connections_max")
    }

    func render(poolInUse inUse: Int, poolSize size: Int) -> [UInt8] {
        poolInUse.record(inUse)
        poolSize.record(size)
        var buffer: [UInt8] = []
        Self.registry.emit(into: &buffer)
        return buffer
    }

    private static func prometheusName(_ name: String) -> String {
        String(name.map { $0.isLetter || $0.isNumber || $0 == "_" || $0 == ":" ? $0 : "_" })
    }
}

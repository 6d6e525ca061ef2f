import Hummingbird
import Synchronization

/// Per-request state: the authenticated caller, set by `AuthMiddleware`, and the request id,
/// set by `RequestIdMiddleware`.
struct AppRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    var principal: Principal? {
        didSet { caller.set(principal?.logName) }
    }
    /// The request id (`X-Request-Id`); Hummingbird's `id` reads the same value from the logger.
    var requestId = ""
    /// Shared by every copy of this context, so the request log, outside `AuthMiddleware`, learns
    /// who called.
    let caller = CallerRecord()

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.principal = nil
    }

    /// Bodies over this are refused with 413 before they are parsed.
    var maxUploadSize: Int { 1 << 20 }
}

/// Who made a request, as the request log names them: written once by the inner `AuthMiddleware`,
/// read by the outer log middleware after the response.
final class CallerRecord: Sendable {
    private let name = Mutex<String?>(nil)

    func set(_ value: String?) { name.withLock { $0 = value } }
    var value: String? { name.withLock { $0 } }
}

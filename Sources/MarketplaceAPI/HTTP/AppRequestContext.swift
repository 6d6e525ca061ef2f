import Hummingbird

/// Per-request state: the authenticated caller, set by `AuthMiddleware`.
struct AppRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    var principal: Principal?

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.principal = nil
    }

    /// Bodies over this are refused with 413 before they are parsed.
    var maxUploadSize: Int { 1 << 20 }
}

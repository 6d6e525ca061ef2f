import HTTPTypes
import Hummingbird
import Logging

/// The id that ties a request's response, log lines and problem body together.
enum RequestIdentifier {
    /// Set for the length of one request, so `Problem.json` can stamp it without every throw
    /// site carrying the context.
    @TaskLocal static var current: String?

    static let header = HTTPField.Name("X-Request-Id")!

    /// A caller's id is kept when it is 1 to 128 printable ASCII characters: anything else could
    /// forge log lines or bloat every record it is copied into.
    static func accepted(_ value: String?) -> String? {
        guard let value, (1...128).contains(value.utf8.count), value.utf8.allSatisfy({ (0x20...0x7E).contains($0) })
        else { return nil }
        return value
    }

    /// 128 random bits in hex.
    static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<2).map { _ in
            let hex = String(generator.next() as UInt64, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
    }
}

/// Takes or makes the request id, puts it in the logger and on the response, errors included.
/// Hummingbird's own `hb.request.id` is set to the same value: its `context.id` reads that key
/// (and would trap without it), and no log line should carry an id the caller never saw.
struct RequestIdMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let id = RequestIdentifier.accepted(request.headers[RequestIdentifier.header]) ?? RequestIdentifier.generate()
        var context = context
        context.requestId = id
        context.logger[metadataKey: "hb.request.id"] = .string(id)
        context.logger[metadataKey: "request_id"] = .string(id)
        var response = try await RequestIdentifier.$current.withValue(id) { try await next(request, context) }
        response.headers[RequestIdentifier.header] = id
        return response
    }
}

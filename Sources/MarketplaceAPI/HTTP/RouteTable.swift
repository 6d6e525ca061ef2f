import Hummingbird
import Synchronization

/// Every route the server registers, as (method, path pattern). Used to answer 405 with
/// `Allow` for a known path, and by the tests that hold `/openapi.json` to what is served.
final class RouteTable: Sendable {
    struct Entry: Sendable, Hashable {
        let method: HTTPRequest.Method
        /// OpenAPI form: `/v1/vendors/{vendor_id}`.
        let path: String
    }

    private let entries = Mutex<[Entry]>([])

    func add(_ method: HTTPRequest.Method, _ path: String) {
        entries.withLock { $0.append(Entry(method: method, path: path)) }
    }

    var all: [Entry] { entries.withLock { $0 } }

    /// Methods registered for paths that match `path` segment by segment.
    func methods(forPath path: String) -> Set<HTTPRequest.Method> {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        return entries.withLock { entries in
            var methods = Set<HTTPRequest.Method>()
            for entry in entries {
                let pattern = entry.path.split(separator: "/", omittingEmptySubsequences: true)
                guard pattern.count == segments.count else { continue }
                if zip(pattern, segments).allSatisfy({ $0.hasPrefix("{") || $0 == $1 }) { methods.insert(entry.method) }
            }
            return methods
        }
    }
}

/// One resource's routes and the services they need (Hummingbird's controller pattern): the
/// app builds each controller and lets it add its routes; input types live beside it.
protocol Controller: Sendable {
    func addRoutes(to routes: Routes)
}

/// Registers handlers on a router group and records them in the route table.
/// Paths are written in OpenAPI form (`{vendor_id}`), as in the contract.
struct Routes {
    typealias Handler = @Sendable (Request, AppRequestContext) async throws -> Response

    let group: RouterGroup<AppRequestContext>
    let table: RouteTable

    /// Registers `handler`, which only runs once the request's query parameters are all ones
    /// the route's OpenAPI operation defines (422 otherwise).
    func on(_ method: HTTPRequest.Method, _ path: String, _ handler: @escaping Handler) {
        table.add(method, path)
        let defined = DocumentedQueryParameters.names(method: method.rawValue, path: path)
        group.on(RouterPath(Self.hummingbirdPath(path)), method: method) { request, context in
            try DocumentedQueryParameters.check(
                request.uri.queryParameters.map { (String($0.key), String($0.value)) }, defined: defined)
            return try await handler(request, context)
        }
    }

    func get(_ path: String, _ handler: @escaping Handler) { on(.get, path, handler) }
    func post(_ path: String, _ handler: @escaping Handler) { on(.post, path, handler) }
    func put(_ path: String, _ handler: @escaping Handler) { on(.put, path, handler) }
    func delete(_ path: String, _ handler: @escaping Handler) { on(.delete, path, handler) }

    static func hummingbirdPath(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { segment in
            segment.hasPrefix("{") && segment.hasSuffix("}") ? ":" + segment.dropFirst().dropLast() : String(segment)
        }.joined(separator: "/")
    }
}

import CommerceCore
import Hummingbird

extension Request {
    /// `limit` (1–500, default 50) and `after` from the query; 422 naming the parameter.
    func pageRequest() throws -> PageRequest {
        let query = uri.queryParameters
        var errors: [FieldError] = []
        var limit = PageRequest.defaultLimit
        if let text = query.get("limit") {
            if let value = Int(text), value >= 1, value <= PageRequest.maxLimit {
                limit = value
            } else {
                errors.append(FieldError("limit", "must be an integer from 1 to \(PageRequest.maxLimit)"))
            }
        }
        var after: [String]?
        if let text = query.get("after"), !text.isEmpty {
            if let key = PageCursor.decode(text) {
                after = key
            } else {
                errors.append(FieldError("after", "is not a cursor this list returned"))
            }
        }
        guard errors.isEmpty else { throw DomainError.validation(errors) }
        return PageRequest(limit: limit, after: after)
    }

    func queryValue(_ name: String) -> String? {
        uri.queryParameters.get(name)
    }

    func queryValues(_ name: String) -> [String] {
        uri.queryParameters.getAll(name)
    }
}

extension AppRequestContext {
    /// A path parameter the router guarantees is present.
    func path(_ name: String) throws -> String {
        try parameters.require(name)
    }
}

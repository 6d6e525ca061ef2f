import CommerceCore
import Foundation

/// The query parameters each operation of `openapi.yaml` defines. The contract counts a
/// parameter as defined when the contract or the server's own document names it, so the
/// document is the one list: a route refuses every other parameter, and a parameter added to
/// a route without documenting it fails its first test.
enum DocumentedQueryParameters {
    /// Names by `METHOD path` (`GET /v1/orders`).
    private static let byOperation: [String: Set<String>] = {
        guard let bytes = try? OpenAPIDocument.json(), let document = try? JSONParser.parse(bytes),
            let paths = document["paths"]?.objectValue
        else { return [:] }
        let shared = document["components"]?["parameters"]?.objectValue
        func queryNames(_ list: JSONValue?) -> Set<String> {
            var names = Set<String>()
            for parameter in list?.arrayValue ?? [] {
                var resolved = parameter
                if let ref = parameter["$ref"]?.stringValue, let name = ref.split(separator: "/").last {
                    resolved = shared?[String(name)] ?? .null
                }
                if resolved["in"]?.stringValue == "query", let name = resolved["name"]?.stringValue { names.insert(name) }
            }
            return names
        }
        var out: [String: Set<String>] = [:]
        for (path, item) in zip(paths.keys, paths.values) {
            let common = queryNames(item["parameters"])
            for method in ["get", "put", "post", "delete", "patch"] {
                guard let operation = item[method] else { continue }
                out[method.uppercased() + " " + path] = common.union(queryNames(operation["parameters"]))
            }
        }
        return out
    }()

    static func names(method: String, path: String) -> Set<String> {
        byOperation[method + " " + path] ?? []
    }

    /// 422 naming each query parameter `request` carries that `defined` lacks, and each whose
    /// value holds U+0000 (which PostgreSQL text cannot store).
    static func check(_ parameters: [(name: String, value: String)], defined: Set<String>) throws {
        var unknown: [String] = []
        var withNul: [String] = []
        for (name, value) in parameters {
            if !defined.contains(name) {
                let shown = name.replacingOccurrences(of: "\u{0}", with: "\\u0000")
                if !unknown.contains(shown) { unknown.append(shown) }
            } else if NulCharacters.contains(value), !withNul.contains(name) {
                withNul.append(name)
            }
        }
        let errors =
            unknown.map { FieldError($0, "is not a parameter of this route") }
            + withNul.map { FieldError($0, NulCharacters.message) }
        guard errors.isEmpty else { throw DomainError.validation(errors) }
    }
}

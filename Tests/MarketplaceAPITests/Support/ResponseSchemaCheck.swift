import CommerceCore
import Foundation
import Testing

@testable import MarketplaceAPI

/// Holds every response the end-to-end tests receive to `openapi.yaml`: the route, the status
/// and the media type must be documented and the body must validate against the documented
/// schema. It runs on each response of `APIClient`, not on a sample, so the hand-written
/// document cannot drift from the server without a test failing.
///
/// The validator covers the JSON Schema 2020-12 keywords the document uses (`$ref`, `type`,
/// `properties`, `required`, `additionalProperties`, `items`, `enum`, `const`, `oneOf`,
/// `anyOf`, `allOf`, `not`, `if`/`then`/`else`, string, number and array bounds, `pattern`).
/// `OpenAPIContractTests` checks a sample with Python's `jsonschema` too, so the two validators
/// watch each other. It is in-process because one Python run per test would cost minutes.
enum ResponseSchemaCheck {
    /// The document and its paths as templates, parsed once per test process.
    private static let document: Document? = {
        guard let bytes = try? OpenAPIDocument.json(), let root = try? JSONParser.parse(bytes) else { return nil }
        return Document(root: root)
    }()

    /// Records an issue in the running test for every way `response` departs from the document.
    static func check(method: String, target: String, response: APIResponse, sourceLocation: SourceLocation) {
        let path = String(target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0])
        guard let document else {
            Issue.record("openapi.yaml could not be read", sourceLocation: sourceLocation)
            return
        }
        for problem in document.problems(method: method.lowercased(), path: path, response: response) {
            Issue.record("\(method) \(path) → \(response.status): \(problem)", sourceLocation: sourceLocation)
        }
    }

    struct Document {
        let root: JSONValue
        /// Templates split into segments; `nil` marks a `{parameter}` segment.
        let templates: [(template: String, segments: [String?])]

        init(root: JSONValue) {
            self.root = root
            let paths = root["paths"]?.objectValue
            templates = (paths?.keys ?? []).map { template in
                (template, template.split(separator: "/").map { $0.hasPrefix("{") ? nil : String($0) })
            }
        }

        /// The documented template a concrete path belongs to: literal segments beat parameters,
        /// as the router matches them.
        func template(for path: String) -> String? {
            let segments = path.split(separator: "/").map(String.init)
            var best: (template: String, literals: Int)?
            for (template, pattern) in templates where pattern.count == segments.count {
                var literals = 0
                var matches = true
                for (want, have) in zip(pattern, segments) {
                    guard let want else { continue }
                    if want == have {
                        literals += 1
                    } else {
                        matches = false
                        break
                    }
                }
                if matches, literals > (best?.literals ?? -1) { best = (template, literals) }
            }
            return best?.template
        }

        func problems(method: String, path: String, response: APIResponse) -> [String] {
            // Paths the server does not serve answer 404 (or 405) from the router itself; only
            // documented routes are held to the document.
            guard let template = template(for: path) else { return [] }
            guard let operation = root["paths"]?[template]?[method] else {
                return response.status == 405 ? [] : ["\(method.uppercased()) \(template) is not documented"]
            }
            guard var documented = operation["responses"]?[String(response.status)] ?? operation["responses"]?["default"]
            else {
                return ["status \(response.status) is not documented for \(method.uppercased()) \(template)"]
            }
            if let ref = documented["$ref"]?.stringValue { documented = resolve(ref) ?? .null }
            let mediaType =
                (response.contentType ?? "").split(separator: ";").first.map {
                    $0.trimmingCharacters(in: .whitespaces)
                } ?? ""
            guard let content = documented["content"]?.objectValue, content.count > 0 else {
                return response.bytes.isEmpty ? [] : ["a body of type '\(mediaType)' is not documented"]
            }
            guard let media = content[mediaType] else {
                return ["content type '\(mediaType)' is not documented (the document has \(content.keys))"]
            }
            guard mediaType.hasSuffix("json"), let schema = media["schema"] else { return [] }
            guard let body = try? JSONParser.parse(response.bytes) else { return ["the body is not JSON"] }
            var errors: [String] = []
            validate(body, against: schema, at: "", errors: &errors)
            return Array(errors.prefix(5))
        }

        func resolve(_ ref: String) -> JSONValue? {
            guard ref.hasPrefix("#/") else { return nil }
            var node: JSONValue? = root
            for token in ref.dropFirst(2).split(separator: "/") {
                let key = token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
                node = node?[key]
            }
            return node
        }

        func isValid(_ value: JSONValue, against schema: JSONValue) -> Bool {
            var errors: [String] = []
            validate(value, against: schema, at: "", errors: &errors)
            return errors.isEmpty
        }

        // swiftlint:disable:next cyclomatic_complexity function_body_length
        func validate(_ value: JSONValue, against schema: JSONValue, at pointer: String, errors: inout [String]) {
            let here = pointer.isEmpty ? "/" : pointer
            if case .bool(let allowed) = schema {
                if !allowed { errors.append("\(here): no value is allowed here") }
                return
            }
            if let ref = schema["$ref"]?.stringValue {
                guard let target = resolve(ref) else {
                    errors.append("\(here): unresolvable $ref \(ref)")
                    return
                }
                validate(value, against: target, at: pointer, errors: &errors)
            }
            if let types = schema["type"] {
                let names = types.arrayValue?.compactMap(\.stringValue) ?? [types.stringValue].compactMap { $0 }
                if !names.contains(where: { Self.matches(value, type: $0) }) {
                    errors.append("\(here): \(value.typeName) is not of type \(names.joined(separator: " or "))")
                    return
                }
            }
            if let options = schema["enum"]?.arrayValue, !options.contains(value) {
                errors.append("\(here): \(JSONWriter.string(value)) is not one of \(JSONWriter.string(.array(options)))")
            }
            if let constant = schema["const"], constant != value {
                errors.append("\(here): \(JSONWriter.string(value)) is not \(JSONWriter.string(constant))")
            }
            for keyword in ["allOf", "anyOf", "oneOf"] {
                guard let list = schema[keyword]?.arrayValue else { continue }
                let passing = list.filter { isValid(value, against: $0) }.count
                switch keyword {
                case "allOf" where passing != list.count:
                    for sub in list { validate(value, against: sub, at: pointer, errors: &errors) }
                case "anyOf" where passing == 0: errors.append("\(here): matches none of anyOf")
                case "oneOf" where passing != 1: errors.append("\(here): matches \(passing) of oneOf, not exactly one")
                default: break
                }
            }
            if let negated = schema["not"], isValid(value, against: negated) {
                errors.append("\(here): matches a schema it must not")
            }
            if let condition = schema["if"] {
                let branch = isValid(value, against: condition) ? schema["then"] : schema["else"]
                if let branch { validate(value, against: branch, at: pointer, errors: &errors) }
            }
            switch value {
            case .object(let object):
                for name in schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where object[name] == nil {
                    errors.append("\(here): '\(name)' is required")
                }
                let properties = schema["properties"]?.objectValue
                for (key, member) in zip(object.keys, object.values) {
                    if let sub = properties?[key] {
                        validate(member, against: sub, at: pointer + "/" + key, errors: &errors)
                    } else if let additional = schema["additionalProperties"] {
                        validate(member, against: additional, at: pointer + "/" + key, errors: &errors)
                    }
                }
            case .array(let items):
                if let bound = schema["minItems"]?.intValue, items.count < bound {
                    errors.append("\(here): fewer than \(bound) items")
                }
                if let bound = schema["maxItems"]?.intValue, items.count > bound {
                    errors.append("\(here): more than \(bound) items")
                }
                if let itemSchema = schema["items"] {
                    for (i, item) in items.enumerated() {
                        validate(item, against: itemSchema, at: "\(pointer)/\(i)", errors: &errors)
                    }
                }
            case .string(let string):
                let length = string.unicodeScalars.count
                if let bound = schema["minLength"]?.intValue, length < bound {
                    errors.append("\(here): shorter than \(bound)")
                }
                if let bound = schema["maxLength"]?.intValue, length > bound {
                    errors.append("\(here): longer than \(bound)")
                }
                if let pattern = schema["pattern"]?.stringValue, string.range(of: pattern, options: .regularExpression) == nil {
                    errors.append("\(here): '\(string)' does not match \(pattern)")
                }
            case .int, .double:
                let number = Self.number(value)
                if let bound = schema["minimum"].map(Self.number), number < bound {
                    errors.append("\(here): below the minimum \(bound)")
                }
                if let bound = schema["maximum"].map(Self.number), number > bound {
                    errors.append("\(here): above the maximum \(bound)")
                }
            default:
                break
            }
        }

        static func matches(_ value: JSONValue, type: String) -> Bool {
            switch (value, type) {
            case (.null, "null"), (.bool, "boolean"), (.string, "string"), (.array, "array"), (.object, "object"): true
            case (.int, "integer"), (.int, "number"), (.double, "number"): true
            case (.double(let d), "integer"): d.rounded() == d
            default: false
            }
        }

        static func number(_ value: JSONValue) -> Double {
            switch value {
            case .int(let i): Double(i)
            case .double(let d): d
            default: .nan
            }
        }
    }
}

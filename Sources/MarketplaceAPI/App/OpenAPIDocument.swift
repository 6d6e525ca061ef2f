import Foundation
import Yams

/// `openapi.yaml` (the source) served as JSON. Converted once, on first use.
enum OpenAPIDocument {
    static func json() throws -> [UInt8] { try cached.get() }

    private static let cached: Result<[UInt8], any Error> = Result(catching: {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml") else {
            throw CocoaError(.fileNoSuchFile)
        }
        let yaml = try String(contentsOf: url, encoding: .utf8)
        guard let object = try Yams.load(yaml: yaml) else { throw CocoaError(.fileReadCorruptFile) }
        return Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
    })
}

import CommerceCore
import Hummingbird

/// A request body read in full (at most 1 MiB) and parsed as JSON.
struct JSONBody: Sendable {
    let bytes: [UInt8]
    let value: JSONValue
}

extension Request {
    /// Reads and parses the body. Over 1 MiB: 413. Not JSON: 422 naming `body`; U+0000 in any
    /// string: 422 naming where.
    func jsonBody(context: AppRequestContext) async throws -> JSONBody {
        let limit = context.maxUploadSize
        if let length = headers[.contentLength].flatMap({ Int($0) }), length > limit {
            throw HTTPError(.contentTooLarge)
        }
        let buffer = try await body.collect(upTo: limit)
        let bytes = Array(buffer.readableBytesView)
        if bytes.isEmpty {
            throw DomainError.validation(field: "body", "a JSON body is required")
        }
        return try parse(bytes)
    }

    /// Reads a body that may be absent (action routes whose body is optional).
    func optionalJSONBody(context: AppRequestContext) async throws -> JSONBody? {
        let buffer = try await body.collect(upTo: context.maxUploadSize)
        let bytes = Array(buffer.readableBytesView)
        if bytes.allSatisfy({ $0 == 32 || $0 == 10 || $0 == 13 || $0 == 9 }) { return nil }
        return try parse(bytes)
    }

    private func parse(_ bytes: [UInt8]) throws -> JSONBody {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch let error as JSONParser.SyntaxError {
            throw DomainError.validation(field: "body", "malformed JSON: \(error.reason) at byte \(error.offset)")
        }
        if let field = NulCharacters.field(in: value) {
            throw DomainError.validation(field: field, NulCharacters.message)
        }
        return JSONBody(bytes: bytes, value: value)
    }
}

extension Response {
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        json(bytes: JSONWriter.bytes(value), status: status, headers: headers)
    }

    static func json(bytes: [UInt8], status: HTTPResponse.Status, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

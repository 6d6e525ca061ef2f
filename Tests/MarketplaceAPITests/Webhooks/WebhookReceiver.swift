import CommerceCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// A local HTTP receiver for webhook tests: records every request and answers with the
/// statuses (and delays) each path is scripted with.
actor Inbox {
    struct Received: Sendable {
        let path: String
        let headers: [String: String]
        let body: [UInt8]
        let at: Date

        var id: String { headers["webhook-id"] ?? "" }
        var timestamp: Int64 { Int64(headers["webhook-timestamp"] ?? "") ?? 0 }
        var signature: String { headers["webhook-signature"] ?? "" }
        var json: JSONValue { (try? JSONParser.parse(body)) ?? .null }
    }

    private(set) var received: [Received] = []
    private var statuses: [String: [Int]] = [:]
    private var delays: [String: Duration] = [:]
    private var inFlight: [String: Int] = [:]
    private(set) var maxInFlight: [String: Int] = [:]

    func script(_ path: String, statuses: [Int] = [], delay: Duration? = nil) {
        self.statuses[path] = statuses
        self.delays[path] = delay
    }

    func begin(_ request: Received) -> (status: Int, delay: Duration?) {
        received.append(request)
        inFlight[request.path, default: 0] += 1
        maxInFlight[request.path] = max(maxInFlight[request.path] ?? 0, inFlight[request.path]!)
        var status = 200
        if var queue = statuses[request.path], !queue.isEmpty {
            status = queue.removeFirst()
            statuses[request.path] = queue.isEmpty ? [status] : queue  // the last status repeats
        }
        return (status, delays[request.path])
    }

    func end(_ path: String) { inFlight[path, default: 1] -= 1 }

    func requests(_ path: String) -> [Received] { received.filter { $0.path == path } }

    /// Waits until `path` has at least `count` requests (or the deadline passes).
    func wait(_ path: String, count: Int, timeout: Duration = .seconds(20)) async -> [Received] {
        let deadline = ContinuousClock.now + timeout
        while requests(path).count < count, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        return requests(path)
    }
}

enum WebhookReceiver {
    /// Runs a receiver on an ephemeral port for the duration of `body`.
    static func run(_ body: @Sendable (_ baseURL: String, _ inbox: Inbox) async throws -> Void) async throws {
        let inbox = Inbox()
        let router = Router()
        router.post("/{name}") { request, context -> Response in
            let name = try context.parameters.require("name")
            let buffer = try await request.body.collect(upTo: 1 << 20)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let (status, delay) = await inbox.begin(
                .init(path: name, headers: headers, body: Array(buffer.readableBytesView), at: Date()))
            if let delay { try? await Task.sleep(for: delay) }
            await inbox.end(name)
            return Response(status: .init(code: status))
        }
        let app = Application(router: router)
        try await app.test(.live) { client in
            try await body("http://127.0.0.1:\(client.port!)", inbox)
        }
    }
}

/// Checks signatures with the `standardwebhooks` package from PyPI: an implementation that
/// is not ours. Returns the verifier's verdict per request ("ok" or the error).
enum IndependentVerifier {
    static func verify(_ requests: [Inbox.Received], secret: String) async throws -> [String] {
        let script = """
            import base64, json, sys
            from standardwebhooks import Webhook
            out = []
            for line in sys.stdin:
                r = json.loads(line)
                try:
                    Webhook(r["secret"]).verify(base64.b64decode(r["body"]), r["headers"])
                    out.append("ok")
                except Exception as e:
                    out.append("failed: %s" % e)
            print(json.dumps(out))
            """
        var input = ""
        for request in requests {
            let record: JSONValue = [
                "secret": .string(secret), "body": .string(Data(request.body).base64EncodedString()),
                "headers": .object(JSONObject(request.headers.map { ($0.key, JSONValue.string($0.value)) })),
            ]
            input += JSONWriter.string(record) + "\n"
        }
        guard let list = try await Python.run(script, input: input) else { return [] }
        return list.compactMap(\.stringValue)
    }
}

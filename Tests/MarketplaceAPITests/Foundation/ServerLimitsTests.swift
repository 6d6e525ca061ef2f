import Foundation
import NIOCore
import NIOPosix
import Testing

@testable import MarketplaceAPI

/// A raw TCP client: what a careless or hostile HTTP client does, byte by byte.
struct RawClient {
    let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>

    static func connect(port: Int) async throws -> RawClient {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return RawClient(channel: channel)
    }

    /// Writes `text` a few bytes at a time, `every` apart, until the server closes the
    /// connection or `text` runs out. Then reads until the server closes the connection or
    /// `patience` passes. Returns how long after the start the connection was closed (nil: it
    /// stayed open) and what the server sent.
    func trickle(_ text: String, after prefix: String = "", chunk: Int = 1, every: Duration, patience: Duration) async throws
        -> (closedAfter: Duration?, received: String)
    {
        let started = ContinuousClock.now
        return try await channel.executeThenClose { inbound, outbound in
            try await withThrowingTaskGroup(of: (Duration?, String)?.self) { group in
                group.addTask {
                    var received = ""
                    do {
                        for try await var buffer in inbound {
                            received += buffer.readString(length: buffer.readableBytes) ?? ""
                        }
                    } catch {
                        // A reset (the server closed while bytes were still coming) is a close too.
                    }
                    return (ContinuousClock.now - started, received)
                }
                group.addTask {
                    if !prefix.isEmpty { try await outbound.write(ByteBuffer(string: prefix)) }
                    let bytes = Array(text.utf8)
                    var index = 0
                    while index < bytes.count {
                        let end = min(index + chunk, bytes.count)
                        do {
                            try await outbound.write(ByteBuffer(bytes: bytes[index..<end]))
                        } catch {
                            break  // closed by the server
                        }
                        index = end
                        try await Task.sleep(for: every)
                    }
                    try await Task.sleep(for: patience)
                    return nil
                }
                var outcome: (Duration?, String) = (nil, "")
                if let first = try await group.next(), let value = first { outcome = value }
                group.cancelAll()
                return outcome
            }
        }
    }
}

@Suite struct ServerLimitsTests {
    @Test func anIdleConnectionIsClosed() async throws {
        try await TestServer.run(configure: { $0.httpIdleTimeoutSeconds = 1 }) { server in
            let client = try await RawClient.connect(port: server.port)
            let (closedAfter, received) = try await client.trickle("", every: .milliseconds(10), patience: .seconds(10))
            #expect(received.isEmpty)
            let closed = try #require(closedAfter, "the idle connection stayed open")
            #expect(closed < .seconds(6), "closed after \(closed)")
        }
    }

    @Test func headersTrickledByteByByteAreCutOff() async throws {
        try await TestServer.run(configure: { $0.httpIdleTimeoutSeconds = 1 }) { server in
            let client = try await RawClient.connect(port: server.port)
            let head = "GET /healthz HTTP/1.1\r\nHost: x\r\n" + String(repeating: "X-Pad: aaaaaaaaaa\r\n", count: 50) + "\r\n"
            let (closedAfter, received) = try await client.trickle(head, every: .milliseconds(100), patience: .seconds(5))
            let closed = try #require(closedAfter, "the trickling client kept its connection")
            #expect(closed < .seconds(6), "closed after \(closed)")
            #expect(!received.contains("200 OK"))
        }
    }

    @Test func aBodyTrickledAfterItsHeadIsCutOff() async throws {
        try await TestServer.run(configure: { $0.httpRequestTimeoutSeconds = 1 }) { server in
            let client = try await RawClient.connect(port: server.port)
            let body = "{\"name\": \"" + String(repeating: "a", count: 200) + "\"}"
            let request = """
                POST /v1/vendors HTTP/1.1\r
                Host: x\r
                Authorization: Bearer \(server.adminToken)\r
                Content-Type: application/json\r
                Content-Length: \(body.utf8.count)\r
                \r

                """
            // The head goes at once; the body a few bytes every 100 ms (about 7 s in all), so the 1 s limit cuts it off.
            let (closedAfter, received) = try await client.trickle(
                body, after: request, chunk: 3, every: .milliseconds(100), patience: .seconds(5))
            let closed = try #require(closedAfter, "the trickled body kept its connection")
            #expect(closed < .seconds(4), "closed after \(closed)")
            #expect(!received.contains("201"))
        }
    }

    @Test func aPromptClientIsServedAsUsual() async throws {
        try await TestServer.run(configure: {
            $0.httpIdleTimeoutSeconds = 1
            $0.httpRequestTimeoutSeconds = 1
        }) { server in
            let client = try await RawClient.connect(port: server.port)
            let (_, received) = try await client.trickle(
                "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", chunk: 1000, every: .milliseconds(1), patience: .seconds(3))
            #expect(received.hasPrefix("HTTP/1.1 200"), "\(received)")
        }
    }

    @Test func settingsComeFromTheEnvironment() throws {
        let config = try AppConfiguration.fromEnvironment([
            "HTTP_IDLE_TIMEOUT_SECONDS": "7", "HTTP_REQUEST_TIMEOUT_SECONDS": "9", "SHUTDOWN_TIMEOUT_SECONDS": "11",
        ])
        #expect(config.httpIdleTimeoutSeconds == 7)
        #expect(config.httpRequestTimeoutSeconds == 9)
        #expect(config.shutdownTimeoutSeconds == 11)
        #expect(throws: AppConfiguration.Invalid.self) {
            try AppConfiguration.fromEnvironment(["HTTP_IDLE_TIMEOUT_SECONDS": "0"])
        }
    }
}

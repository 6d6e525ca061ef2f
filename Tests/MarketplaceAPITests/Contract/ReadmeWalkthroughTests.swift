import Foundation
import Postgres
import Testing

@testable import MarketplaceAPI

/// The README's walk-through, run command by command against a fresh server on a database of
/// its own (a settlement run settles every line in its database), its output compared with
/// what the README shows. The README can so never drift from the server.
@Suite struct ReadmeWalkthroughTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    @Test func theWalkthroughRunsAndPrintsWhatTheReadmeShows() async throws {
        let url = try await TestDatabase.fresh("marketplace_walkthrough")
        let binary = Self.root.appendingPathComponent(".build/debug/marketplace").path
        try #require(FileManager.default.isExecutableFile(atPath: binary), "no \(binary): build first")
        try await TestServer.run(configure: {
            $0.databaseURL = url
            $0.runWebhookDispatcher = true
            $0.webhookRetrySchedule = [1, 1, 1]
        }) { server in
            var environment = ProcessInfo.processInfo.environment
            environment["API"] = "http://127.0.0.1:\(server.port)"
            environment["MARKETPLACE_ADMIN_TOKEN"] = server.adminToken
            environment["MARKETPLACE"] = binary
            environment["DATABASE_URL"] = url
            environment["MARKETPLACE_SQL_DIR"] = Self.root.appendingPathComponent("sql").path
            let (status, errors) = try await Self.run(
                ["python3", "scripts/lib/readme_walkthrough.py", "README.md"], environment: environment)
            #expect(status == 0, "\(errors)")
        }
    }

    /// Runs a command in the repository; answers its exit status and standard error.
    static func run(_ arguments: [String], environment: [String: String]) async throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.environment = environment
        process.currentDirectoryURL = root
        let stderr = Pipe()
        process.standardError = stderr
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // Read on another thread so that the (async) test thread is not blocked on the pipe.
        let errors: String = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                let data = stderr.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                continuation.resume(returning: String(decoding: data, as: UTF8.self))
            }
        }
        return (process.terminationStatus, errors)
    }
}

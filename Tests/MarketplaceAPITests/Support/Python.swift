import CommerceCore
import Foundation
import Testing

/// Runs a Python script that reads lines on stdin and prints one JSON array on stdout. Used
/// to check our output with implementations that are not ours (standardwebhooks, jsonschema).
enum Python {
    /// Async so that the wait happens on a dispatch thread: blocking one of the concurrency
    /// pool's threads (two on this machine) for seconds would stall every other test's timing.
    static func run(_ script: String, input: String) async throws -> [JSONValue]? {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try runBlocking(script, input: input) })
            }
        }
    }

    private static func runBlocking(_ script: String, input: String) throws -> [JSONValue]? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script]
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        // Written from another thread: a large input would otherwise fill the pipe while
        // Python fills its stdout, and both would wait forever.
        let writer = stdin.fileHandleForWriting
        let payload = Data(input.utf8)
        DispatchQueue.global().async {
            writer.write(payload)
            try? writer.close()
        }
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        let errors = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, let list = (try? JSONParser.parse(Array(output)))?.arrayValue else {
            Issue.record("python3 failed: \(String(decoding: errors, as: UTF8.self))")
            return nil
        }
        return list
    }
}

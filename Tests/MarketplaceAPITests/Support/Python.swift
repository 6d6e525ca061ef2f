import CommerceCore
import Foundation
import Testing

/// Runs a Python script that reads lines on stdin and prints one JSON array on stdout. Used
/// to check our output with implementations that are not ours (standardwebhooks, jsonschema).
enum Python {
    static func run(_ script: String, input: String) throws -> [JSONValue]? {
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

import Foundation

/// Runs a helper program (git, the Python references) and captures its standard output.
enum ChildProcess {
    /// The exit status and standard output of a finished program.
    struct Result {
        var status: Int32
        var output: String
    }

    /// Runs `executable` with `arguments` in `directory`; standard error passes through unless `discardErrors`.
    static func run(_ executable: String, _ arguments: [String], directory: URL? = nil,
                    discardErrors: Bool = false) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        let pipe = Pipe()
        process.standardOutput = pipe
        if discardErrors { process.standardError = FileHandle.nullDevice }
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }
}

import Foundation

/// Why a command could not read or write an image file: one line naming the file and the reason, never an
/// attribute value.
public enum ImageFileError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file could not be read or decoded.
    case unreadable(file: String, reason: String)
    /// The output could not be written.
    case cannotWrite(file: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let file, let reason): "\(file): \(reason)"
        case .cannotWrite(let file, let reason): "cannot write \(file): \(reason)"
        }
    }

    /// Refuses, with a sentence, a path that is not a readable regular file (a directory, a missing path), before
    /// any reader is asked to make sense of it.
    public static func requireFile(_ path: String) throws(ImageFileError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .unreadable(file: path, reason: "there is no such file")
        }
        guard !isDirectory.boolValue else {
            throw .unreadable(file: path, reason: "it is a directory; give one image file (a DICOM, PNG or JPEG file)")
        }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw .unreadable(file: path, reason: "this user may not read it")
        }
    }
}

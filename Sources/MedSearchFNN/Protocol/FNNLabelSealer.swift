import Crypto
import Foundation

/// Seals record labels with AES-256-GCM under the owner's label key, binding each to its record id.
public enum FNNLabelSealer {
    /// The label key's length: 32 bytes (AES-256).
    public static let keyByteCount = 32

    /// Seals `label` for record `id` (random nonce from the system CSPRNG).
    ///
    /// - Throws: ``FNNError/invalidParameter(_:)`` when `key` is not 32 bytes.
    public static func seal(_ label: String, id: UInt64, key: [UInt8]) throws(FNNError) -> [UInt8] {
        guard key.count == keyByteCount else {
            throw .invalidParameter("the label key is \(key.count) bytes; AES-256 needs \(keyByteCount)")
        }
        do {
            let sealed = try AES.GCM.seal(Data(label.utf8), using: SymmetricKey(data: key),
                                          authenticating: associatedData(id))
            // The default nonce is 12 bytes, for which the combined form always exists.
            guard let combined = sealed.combined else { throw FNNError.malformed("AES-GCM box without combined form") }
            return Array(combined)
        } catch {
            throw .malformed("sealing a label failed: \(error)")
        }
    }

    /// Opens a sealed label.
    ///
    /// - Throws: ``FNNError/labelAuthenticationFailed`` for a wrong key (including one that is not 32 bytes),
    ///   wrong id or tampered bytes.
    public static func open(_ sealed: [UInt8], id: UInt64, key: [UInt8]) throws(FNNError) -> String {
        guard key.count == keyByteCount else { throw .labelAuthenticationFailed }
        do {
            let box = try AES.GCM.SealedBox(combined: sealed)
            let plain = try AES.GCM.open(box, using: SymmetricKey(data: key), authenticating: associatedData(id))
            return String(decoding: plain, as: UTF8.self)
        } catch {
            throw .labelAuthenticationFailed
        }
    }

    private static func associatedData(_ id: UInt64) -> Data {
        var data = Data("fnn-label".utf8)
        withUnsafeBytes(of: id.littleEndian) { data.append(contentsOf: $0) }
        return data
    }
}

import Crypto
import Foundation

/// Seals record labels with AES-256-GCM under the owner's label key, binding each to its record id.
public enum FNNLabelSealer {
    /// Seals `label` for record `id` (random nonce from the system CSPRNG).
    public static func seal(_ label: String, id: UInt64, key: [UInt8]) -> [UInt8] {
        let sealed = try! AES.GCM.seal(Data(label.utf8), using: SymmetricKey(data: key),
                                       authenticating: associatedData(id))
        // combined is non-nil for the default 12-byte nonce.
        return Array(sealed.combined!)
    }

    /// Opens a sealed label.
    ///
    /// - Throws: ``FNNError/labelAuthenticationFailed`` for a wrong key, wrong id or tampered bytes.
    public static func open(_ sealed: [UInt8], id: UInt64, key: [UInt8]) throws(FNNError) -> String {
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

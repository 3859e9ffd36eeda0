import Foundation
import MedSearchBigInt
import MedSearchCore
import MedSearchPaillier
import Testing
import _MedSearchTestSupport

@Suite("Paillier serialisation and key files")
struct PaillierSerializationTests: InsecureKeySuite {
    @Test("keys and ciphertexts round-trip")
    func roundTrips() throws {
        #expect(try PaillierPublicKey(serialized: pk.serialized()) == pk)
        #expect(try PaillierPrivateKey(serialized: sk.serialized()) == sk)
        let c = pk.encrypt(123)
        let bytes = c.serialized(for: pk)
        #expect(bytes.count == 6 + pk.ciphertextByteCount)
        #expect(try PaillierCiphertext(serialized: bytes, publicKey: pk) == c)
        // Small values still take the full width.
        let tiny = PaillierCiphertext(rawValue: 1)
        #expect(tiny.serialized(for: pk).count == bytes.count)
    }

    @Test("malformed encodings throw typed errors")
    func malformed() throws {
        let keyBytes = pk.serialized()
        #expect(throws: WireError.self) { try PaillierPublicKey(serialized: Array(keyBytes.dropLast())) }
        #expect(throws: WireError.trailingBytes(offset: keyBytes.count, count: 1)) { try PaillierPublicKey(serialized: keyBytes + [0]) }
        var wrongMagic = keyBytes
        wrongMagic[0] = UInt8(ascii: "X")
        #expect(throws: WireError.wrongMagic(expected: "PAPK", found: "XAPK")) {
            try PaillierPublicKey(serialized: wrongMagic)
        }
        var newer = keyBytes
        newer[4] = 9
        #expect(throws: WireError.unsupportedVersion(format: "PAPK", found: 9, supported: 1)) { try PaillierPublicKey(serialized: newer) }
        #expect(throws: WireError.self) { try PaillierPrivateKey(serialized: Array(sk.serialized().prefix(20))) }

        // A ciphertext equal to N^2 (out of range) and one of the wrong width.
        var writer = ByteWriter()
        writer.writeHeader(magic: PaillierCiphertext.magic, version: 1)
        writer.write(pk.nSquared, fixedWidth: pk.ciphertextByteCount)
        #expect(throws: WireError.invalidValue(offset: 6, reason: "\(PaillierError.invalidCiphertext("value is not in 1..<N^2"))")) {
            try PaillierCiphertext(serialized: writer.bytes, publicKey: pk)
        }
        let short = Array(pk.encrypt(1).serialized(for: pk).dropLast())
        #expect(throws: WireError.self) { try PaillierCiphertext(serialized: short, publicKey: pk) }
    }

    @Test("random garbage never traps the decoders")
    func fuzz() {
        var rng = seededGenerator(31)
        let seeds = [pk.serialized(), sk.serialized(), pk.encrypt(5).serialized(for: pk)]
        for _ in 0..<300 {
            var bytes = seeds.randomElement(using: &rng)!
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let index = Int.random(in: 0..<bytes.count, using: &rng)
                bytes[index] = UInt8.random(in: 0...255, using: &rng)
            }
            if Bool.random(using: &rng) { bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &rng))) }
            _ = try? PaillierPublicKey(serialized: bytes)
            _ = try? PaillierPrivateKey(serialized: bytes)
            _ = try? PaillierCiphertext(serialized: bytes, publicKey: pk)
        }
    }

    @Test("secret key files are written 0600 and refused when others can read them")
    func keyFiles() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("paillier-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("secret.key")
        // An existing, world-readable file is replaced with mode 0600.
        _ = FileManager.default.createFile(atPath: url.path, contents: Data([1, 2, 3]),
                                       attributes: [.posixPermissions: 0o644])
        try sk.write(to: url)
        let mode = try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try PaillierPrivateKey(contentsOf: url) == sk)
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: url.path)
        #expect(throws: PaillierError.insecureKeyFilePermissions(path: url.path, mode: 0o640)) {
            try PaillierPrivateKey(contentsOf: url)
        }
        #expect(throws: PaillierError.self) {
            try PaillierPrivateKey(contentsOf: directory.appendingPathComponent("missing.key"))
        }
    }
}

import Crypto
import Foundation
import MedSearchCore
@testable import MedSearchSealing
import Testing
import _MedSearchTestSupport

@Suite("AES-256-GCM image sealing")
struct ImageSealerTests {
    let key = try! ImageSealingKey(bytes: (0..<32).map { UInt8($0) })

    @Test("seal then open returns the bytes; every seal uses a fresh nonce")
    func roundTrip() throws {
        var rng = seededGenerator(51)
        for length in [0, 1, 15, 16, 17, 4096, 100_003] {
            let data = SecureRandom.bytes(length, using: &rng)
            let sealed = try ImageSealer.seal(data, imageID: "img-\(length)", key: key)
            #expect(sealed.count == data.count + ImageSealer.overhead)
            #expect(try ImageSealer.open(sealed, imageID: "img-\(length)", key: key) == data)
        }
        let a = try ImageSealer.seal([1, 2, 3], imageID: "x", key: key)
        let b = try ImageSealer.seal([1, 2, 3], imageID: "x", key: key)
        #expect(a != b)
        #expect(Array(a[7..<19]) != Array(b[7..<19]))
    }

    @Test("wrong key, swapped id and any altered byte are rejected")
    func tampering() throws {
        var rng = seededGenerator(52)
        let data = SecureRandom.bytes(1000, using: &rng)
        let sealed = try ImageSealer.seal(data, imageID: "patient-scan-1", key: key)
        #expect(throws: SealingError.authenticationFailed) {
            try ImageSealer.open(sealed, imageID: "patient-scan-1", key: ImageSealingKey())
        }
        #expect(throws: SealingError.authenticationFailed) {
            try ImageSealer.open(sealed, imageID: "patient-scan-2", key: key)
        }
        // Nonce, body and tag bytes: authentication failure.
        for position in [7, 18, 19, 500, sealed.count - 16, sealed.count - 1] {
            var altered = sealed
            altered[position] ^= 0x01
            #expect(throws: SealingError.authenticationFailed) {
                try ImageSealer.open(altered, imageID: "patient-scan-1", key: key)
            }
        }
        // Header bytes: a format error before any decryption.
        for position in [0, 4, 6] {
            var altered = sealed
            altered[position] ^= 0x01
            #expect(throws: SealingError.self) { try ImageSealer.open(altered, imageID: "patient-scan-1", key: key) }
        }
        #expect(throws: SealingError.self) { try ImageSealer.open(Array(sealed.prefix(20)), imageID: "patient-scan-1", key: key) }
        #expect(throws: SealingError.self) { try ImageSealer.open([], imageID: "patient-scan-1", key: key) }
    }

    @Test("keys serialise, and key files are 0600 and refused when readable by others")
    func keys() throws {
        #expect(throws: SealingError.self) { try ImageSealingKey(bytes: [1, 2, 3]) }
        let bytes = key.serialized()
        #expect(bytes.count == 38)
        let decoded = try ImageSealingKey(serialized: bytes)
        let sealed = try ImageSealer.seal([9, 9], imageID: "k", key: key)
        #expect(try ImageSealer.open(sealed, imageID: "k", key: decoded) == [9, 9])
        #expect(throws: WireError.self) { try ImageSealingKey(serialized: Array(bytes.dropLast())) }

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sealing-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("image.key")
        try key.write(to: url)
        #expect(try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int == 0o600)
        let loaded = try ImageSealingKey(contentsOf: url)
        #expect(try ImageSealer.open(sealed, imageID: "k", key: loaded) == [9, 9])
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: url.path)
        #expect(throws: SealingError.insecureKeyFilePermissions(path: url.path, mode: 0o644)) {
            try ImageSealingKey(contentsOf: url)
        }
    }

    @Test("the 7.2 MB DICOM file seals and opens", .enabled(if: TestData.hasShared("dicom/RG1_UNCI.dcm"), "needs ../shared/data/dicom/RG1_UNCI.dcm"))
    func largeFile() throws {
        let url = try #require(TestData.sharedFile("dicom/RG1_UNCI.dcm"))
        let data = try [UInt8](Data(contentsOf: url))
        let sealed = try ImageSealer.seal(data, imageID: "RG1_UNCI", key: key)
        #expect(try ImageSealer.open(sealed, imageID: "RG1_UNCI", key: key) == data)
    }
}

/// The AES-256-GCM engine against a published vector and against swift-crypto's `AES.GCM` used directly.
@Suite("AES-256-GCM engine")
struct AESGCMEngineTests {
    func hex(_ text: String) -> [UInt8] { Hex.decode(text)! }

    @Test("NIST GCM test case 16 (AES-256, 60-byte plaintext, 20-byte associated data)")
    func knownAnswer() throws {
        let key = SymmetricKey(data: hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308"))
        let nonce = hex("cafebabefacedbaddecaf888")
        let plaintext = hex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
            + "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39")
        let ad = hex("feedfacedeadbeeffeedfacedeadbeefabaddad2")
        let expected = hex("522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
            + "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662" + "76fc6ece0f4e1768cddf8853bb2d551b")
        let sealed = try plaintext.withUnsafeBytes {
            try AESGCMEngine.seal($0, key: key, nonce: nonce, associatedData: ad, prefix: [0xAA])
        }
        #expect(sealed == [0xAA] + nonce + expected)
        let opened = try Array(sealed.dropFirst()).withUnsafeBytes { try AESGCMEngine.open($0, key: key, associatedData: ad) }
        #expect(opened == plaintext)
        #expect(AESGCMEngine.implementationName == "OpenSSL 3 EVP AES-256-GCM")
    }

    @Test("sealed images open with swift-crypto, and swift-crypto boxes open here (format v1 unchanged)")
    func interoperability() throws {
        var rng = seededGenerator(53)
        let key = ImageSealingKey()
        for length in [0, 1, 16, 1000, 65_537] {
            let data = SecureRandom.bytes(length, using: &rng)
            let sealed = try ImageSealer.seal(data, imageID: "i\(length)", key: key)
            let ad = Array(sealed.prefix(7)) + Array("i\(length)".utf8)
            let box = try AES.GCM.SealedBox(combined: sealed.dropFirst(7))
            #expect(Array(try AES.GCM.open(box, using: key.symmetricKey, authenticating: ad)) == data)
            let theirs = try AES.GCM.seal(data, using: key.symmetricKey, authenticating: ad)
            let blob = Array(sealed.prefix(7)) + Array(theirs.combined!)
            #expect(try ImageSealer.open(blob, imageID: "i\(length)", key: key) == data)
        }
    }

    @Test("a failed open returns nothing for every altered position of a short message")
    func everyByte() throws {
        let key = ImageSealingKey()
        let sealed = try ImageSealer.seal(Array("short DICOM stand-in".utf8), imageID: "e", key: key)
        for position in 7..<sealed.count {
            var altered = sealed
            altered[position] ^= 0x80
            #expect(throws: SealingError.authenticationFailed) { try ImageSealer.open(altered, imageID: "e", key: key) }
        }
    }
}

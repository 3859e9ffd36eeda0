import Foundation
import MedSearchCore
import MedSearchSealing
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
        #expect(throws: SealingError.self) { try ImageSealingKey(serialized: Array(bytes.dropLast())) }

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

    @Test("the 7.2 MB DICOM file seals and opens")
    func largeFile() throws {
        guard let url = TestData.sharedFile("dicom/RG1_UNCI.dcm") else { return }
        let data = try [UInt8](Data(contentsOf: url))
        let sealed = try ImageSealer.seal(data, imageID: "RG1_UNCI", key: key)
        #expect(try ImageSealer.open(sealed, imageID: "RG1_UNCI", key: key) == data)
    }
}

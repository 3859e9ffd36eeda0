import Foundation
import MedSearchCore
import MedSearchSealing
import Testing
import _MedSearchTestSupport

struct QMedShieldGolden: Decodable {
    struct Case: Decodable {
        let name: String
        let width, height, bits: Int
        let key, nonce: String
        let plain, cipher: [Int]
    }
    let cases: [Case]
}

/// A smooth synthetic 8-bit image (gradient plus a disc plus mild seeded noise), like a radiograph's statistics.
func syntheticImage(width: Int, height: Int, seed: UInt64) -> [UInt8] {
    var rng = SeededRandomNumberGenerator(seed: seed)
    var pixels = [UInt8](repeating: 0, count: width * height)
    for y in 0..<height {
        for x in 0..<width {
            let dx = Double(x - width / 2), dy = Double(y - height / 2)
            let disc = (dx * dx + dy * dy).squareRoot() < Double(width) / 4 ? 60.0 : 0.0
            let value = 40.0 + 120.0 * Double(x + y) / Double(width + height) + disc
                + Double(Int.random(in: -3...3, using: &rng))
            pixels[y * width + x] = UInt8(max(0, min(255, value)))
        }
    }
    return pixels
}

@Suite("QMedShield research cipher")
struct QMedShieldTests {
    let key = try! QMedShieldKey(bytes: Array(repeating: 7, count: 32))

    @Test("golden vectors from the independent Python reference match bit for bit")
    func golden() throws {
        let url = try #require(Bundle.module.resourceURL).appendingPathComponent("Vectors/qmedshield_golden.json")
        let golden = try JSONDecoder().decode(QMedShieldGolden.self, from: Data(contentsOf: url))
        #expect(golden.cases.count == 4)
        for c in golden.cases {
            let key = try QMedShieldKey(bytes: try #require(Hex.decode(c.key)))
            let nonce = try #require(Hex.decode(c.nonce))
            if c.bits == 8 {
                let image = try QMedShield.encrypt(c.plain.map { UInt8($0) }, width: c.width, height: c.height,
                                                   key: key, nonce: nonce)
                #expect(image.payload == c.cipher.map { UInt8($0) }, "\(c.name)")
                #expect(try QMedShield.decrypt8(image, key: key) == c.plain.map { UInt8($0) })
            } else {
                let image = try QMedShield.encrypt(c.plain.map { UInt16($0) }, width: c.width, height: c.height,
                                                   key: key, nonce: nonce)
                #expect(image.samples16() == c.cipher.map { UInt16($0) }, "\(c.name)")
                #expect(try QMedShield.decrypt16(image, key: key) == c.plain.map { UInt16($0) })
            }
        }
    }

    @Test("lossless for 8- and 16-bit images of many shapes")
    func lossless() throws {
        var rng = seededGenerator(61)
        for (width, height) in [(1, 1), (1, 9), (9, 1), (2, 3), (17, 5), (64, 64), (33, 70)] {
            let p8 = (0..<(width * height)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let c8 = try QMedShield.encrypt(p8, width: width, height: height, key: key)
            #expect(try QMedShield.decrypt8(c8, key: key) == p8)
            let p16 = (0..<(width * height)).map { _ in UInt16.random(in: 0...UInt16.max, using: &rng) }
            let c16 = try QMedShield.encrypt(p16, width: width, height: height, key: key)
            #expect(try QMedShield.decrypt16(c16, key: key) == p16)
            let roundTrip = try QMedShieldCipherImage(serialized: c16.serialized())
            #expect(roundTrip == c16)
        }
    }

    @Test("nonce and key change the ciphertext; a wrong key does not decrypt")
    func keying() throws {
        let pixels = syntheticImage(width: 32, height: 32, seed: 3)
        let a = try QMedShield.encrypt(pixels, width: 32, height: 32, key: key)
        let b = try QMedShield.encrypt(pixels, width: 32, height: 32, key: key)
        #expect(a.nonce != b.nonce && a.payload != b.payload)
        let other = try QMedShieldKey(bytes: Array(repeating: 7, count: 31) + [6])
        let fixed = [UInt8](repeating: 1, count: 16)
        let c1 = try QMedShield.encrypt(pixels, width: 32, height: 32, key: key, nonce: fixed)
        let c2 = try QMedShield.encrypt(pixels, width: 32, height: 32, key: other, nonce: fixed)
        #expect(CipherStatistics.npcr(c1.payload, c2.payload) > 99)
        #expect(try QMedShield.decrypt8(c1, key: other) != pixels)
    }

    @Test("one-pixel change diffuses: NPCR, UACI, entropy, chi-square and correlation at 256x256")
    func diffusion() throws {
        let width = 256, height = 256
        let plain = syntheticImage(width: width, height: height, seed: 9)
        let nonce = [UInt8](repeating: 0x42, count: 16)
        let thresholds = try #require(CipherStatistics.Thresholds.wu(width: width, height: height))
        let cipher = try QMedShield.encrypt(plain, width: width, height: height, key: key, nonce: nonce).payload
        // Wu et al.'s tests reject a truly random cipher with probability 0.05 each, so single trials may fail by
        // chance. Over 8 positions we check the means against the random-cipher expectations (NPCR 99.6094 %,
        // UACI 33.4635 %, +-3.5 standard deviations of an 8-trial mean) and allow at most 2 failures per test
        // (probability of 3 or more for a random cipher: 0.6 %).
        var rng = seededGenerator(62)
        var npcrs = [Double](), uacis = [Double]()
        for trial in 0..<8 {
            var changed = plain
            let position = trial == 0 ? (height / 2) * width + width / 2 : Int.random(in: 0..<(width * height), using: &rng)
            changed[position] &+= 1
            let other = try QMedShield.encrypt(changed, width: width, height: height, key: key, nonce: nonce).payload
            npcrs.append(CipherStatistics.npcr(cipher, other))
            uacis.append(CipherStatistics.uaci(cipher, other))
        }
        let meanNPCR = npcrs.reduce(0, +) / 8, meanUACI = uacis.reduce(0, +) / 8
        #expect((99.579...99.640).contains(meanNPCR), "mean NPCR \(meanNPCR): \(npcrs)")
        #expect((33.35...33.58).contains(meanUACI), "mean UACI \(meanUACI): \(uacis)")
        #expect(npcrs.filter { $0 < thresholds.npcrMinimum }.count <= 2, "\(npcrs)")
        #expect(uacis.filter { !thresholds.uaciRange.contains($0) }.count <= 2, "\(uacis)")
        #expect(npcrs.allSatisfy { $0 > 99.4 })
        #expect(CipherStatistics.entropy(cipher) > 7.997)
        #expect(CipherStatistics.chiSquare(cipher) < 340)
        for direction in CipherStatistics.Direction.allCases {
            #expect(CipherStatistics.correlation(plain, width: width, height: height, direction: direction) > 0.9)
            #expect(abs(CipherStatistics.correlation(cipher, width: width, height: height, direction: direction)) < 0.02)
        }
    }

    @Test("bad dimensions, nonces, keys and encodings throw typed errors")
    func badInput() throws {
        #expect(throws: SealingError.self) { try QMedShield.encrypt([1, 2, 3] as [UInt8], width: 2, height: 2, key: key) }
        #expect(throws: SealingError.self) { try QMedShield.encrypt([UInt8](), width: 0, height: 0, key: key) }
        #expect(throws: SealingError.self) { try QMedShield.encrypt([1] as [UInt8], width: 1, height: 1, key: key, nonce: [1]) }
        #expect(throws: SealingError.self) { try QMedShieldKey(bytes: [1]) }
        let image = try QMedShield.encrypt([1, 2, 3, 4] as [UInt8], width: 2, height: 2, key: key)
        #expect(throws: SealingError.self) { try QMedShield.decrypt16(image, key: key) }
        let bytes = image.serialized()
        #expect(throws: WireError.self) { try QMedShieldCipherImage(serialized: Array(bytes.dropLast())) }
        #expect(throws: WireError.self) { try QMedShieldCipherImage(serialized: bytes + [0]) }
        var badBits = bytes
        badBits[14] = 12
        #expect(throws: WireError.self) { try QMedShieldCipherImage(serialized: badBits) }
        var huge = bytes
        huge[6] = 0xFF; huge[7] = 0xFF; huge[8] = 0xFF; huge[9] = 0x7F
        #expect(throws: WireError.self) { try QMedShieldCipherImage(serialized: huge) }
        let keyBytes = key.serialized()
        #expect(try QMedShieldKey(serialized: keyBytes).serialized() == keyBytes)
        #expect(throws: WireError.self) { try QMedShieldKey(serialized: Array(keyBytes.prefix(10))) }
    }
}

@Suite("Cipher statistics")
struct CipherStatisticsTests {
    @Test("statistics match hand-computed values")
    func knownValues() {
        #expect(CipherStatistics.entropy([UInt8](repeating: 5, count: 100)) == 0)
        let all: [UInt8] = (0..<256).map { UInt8($0) }
        #expect(abs(CipherStatistics.entropy(all) - 8) < 1e-12)
        #expect(CipherStatistics.chiSquare(all + all) == 0)
        #expect(CipherStatistics.npcr([1, 2, 3, 4], [1, 0, 3, 0]) == 50)
        #expect(abs(CipherStatistics.uaci([0, 0], [255, 0]) - 50) < 1e-12)
        // A horizontal ramp: perfectly correlated horizontally.
        let ramp: [UInt8] = (0..<256).map { (i: Int) -> UInt8 in UInt8((i % 16) * 10 + i / 16) }
        #expect(abs(CipherStatistics.correlation(ramp, width: 16, height: 16, direction: .horizontal) - 1) < 1e-9)
        #expect(CipherStatistics.Thresholds.wu(width: 100, height: 100) == nil)
    }
}

import Crypto
import Foundation

/// The per-image keystream of QMedShield-MS v1 (normative order; see docs/crypto.md).
struct QMedShieldSchedule {
    static let salt = Array("MedSearch QMedShield v1".utf8)
    static let warmUp = 512

    let planeOrder: [Int]
    /// rowShifts[k][i] in 0..<width for output plane k; columnShifts[j] in 0..<height for whole samples.
    let rowShifts: [[Int]]
    let columnShifts: [Int]
    /// Keystream samples for the forward and backward diffusion passes, indexed by pixel (little-endian for 16 bit).
    let forwardKeys: [UInt8]
    let backwardKeys: [UInt8]
    /// Per pixel: one rule byte, then the DNA key sample (1 or 2 bytes).
    let dna: [UInt8]
    let forwardState: UInt64
    let backwardState: UInt64

    init(key: QMedShieldKey, nonce: [UInt8], width: Int, height: Int, bits: Int) {
        var info = nonce
        withUnsafeBytes(of: UInt32(width).littleEndian) { info.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt32(height).littleEndian) { info.append(contentsOf: $0) }
        info.append(UInt8(bits))
        let derived = key.bytes.withUnsafeBytes { raw in
            HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: raw), salt: Self.salt, info: info,
                                   outputByteCount: 64)
        }
        var words = [UInt64](repeating: 0, count: 8)
        derived.withUnsafeBytes { raw in
            for index in 0..<8 {
                var word: UInt64 = 0
                for byte in 0..<8 { word |= UInt64(raw[index * 8 + byte]) << (8 * UInt64(byte)) }
                words[index] = word
            }
        }
        defer { for index in words.indices { words[index] = 0 } }

        var qlm = QuantumLogisticMap(x: 0.1 + 0.8 * unitInterval(words[0]),
                                     y: 0.001 + 0.01 * unitInterval(words[1]),
                                     z: 0.001 + 0.01 * unitInterval(words[2]),
                                     r: 3.99 + 0.0099 * unitInterval(words[3]),
                                     reseed: words[7], warmUp: Self.warmUp)
        var lts = LogisticTentSystem(v: 0.05 + 0.9 * unitInterval(words[4]), mu: 3.5 + 0.49 * unitInterval(words[5]),
                                     reseed: words[7] ^ 0xA5A5_A5A5_A5A5_A5A5, warmUp: Self.warmUp)
        forwardState = words[6]
        backwardState = mix64(words[6] ^ words[7])

        var order = Array(0..<bits)
        for i in stride(from: bits - 1, to: 0, by: -1) {
            let two = lts.take(2)
            let j = Int(UInt16(two[0]) | UInt16(two[1]) << 8) % (i + 1)
            order.swapAt(i, j)
        }
        planeOrder = order

        func words32(_ count: Int) -> [UInt32] {
            let raw = qlm.take(4 * count)
            return (0..<count).map { index in
                UInt32(raw[4 * index]) | UInt32(raw[4 * index + 1]) << 8 | UInt32(raw[4 * index + 2]) << 16
                    | UInt32(raw[4 * index + 3]) << 24
            }
        }
        var rows = [[Int]]()
        for _ in 0..<bits {
            rows.append(words32(height).map { Int($0 % UInt32(width)) })
        }
        rowShifts = rows
        columnShifts = words32(width).map { Int($0 % UInt32(height)) }
        let n = width * height, sampleBytes = bits / 8
        forwardKeys = qlm.take(n * sampleBytes)
        backwardKeys = qlm.take(n * sampleBytes)
        dna = lts.take(n * (1 + sampleBytes))
    }
}

import MedSearchCore

/// QMedShield-MS v1: MedSearch's bit-exact implementation of the QMedShield quantum-chaos image cipher
/// (Amaithi Rajan and Vetriselvi, arXiv 2405.09191; TrustMedSearch reference [14]), a **research mode**.
///
/// Four stages over a `width x height` image of 8- or 16-bit samples, all keyed by chaotic keystreams that
/// HKDF-SHA256 derives from a 256-bit ``QMedShieldKey`` and a per-image 128-bit nonce:
/// 1. bit-plane scrambling: every bit plane is moved to another plane (a key-dependent permutation) with its rows
///    cyclically shifted by per-plane, per-row amounts, then every column of the image is cyclically shifted by a
///    per-column amount (quantum logistic map), so the bits of one pixel land in up to b different pixels;
/// 2. forward diffusion: `c_i = ((x_i XOR k_i) + h(s)) mod 2^b` with a 64-bit chaining state
///    `s <- (s XOR c_i) * A + B` (the "quantum gates" of the paper realised as CNOT = XOR and modular addition);
/// 3. DNA coding: each 2-bit group is encoded with one of the eight complementary DNA rules, added (DNA addition)
///    to a key base and decoded with another rule; rules and key bases come from the logistic-tent system;
/// 4. backward diffusion: stage 2 from the last pixel to the first, with its own keystream and state.
/// Stages 2 and 4 make every ciphertext pixel depend on every plaintext pixel (NPCR/UACI), stage 1 and 3 add
/// key-dependent confusion. Decryption runs the inverse stages in reverse order and is lossless.
///
/// The floating-point maps use only IEEE-754 `+ - *` in a fixed order with constant bit patterns, so ciphertexts
/// are bit-identical across machines; scripts/vectors/qmedshield_reference.py is an independent Python
/// implementation and the golden vectors check both.
///
/// - Warning: research mode. QMedShield has no security proof and no integrity protection; chaos-based image
///   ciphers of this family have repeatedly fallen to chosen-plaintext attacks. Use ``ImageSealer`` (AES-256-GCM)
///   for data; use this to reproduce the paper's statistics. Never reuse a (key, nonce) pair for two images.
public enum QMedShield {
    /// The size of a nonce in bytes.
    public static let nonceByteCount = 16
    /// The largest accepted pixel count (2^28).
    public static let maximumPixelCount = 1 << 28

    /// Encrypts 8-bit samples (row-major, `width * height` of them).
    ///
    /// - Parameter nonce: 16 bytes, fresh for every image (random by default). Tests and the NPCR/UACI measurement
    ///   pass a fixed nonce to compare two encryptions under the same keystream.
    /// - Throws: ``SealingError/invalidImage(_:)`` for bad dimensions, ``SealingError/invalidKey(_:)`` for a bad nonce.
    public static func encrypt(_ pixels: [UInt8], width: Int, height: Int, key: QMedShieldKey,
                               nonce: [UInt8]? = nil) throws(SealingError) -> QMedShieldCipherImage {
        try encryptImage(pixels, width: width, height: height, key: key, nonce: nonce) { $0 }
    }

    /// Encrypts 16-bit samples (row-major; any 9- to 16-bit image stored in 16-bit words).
    public static func encrypt(_ pixels: [UInt16], width: Int, height: Int, key: QMedShieldKey,
                               nonce: [UInt8]? = nil) throws(SealingError) -> QMedShieldCipherImage {
        try encryptImage(pixels, width: width, height: height, key: key, nonce: nonce) { cipher in
            var payload = [UInt8]()
            payload.reserveCapacity(cipher.count * 2)
            for value in cipher {
                payload.append(UInt8(truncatingIfNeeded: value))
                payload.append(UInt8(truncatingIfNeeded: value >> 8))
            }
            return payload
        }
    }

    /// Checks the nonce and dimensions, encrypts, and stores the cipher samples as `payload` lays them out.
    static func encryptImage<S: FixedWidthInteger & UnsignedInteger>(
        _ pixels: [S], width: Int, height: Int, key: QMedShieldKey, nonce: [UInt8]?, payload: ([S]) -> [UInt8]
    ) throws(SealingError) -> QMedShieldCipherImage {
        let nonce = try checkedNonce(nonce)
        try check(width: width, height: height, count: pixels.count)
        let schedule = QMedShieldSchedule(key: key, nonce: nonce, width: width, height: height, bits: S.bitWidth)
        let cipher = encryptSamples(pixels, width: width, height: height, schedule: schedule)
        return QMedShieldCipherImage(width: width, height: height, bitsPerSample: S.bitWidth, nonce: nonce,
                                     payload: payload(cipher))
    }

    /// Decrypts an 8-bit cipher image.
    ///
    /// - Throws: ``SealingError/invalidImage(_:)`` when the image is not 8-bit. A wrong key gives noise, not an
    ///   error: QMedShield has no integrity check.
    public static func decrypt8(_ image: QMedShieldCipherImage, key: QMedShieldKey) throws(SealingError) -> [UInt8] {
        guard image.bitsPerSample == 8 else { throw .invalidImage("expected an 8-bit cipher image") }
        let schedule = QMedShieldSchedule(key: key, nonce: image.nonce, width: image.width, height: image.height, bits: 8)
        return decryptSamples(image.payload, width: image.width, height: image.height, schedule: schedule)
    }

    /// Decrypts a 16-bit cipher image.
    public static func decrypt16(_ image: QMedShieldCipherImage, key: QMedShieldKey) throws(SealingError) -> [UInt16] {
        guard image.bitsPerSample == 16 else { throw .invalidImage("expected a 16-bit cipher image") }
        let schedule = QMedShieldSchedule(key: key, nonce: image.nonce, width: image.width, height: image.height, bits: 16)
        return decryptSamples(image.samples16(), width: image.width, height: image.height, schedule: schedule)
    }

    static func checkedNonce(_ nonce: [UInt8]?) throws(SealingError) -> [UInt8] {
        guard let nonce else { return SecureRandom.bytes(nonceByteCount) }
        guard nonce.count == nonceByteCount else { throw .invalidKey("a QMedShield nonce has 16 bytes") }
        return nonce
    }

    static func check(width: Int, height: Int, count: Int) throws(SealingError) {
        guard width > 0, height > 0, width <= 1 << 16, height <= 1 << 16 else {
            throw .invalidImage("dimensions \(width)x\(height) are outside 1...65536")
        }
        guard width * height <= maximumPixelCount else { throw .invalidImage("more than 2^28 pixels") }
        guard count == width * height else {
            throw .invalidImage("\(count) samples for a \(width)x\(height) image")
        }
    }
}

// MARK: - Stages

extension QMedShield {
    static let chainMultiplier: UInt64 = 0x9E37_79B9_7F4A_7C15
    static let chainIncrement: UInt64 = 0x632B_E59B_D9B4_E019

    static func encryptSamples<S: FixedWidthInteger & UnsignedInteger>(
        _ pixels: [S], width: Int, height: Int, schedule: QMedShieldSchedule
    ) -> [S] {
        var x = scramble(pixels, width: width, height: height, schedule: schedule)
        let keys: [S] = samples(schedule.forwardKeys)
        let back: [S] = samples(schedule.backwardKeys)
        diffuseForward(&x, keys: keys, state: schedule.forwardState)
        dna(&x, schedule: schedule, inverse: false)
        diffuseBackward(&x, keys: back, state: schedule.backwardState)
        return x
    }

    static func decryptSamples<S: FixedWidthInteger & UnsignedInteger>(
        _ cipher: [S], width: Int, height: Int, schedule: QMedShieldSchedule
    ) -> [S] {
        var x = cipher
        let keys: [S] = samples(schedule.forwardKeys)
        let back: [S] = samples(schedule.backwardKeys)
        undiffuseBackward(&x, keys: back, state: schedule.backwardState)
        dna(&x, schedule: schedule, inverse: true)
        undiffuseForward(&x, keys: keys, state: schedule.forwardState)
        return unscramble(x, width: width, height: height, schedule: schedule)
    }

    /// Reinterprets little-endian keystream bytes as samples.
    static func samples<S: FixedWidthInteger & UnsignedInteger>(_ bytes: [UInt8]) -> [S] {
        if S.bitWidth == 8 { return bytes.map { S(truncatingIfNeeded: $0) } }
        let count = bytes.count / 2
        return [S](unsafeUninitializedCapacity: count) { buffer, initialized in
            bytes.withUnsafeBufferPointer { raw in
                for index in 0..<count {
                    buffer[index] = S(truncatingIfNeeded: UInt16(raw[2 * index]) | UInt16(raw[2 * index + 1]) << 8)
                }
            }
            initialized = count
        }
    }

    // Stage 1: T(i, j) bit k = bit order[k] of In(i, (j - rowShift_k[i]) mod W); Out(i, j) = T((i - columnShift[j]) mod H, j).
    static func scramble<S: FixedWidthInteger & UnsignedInteger>(
        _ input: [S], width: Int, height: Int, schedule: QMedShieldSchedule
    ) -> [S] {
        let n = width * height
        var planes = [S](repeating: 0, count: n)
        var output = [S](repeating: 0, count: n)
        var bit = [S](repeating: 0, count: width)
        input.withUnsafeBufferPointer { src in
            planes.withUnsafeMutableBufferPointer { tmp in
                bit.withUnsafeMutableBufferPointer { bits in
                    for k in 0..<S.bitWidth {
                        let p = S(truncatingIfNeeded: schedule.planeOrder[k]), kShift = S(truncatingIfNeeded: k)
                        let rows = schedule.rowShifts[k]
                        for i in 0..<height {
                            let base = i * width, shift = rows[i], split = width - shift
                            // bits(j) = bit p of in(i, j) moved to bit k (a separate buffer, so both loops vectorise).
                            for j in 0..<width { bits[j] = ((src[base + j] &>> p) & 1) &<< kShift }
                            // tmp(i, j + shift) gets in(i, j) for j < split; tmp(i, j - split) for the rest.
                            let row = tmp.baseAddress! + base
                            for j in 0..<split { row[j + shift] |= bits[j] }
                            for j in split..<width { row[j - split] |= bits[j] }
                        }
                    }
                }
            }
        }
        planes.withUnsafeBufferPointer { tmp in
            output.withUnsafeMutableBufferPointer { out in
                schedule.columnShifts.withUnsafeBufferPointer { a in
                    for i in 0..<height {
                        let base = i * width
                        for j in 0..<width {
                            var source = i - a[j]
                            if source < 0 { source += height }
                            out[base + j] = tmp[source * width + j]
                        }
                    }
                }
            }
        }
        return output
    }

    static func unscramble<S: FixedWidthInteger & UnsignedInteger>(
        _ input: [S], width: Int, height: Int, schedule: QMedShieldSchedule
    ) -> [S] {
        let n = width * height
        var planes = [S](repeating: 0, count: n)
        var output = [S](repeating: 0, count: n)
        input.withUnsafeBufferPointer { src in
            planes.withUnsafeMutableBufferPointer { tmp in
                schedule.columnShifts.withUnsafeBufferPointer { a in
                    for i in 0..<height {
                        let base = i * width
                        for j in 0..<width {
                            var source = i - a[j]
                            if source < 0 { source += height }
                            tmp[source * width + j] = src[base + j]
                        }
                    }
                }
            }
        }
        var bit = [S](repeating: 0, count: width)
        planes.withUnsafeBufferPointer { tmp in
            output.withUnsafeMutableBufferPointer { out in
                bit.withUnsafeMutableBufferPointer { bits in
                    for k in 0..<S.bitWidth {
                        let p = S(truncatingIfNeeded: schedule.planeOrder[k]), kShift = S(truncatingIfNeeded: k)
                        let rows = schedule.rowShifts[k]
                        for i in 0..<height {
                            let base = i * width, shift = rows[i], split = width - shift
                            let row = tmp.baseAddress! + base
                            for j in 0..<split { bits[j] = row[j + shift] }
                            for j in split..<width { bits[j] = row[j - split] }
                            let target = out.baseAddress! + base
                            for j in 0..<width { target[j] |= ((bits[j] &>> kShift) & 1) &<< p }
                        }
                    }
                }
            }
        }
        return output
    }

    // Stages 2 and 4: c_i = ((x_i ^ k_i) + low_b(mix64(s))) mod 2^b; s <- (s ^ c_i) * A + B.
    static func diffuseForward<S: FixedWidthInteger & UnsignedInteger>(_ x: inout [S], keys: [S], state: UInt64) {
        var s = state
        x.withUnsafeMutableBufferPointer { v in
            keys.withUnsafeBufferPointer { k in
                for i in 0..<v.count {
                    let c = (v[i] ^ k[i]) &+ S(truncatingIfNeeded: mix64(s))
                    v[i] = c
                    s = (s ^ UInt64(c)) &* chainMultiplier &+ chainIncrement
                }
            }
        }
    }

    static func undiffuseForward<S: FixedWidthInteger & UnsignedInteger>(_ x: inout [S], keys: [S], state: UInt64) {
        var s = state
        x.withUnsafeMutableBufferPointer { v in
            keys.withUnsafeBufferPointer { k in
                for i in 0..<v.count {
                    let c = v[i]
                    v[i] = (c &- S(truncatingIfNeeded: mix64(s))) ^ k[i]
                    s = (s ^ UInt64(c)) &* chainMultiplier &+ chainIncrement
                }
            }
        }
    }

    static func diffuseBackward<S: FixedWidthInteger & UnsignedInteger>(_ x: inout [S], keys: [S], state: UInt64) {
        var s = state
        x.withUnsafeMutableBufferPointer { v in
            keys.withUnsafeBufferPointer { k in
                var i = v.count - 1
                while i >= 0 {
                    let c = (v[i] ^ k[i]) &+ S(truncatingIfNeeded: mix64(s))
                    v[i] = c
                    s = (s ^ UInt64(c)) &* chainMultiplier &+ chainIncrement
                    i -= 1
                }
            }
        }
    }

    static func undiffuseBackward<S: FixedWidthInteger & UnsignedInteger>(_ x: inout [S], keys: [S], state: UInt64) {
        var s = state
        x.withUnsafeMutableBufferPointer { v in
            keys.withUnsafeBufferPointer { k in
                var i = v.count - 1
                while i >= 0 {
                    let c = v[i]
                    v[i] = (c &- S(truncatingIfNeeded: mix64(s))) ^ k[i]
                    s = (s ^ UInt64(c)) &* chainMultiplier &+ chainIncrement
                    i -= 1
                }
            }
        }
    }

    // Stage 3: DNA coding.
    /// The eight complementary DNA rules: 2-bit value -> base (A = 0, C = 1, G = 2, T = 3).
    static let dnaRules: [[UInt8]] = [
        [0, 1, 2, 3], [0, 2, 1, 3], [1, 0, 3, 2], [1, 3, 0, 2],
        [2, 0, 3, 1], [2, 3, 0, 1], [3, 1, 2, 0], [3, 2, 1, 0],
    ]

    /// forward[(e * 8 + d) * 16 + q * 4 + g] = decode_d(encode_e(g) + encode_e(q) mod 4); inverse maps back to g.
    static let dnaTables: (forward: [UInt8], inverse: [UInt8]) = {
        var forward = [UInt8](repeating: 0, count: 1024), inverse = [UInt8](repeating: 0, count: 1024)
        for e in 0..<8 {
            for d in 0..<8 {
                var decode = [UInt8](repeating: 0, count: 4)
                for value in 0..<4 { decode[Int(dnaRules[d][value])] = UInt8(value) }
                for q in 0..<4 {
                    for g in 0..<4 {
                        let sum = (dnaRules[e][g] + dnaRules[e][q]) & 3
                        let out = decode[Int(sum)]
                        forward[(e * 8 + d) * 16 + q * 4 + g] = out
                        inverse[(e * 8 + d) * 16 + q * 4 + Int(out)] = UInt8(g)
                    }
                }
            }
        }
        return (forward, inverse)
    }()

    static func dna<S: FixedWidthInteger & UnsignedInteger>(_ x: inout [S], schedule: QMedShieldSchedule, inverse: Bool) {
        let table = inverse ? dnaTables.inverse : dnaTables.forward
        let stride = 1 + S.bitWidth / 8
        let groups = S.bitWidth / 2
        x.withUnsafeMutableBufferPointer { v in
            schedule.dna.withUnsafeBufferPointer { stream in
                table.withUnsafeBufferPointer { t in
                    for i in 0..<v.count {
                        let offset = i * stride
                        let rule = Int(stream[offset] & 63)
                        var key = UInt32(stream[offset + 1])
                        if stride == 3 { key |= UInt32(stream[offset + 2]) &<< 8 }
                        let value = UInt32(truncatingIfNeeded: v[i])
                        var out: UInt32 = 0
                        let ruleBase = (rule & 7) &* 128 &+ (rule >> 3) &* 16
                        for g in 0..<groups {
                            let shift = UInt32(2 * g)
                            let q = Int((key &>> shift) & 3), bits = Int((value &>> shift) & 3)
                            out |= UInt32(t[ruleBase + q * 4 + bits]) &<< shift
                        }
                        v[i] = S(truncatingIfNeeded: out)
                    }
                }
            }
        }
    }
}

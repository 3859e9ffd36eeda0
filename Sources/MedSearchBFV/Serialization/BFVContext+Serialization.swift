import MedSearchCore
import MedSearchModular

/// Versioned binary formats of BFV objects. Every object starts with a 4-byte tag and a version, then the
/// parameter set it belongs to (`N`, `t`, the primes), so a decoder rejects objects of another set. Residues are
/// bit-packed at the width of their prime; decoders check every length and every residue's range.
extension BFVContext {
    static let ciphertextMagic = FormatMagic("BFVC")
    static let secretKeyMagic = FormatMagic("BFVS")
    static let publicKeyMagic = FormatMagic("BFVK")
    static let relinKeyMagic = FormatMagic("BFVR")
    static let galoisKeysMagic = FormatMagic("BFVG")
    static let formatVersion: UInt16 = 1

    /// Writes the first `limbs` limbs of `poly`, limb `l` at the width of `primes[l]` (the data primes by default;
    /// key-switching keys pass ``keyModuli``).
    func writePoly(_ poly: PolyRq, limbs: Int, primes: [Modulus]? = nil, into writer: inout ByteWriter) {
        let primes = primes ?? moduli
        var bytes: [UInt8] = []
        poly.data.withUnsafeBufferPointer { data in
            for l in 0..<limbs {
                BitPacking.pack(UnsafeBufferPointer(rebasing: data[l * degree..<(l + 1) * degree]),
                                bits: primes[l].bitCount, into: &bytes)
            }
        }
        writer.writeRaw(bytes)
    }

    func readPoly(limbs: Int, primes: [Modulus]? = nil, from reader: inout ByteReader) throws(BFVError) -> PolyRq {
        let moduli = primes ?? moduli
        var data: [UInt64] = []
        data.reserveCapacity(limbs * degree)
        for l in 0..<limbs {
            let bits = moduli[l].bitCount
            let count = BitPacking.byteCount(count: degree, bits: bits)
            guard reader.remaining >= count else {
                throw .malformed("truncated polynomial at offset \(reader.offset): need \(count) bytes, have \(reader.remaining)")
            }
            let start = reader.offset
            let raw: [UInt8]
            do { raw = try reader.readRaw(count: count) } catch { throw .malformed("\(error)") }
            let values = BitPacking.unpack(raw[...], count: degree, bits: bits)
            let q = moduli[l].value
            guard values.allSatisfy({ $0 < q }) else {
                throw .malformed("residue not below its prime in limb \(l) at offset \(start)")
            }
            data += values
        }
        return PolyRq(degree: degree, data: data)
    }

    func header(_ magic: FormatMagic, from reader: inout ByteReader) throws(BFVError) {
        do {
            try reader.readHeader(magic: magic, supportedVersions: 1...Self.formatVersion)
        } catch {
            throw .malformed("\(error)")
        }
        try parameters.readAndCheck(from: &reader)
    }

    func end(_ reader: ByteReader) throws(BFVError) {
        guard reader.isAtEnd else { throw .malformed("\(reader.remaining) trailing bytes at offset \(reader.offset)") }
    }

    func read<T: FixedWidthInteger>(_: T.Type, from reader: inout ByteReader) throws(BFVError) -> T {
        do { return try reader.read(T.self) } catch { throw .malformed("\(error)") }
    }

    func readSeed(from reader: inout ByteReader) throws(BFVError) -> [UInt8] {
        do { return try reader.readRaw(count: 32) } catch { throw .malformed("\(error)") }
    }

    // MARK: Ciphertexts

    /// Serialises a ciphertext (`c_0` and the seed only for a fresh secret-key encryption).
    public func serialize(_ ciphertext: BFVCiphertext) -> [UInt8] {
        var writer = ByteWriter(capacity: 64 + ciphertext.size * ciphertext.level * degree * 8)
        writeCiphertext(ciphertext, into: &writer)
        return writer.bytes
    }

    /// Appends a ciphertext to `writer` (for embedding in larger messages).
    public func writeCiphertext(_ ciphertext: BFVCiphertext, into writer: inout ByteWriter) {
        writer.writeHeader(magic: Self.ciphertextMagic, version: Self.formatVersion)
        parameters.write(to: &writer)
        writer.write(UInt8(ciphertext.level))
        writer.write(UInt8(ciphertext.size))
        if let seed = ciphertext.seed, ciphertext.size == 2 {
            writer.write(true)
            writer.writeRaw(seed)
            writePoly(ciphertext.polys[0], limbs: ciphertext.level, into: &writer)
        } else {
            writer.write(false)
            for poly in ciphertext.polys { writePoly(poly, limbs: ciphertext.level, into: &writer) }
        }
    }

    /// Decodes a ciphertext made under this context's parameters.
    ///
    /// - Throws: ``BFVError/parameterMismatch(_:)`` or ``BFVError/malformed(_:)``.
    public func deserializeCiphertext(_ bytes: [UInt8]) throws(BFVError) -> BFVCiphertext {
        var reader = ByteReader(bytes)
        let ciphertext = try readCiphertext(from: &reader)
        try end(reader)
        return ciphertext
    }

    /// Reads one ciphertext from `reader`.
    public func readCiphertext(from reader: inout ByteReader) throws(BFVError) -> BFVCiphertext {
        try header(Self.ciphertextMagic, from: &reader)
        let level = Int(try read(UInt8.self, from: &reader))
        let size = Int(try read(UInt8.self, from: &reader))
        let seeded = try read(UInt8.self, from: &reader)
        guard (1...topLevel).contains(level) else { throw .malformed("level \(level) outside 1...\(topLevel)") }
        guard (2...3).contains(size) else { throw .malformed("ciphertext size \(size) outside 2...3") }
        guard seeded <= 1, seeded == 0 || size == 2 else { throw .malformed("invalid seed flag") }
        if seeded == 1 {
            let seed = try readSeed(from: &reader)
            let c0 = try readPoly(limbs: level, from: &reader)
            let c1 = BFVSampling.expand(seed: seed, domain: 0, moduli: moduli(level: level), degree: degree)
            return BFVCiphertext(polys: [c0, c1], seed: seed)
        }
        var polys: [PolyRq] = []
        for _ in 0..<size { polys.append(try readPoly(limbs: level, from: &reader)) }
        return BFVCiphertext(polys: polys)
    }

    // MARK: Keys

    /// Serialises the secret key (2 bits per ternary coefficient). Keep the bytes secret and wipe them after use.
    public func serialize(_ secretKey: BFVSecretKey) -> [UInt8] {
        var writer = ByteWriter()
        writer.writeHeader(magic: Self.secretKeyMagic, version: Self.formatVersion)
        parameters.write(to: &writer)
        let codes = secretKey.ternary.map { UInt64($0 == -1 ? 2 : Int($0)) }
        var bytes: [UInt8] = []
        codes.withUnsafeBufferPointer { BitPacking.pack($0, bits: 2, into: &bytes) }
        writer.writeRaw(bytes)
        return writer.bytes
    }

    /// Decodes a secret key.
    public func deserializeSecretKey(_ bytes: [UInt8]) throws(BFVError) -> BFVSecretKey {
        var reader = ByteReader(bytes)
        try header(Self.secretKeyMagic, from: &reader)
        let count = BitPacking.byteCount(count: degree, bits: 2)
        let raw: [UInt8]
        do { raw = try reader.readRaw(count: count) } catch { throw .malformed("\(error)") }
        try end(reader)
        let codes = BitPacking.unpack(raw[...], count: degree, bits: 2)
        guard codes.allSatisfy({ $0 <= 2 }) else { throw .malformed("secret key coefficient code out of range") }
        return makeSecretKey(ternary: codes.map { $0 == 2 ? -1 : Int8($0) })
    }

    /// Serialises the public key (`p_0` and the seed of `p_1`).
    public func serialize(_ publicKey: BFVPublicKey) -> [UInt8] {
        var writer = ByteWriter()
        writer.writeHeader(magic: Self.publicKeyMagic, version: Self.formatVersion)
        parameters.write(to: &writer)
        writer.writeRaw(publicKey.seed)
        writePoly(publicKey.p0, limbs: topLevel, into: &writer)
        return writer.bytes
    }

    /// Decodes a public key.
    public func deserializePublicKey(_ bytes: [UInt8]) throws(BFVError) -> BFVPublicKey {
        var reader = ByteReader(bytes)
        try header(Self.publicKeyMagic, from: &reader)
        let seed = try readSeed(from: &reader)
        let p0 = try readPoly(limbs: topLevel, from: &reader)
        try end(reader)
        let p1 = BFVSampling.expand(seed: seed, domain: 1, moduli: moduli, degree: degree)
        return BFVPublicKey(parameters: parameters, p0: p0, p1: p1, seed: seed)
    }

    /// A key-switching key: the seed of the `a_i`, then each component's `k0_i` over every prime (the special one
    /// too).
    func writeKeySwitchKey(_ key: BFVKeySwitchKey, into writer: inout ByteWriter) {
        writer.writeRaw(key.seed)
        let width = keyModuli.count * degree
        for i in 0..<key.components {
            let k0 = PolyRq(degree: degree, data: Array(key.k0[i * width..<(i + 1) * width]))
            writePoly(k0, limbs: keyModuli.count, primes: keyModuli, into: &writer)
        }
    }

    func readKeySwitchKey(from reader: inout ByteReader) throws(BFVError) -> BFVKeySwitchKey {
        let seed = try readSeed(from: &reader)
        var k0: [UInt64] = []
        var k1: [UInt64] = []
        for i in 0..<topLevel {
            k0 += try readPoly(limbs: keyModuli.count, primes: keyModuli, from: &reader).data
            k1 += keySwitchMask(seed: seed, component: i).data
        }
        return BFVKeySwitchKey(components: topLevel, k0: k0, k1: k1, seed: seed)
    }

    /// Serialises the relinearisation key.
    public func serialize(_ key: BFVRelinearizationKey) -> [UInt8] {
        var writer = ByteWriter()
        writer.writeHeader(magic: Self.relinKeyMagic, version: Self.formatVersion)
        parameters.write(to: &writer)
        writeKeySwitchKey(key.key, into: &writer)
        return writer.bytes
    }

    /// Decodes a relinearisation key.
    public func deserializeRelinearizationKey(_ bytes: [UInt8]) throws(BFVError) -> BFVRelinearizationKey {
        var reader = ByteReader(bytes)
        try header(Self.relinKeyMagic, from: &reader)
        let key = try readKeySwitchKey(from: &reader)
        try end(reader)
        return BFVRelinearizationKey(parameters: parameters, key: key)
    }

    /// Serialises Galois keys.
    public func serialize(_ keys: BFVGaloisKeys) -> [UInt8] {
        var writer = ByteWriter()
        writer.writeHeader(magic: Self.galoisKeysMagic, version: Self.formatVersion)
        parameters.write(to: &writer)
        writer.write(UInt16(keys.keys.count))
        for g in keys.elements {
            writer.write(UInt32(g))
            writeKeySwitchKey(keys.keys[g]!, into: &writer)
        }
        return writer.bytes
    }

    /// Decodes Galois keys.
    public func deserializeGaloisKeys(_ bytes: [UInt8]) throws(BFVError) -> BFVGaloisKeys {
        var reader = ByteReader(bytes)
        try header(Self.galoisKeysMagic, from: &reader)
        let count = Int(try read(UInt16.self, from: &reader))
        guard count <= 2 * degree else { throw .malformed("\(count) Galois keys") }
        var keys: [Int: BFVKeySwitchKey] = [:]
        for _ in 0..<count {
            let g = Int(try read(UInt32.self, from: &reader))
            guard g > 0, g < 2 * degree, g & 1 == 1, keys[g] == nil else { throw .malformed("Galois element \(g)") }
            keys[g] = try readKeySwitchKey(from: &reader)
        }
        try end(reader)
        return BFVGaloisKeys(parameters: parameters, keys: keys)
    }
}

import MedSearchCore
import MedSearchModular

/// Versioned binary formats of BFV objects: each conforms to ``ContextualWireMessage`` with the ``BFVContext`` of
/// its parameter set as context. After the tag and the version comes the parameter set the object belongs to
/// (`N`, `t`, the primes), so a decoder rejects objects of another set. Residues are bit-packed at the width of
/// their prime; decoders check every length and every residue's range.
///
/// ```swift
/// let bytes = ciphertext.serialized(context: context)
/// let same = try BFVCiphertext(serialized: bytes, context: context)   // WireError on anything malformed
/// ```
extension BFVContext {
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

    func readPoly(limbs: Int, primes: [Modulus]? = nil, from reader: inout ByteReader) throws(WireError) -> PolyRq {
        let moduli = primes ?? moduli
        var data: [UInt64] = []
        data.reserveCapacity(limbs * degree)
        for l in 0..<limbs {
            let bits = moduli[l].bitCount
            let start = reader.offset
            let raw = try reader.readRaw(count: BitPacking.byteCount(count: degree, bits: bits))
            let values = BitPacking.unpack(raw[...], count: degree, bits: bits)
            let q = moduli[l].value
            guard values.allSatisfy({ $0 < q }) else {
                throw .invalidValue(offset: start, reason: "residue not below its prime in limb \(l)")
            }
            data += values
        }
        return PolyRq(degree: degree, data: data)
    }

    /// Reads the parameter set that follows the header and checks it is this context's.
    func readParameters(from reader: inout ByteReader) throws(WireError) {
        let start = reader.offset
        try WireError.validating(at: start) { try parameters.readAndCheck(from: &reader) }
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

    func readKeySwitchKey(from reader: inout ByteReader) throws(WireError) -> BFVKeySwitchKey {
        let seed = try reader.readRaw(count: 32)
        var k0: [UInt64] = []
        var k1: [UInt64] = []
        for i in 0..<keySwitchComponentCount {
            k0 += try readPoly(limbs: keyModuli.count, primes: keyModuli, from: &reader).data
            k1 += keySwitchMask(seed: seed, component: i).data
        }
        return BFVKeySwitchKey(components: keySwitchComponentCount, k0: k0, k1: k1, seed: seed)
    }
}

/// A ciphertext: `"BFVC"` version 1, the parameter set, the level and size (UInt8 each), a seed flag, then the
/// polynomials (for a fresh secret-key encryption only `c_0` and the 32-byte seed of `c_1`).
extension BFVCiphertext: ContextualWireMessage {
    public static let magic = FormatMagic("BFVC")
    public static let version: UInt16 = 1

    public func encode(to writer: inout ByteWriter, context: BFVContext) {
        context.parameters.write(to: &writer)
        writer.write(UInt8(level))
        writer.write(UInt8(size))
        if let seed, size == 2 {
            writer.write(true)
            writer.writeRaw(seed)
            context.writePoly(polys[0], limbs: level, into: &writer)
        } else {
            writer.write(false)
            for poly in polys { context.writePoly(poly, limbs: level, into: &writer) }
        }
    }

    public init(from reader: inout ByteReader, version: UInt16, context: BFVContext) throws(WireError) {
        try context.readParameters(from: &reader)
        let start = reader.offset
        let level = Int(try reader.read(UInt8.self))
        let size = Int(try reader.read(UInt8.self))
        let seeded = try reader.read(UInt8.self)
        guard (1...context.topLevel).contains(level) else {
            throw .invalidValue(offset: start, reason: "level \(level) outside 1...\(context.topLevel)")
        }
        guard (2...3).contains(size) else { throw .invalidValue(offset: start + 1, reason: "ciphertext size \(size) outside 2...3") }
        guard seeded <= 1, seeded == 0 || size == 2 else { throw .invalidValue(offset: start + 2, reason: "invalid seed flag") }
        if seeded == 1 {
            let seed = try reader.readRaw(count: 32)
            let c0 = try context.readPoly(limbs: level, from: &reader)
            let c1 = BFVSampling.expand(seed: seed, domain: 0, moduli: context.moduli(level: level), degree: context.degree)
            self.init(polys: [c0, c1], seed: seed)
        } else {
            var polys: [PolyRq] = []
            for _ in 0..<size { polys.append(try context.readPoly(limbs: level, from: &reader)) }
            self.init(polys: polys)
        }
    }
}

/// The secret key (keep the bytes secret, wipe them after use): `"BFVS"` version 1, the parameter set, then 2 bits
/// per ternary coefficient.
extension BFVSecretKey: ContextualWireMessage {
    public static let magic = FormatMagic("BFVS")
    public static let version: UInt16 = 1

    public func encode(to writer: inout ByteWriter, context: BFVContext) {
        context.parameters.write(to: &writer)
        let codes = ternary.map { UInt64($0 == -1 ? 2 : Int($0)) }
        var bytes: [UInt8] = []
        codes.withUnsafeBufferPointer { BitPacking.pack($0, bits: 2, into: &bytes) }
        writer.writeRaw(bytes)
    }

    public convenience init(from reader: inout ByteReader, version: UInt16, context: BFVContext) throws(WireError) {
        try context.readParameters(from: &reader)
        let start = reader.offset
        let raw = try reader.readRaw(count: BitPacking.byteCount(count: context.degree, bits: 2))
        let codes = BitPacking.unpack(raw[...], count: context.degree, bits: 2)
        guard codes.allSatisfy({ $0 <= 2 }) else { throw .invalidValue(offset: start, reason: "secret key coefficient code out of range") }
        let key = context.makeSecretKey(ternary: codes.map { $0 == 2 ? -1 : Int8($0) })
        self.init(parameters: key.parameters, ntt: key.ntt, ternary: key.ternary)
    }
}

/// The public key: `"BFVK"` version 1, the parameter set, the 32-byte seed of `p_1`, then `p_0`.
extension BFVPublicKey: ContextualWireMessage {
    public static let magic = FormatMagic("BFVK")
    public static let version: UInt16 = 1

    public func encode(to writer: inout ByteWriter, context: BFVContext) {
        context.parameters.write(to: &writer)
        writer.writeRaw(seed)
        context.writePoly(p0, limbs: context.topLevel, into: &writer)
    }

    public init(from reader: inout ByteReader, version: UInt16, context: BFVContext) throws(WireError) {
        try context.readParameters(from: &reader)
        let seed = try reader.readRaw(count: 32)
        let p0 = try context.readPoly(limbs: context.topLevel, from: &reader)
        let p1 = BFVSampling.expand(seed: seed, domain: 1, moduli: context.moduli, degree: context.degree)
        self.init(parameters: context.parameters, p0: p0, p1: p1, seed: seed)
    }
}

/// The relinearisation key: `"BFVR"` version 1, the parameter set, then the key-switching key (seed and `k_0`).
extension BFVRelinearizationKey: ContextualWireMessage {
    public static let magic = FormatMagic("BFVR")
    public static let version: UInt16 = 1

    public func encode(to writer: inout ByteWriter, context: BFVContext) {
        context.parameters.write(to: &writer)
        context.writeKeySwitchKey(key, into: &writer)
    }

    public init(from reader: inout ByteReader, version: UInt16, context: BFVContext) throws(WireError) {
        try context.readParameters(from: &reader)
        self.init(parameters: context.parameters, key: try context.readKeySwitchKey(from: &reader))
    }
}

/// Galois keys: `"BFVG"` version 1, the parameter set, the key count (UInt16), then per key its Galois element
/// (UInt32) and key-switching key.
extension BFVGaloisKeys: ContextualWireMessage {
    public static let magic = FormatMagic("BFVG")
    public static let version: UInt16 = 1

    public func encode(to writer: inout ByteWriter, context: BFVContext) {
        context.parameters.write(to: &writer)
        writer.write(UInt16(keys.count))
        for g in elements {
            writer.write(UInt32(g))
            if let key = keys[g] { context.writeKeySwitchKey(key, into: &writer) }
        }
    }

    public init(from reader: inout ByteReader, version: UInt16, context: BFVContext) throws(WireError) {
        try context.readParameters(from: &reader)
        let start = reader.offset
        let count = Int(try reader.read(UInt16.self))
        guard count <= 2 * context.degree else { throw .invalidValue(offset: start, reason: "\(count) Galois keys") }
        var keys: [Int: BFVKeySwitchKey] = [:]
        for _ in 0..<count {
            let elementOffset = reader.offset
            let g = Int(try reader.read(UInt32.self))
            guard g > 0, g < 2 * context.degree, g & 1 == 1, keys[g] == nil else {
                throw .invalidValue(offset: elementOffset, reason: "Galois element \(g)")
            }
            keys[g] = try context.readKeySwitchKey(from: &reader)
        }
        self.init(parameters: context.parameters, keys: keys)
    }
}

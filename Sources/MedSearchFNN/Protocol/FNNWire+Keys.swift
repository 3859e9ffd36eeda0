import MedSearchBigInt
import MedSearchCore
import MedSearchPaillier

extension FNNWire {
    private static func writeOptionalKey(_ pk: PaillierPublicKey?, base: BigInt?, _ w: inout Writer) {
        if let pk, let base {
            w.bytes.write(UInt8(1)); w.bytes.write(pk.n); w.bytes.write(base)
        } else {
            w.bytes.write(UInt8(0))
        }
    }

    private static func readOptionalKey(_ r: inout Reader) throws(FNNError) -> (PaillierPublicKey, BigInt)? {
        guard try r.u8() == 1 else { return nil }
        let n = try r.wrap { try r.bytes.readBigInt(maxBytes: 1024) }
        let base = try r.wrap { try r.bytes.readBigInt(maxBytes: 2048) }
        do {
            let pk = try PaillierPublicKey(n: n)
            guard base.signum > 0, base < pk.nSquared else { throw FNNError.malformed("randomizer base out of range") }
            return (pk, base)
        } catch let error as FNNError { throw error } catch { throw .paillier("\(error)") }
    }

    /// Encodes C1's set-up.
    public static func encode(_ setup: FNNC1Setup) -> [UInt8] {
        var w = Writer(kind: .c1Setup, publicKey: nil)
        setup.parameters.write(to: &w.bytes)
        writeOptionalKey(setup.publicKey, base: setup.randomizerBase, &w)
        return w.bytes.bytes
    }

    /// Decodes C1's set-up.
    public static func decodeC1Setup(_ bytes: [UInt8]) throws(FNNError) -> FNNC1Setup {
        var r = try Reader(bytes, kind: .c1Setup, publicKey: nil)
        let parameters = try FNNParameters.read(from: &r.bytes)
        let key = try readOptionalKey(&r)
        try r.end()
        guard (parameters.backend == .paillier) == (key != nil) else { throw .malformed("key presence does not match the back end") }
        return FNNC1Setup(parameters: parameters, publicKey: key?.0, randomizerBase: key?.1)
    }

    /// Encodes C2's set-up (secret: wipe the bytes after use).
    public static func encode(_ setup: FNNC2Setup) -> [UInt8] {
        var w = Writer(kind: .c2Setup, publicKey: nil)
        setup.parameters.write(to: &w.bytes)
        if let sk = setup.secretKey, let base = setup.randomizerBase {
            w.bytes.write(UInt8(1)); w.bytes.writeBytes(sk.serialized()); w.bytes.write(base)
        } else {
            w.bytes.write(UInt8(0))
        }
        w.bytes.writeBytes(setup.rowMaskKey ?? [])
        return w.bytes.bytes
    }

    /// Decodes C2's set-up.
    public static func decodeC2Setup(_ bytes: [UInt8]) throws(FNNError) -> FNNC2Setup {
        var r = try Reader(bytes, kind: .c2Setup, publicKey: nil)
        let parameters = try FNNParameters.read(from: &r.bytes)
        var secretKey: PaillierPrivateKey?
        var base: BigInt?
        if try r.u8() == 1 {
            let raw = try r.raw()
            do { secretKey = try PaillierPrivateKey(serialized: raw) } catch { throw .paillier("\(error)") }
            base = try r.wrap { try r.bytes.readBigInt(maxBytes: 2048) }
        }
        let rowKey = try r.raw()
        try r.end()
        return FNNC2Setup(parameters: parameters, secretKey: secretKey, randomizerBase: base,
                          rowMaskKey: rowKey.isEmpty ? nil : rowKey)
    }

    /// Encodes a user's credentials (secret: the label key).
    public static func encode(_ credentials: FNNUserCredentials) -> [UInt8] {
        var w = Writer(kind: .userCredentials, publicKey: nil)
        credentials.parameters.write(to: &w.bytes)
        w.bytes.writeBytes(credentials.labelKey)
        writeOptionalKey(credentials.publicKey, base: credentials.randomizerBase, &w)
        return w.bytes.bytes
    }

    /// Decodes a user's credentials.
    public static func decodeUserCredentials(_ bytes: [UInt8]) throws(FNNError) -> FNNUserCredentials {
        var r = try Reader(bytes, kind: .userCredentials, publicKey: nil)
        let parameters = try FNNParameters.read(from: &r.bytes)
        let labelKey = try r.raw()
        let key = try readOptionalKey(&r)
        try r.end()
        guard labelKey.count == 32 else { throw .malformed("label keys are 32 bytes") }
        return FNNUserCredentials(parameters: parameters, labelKey: labelKey, publicKey: key?.0, randomizerBase: key?.1)
    }

    /// Encodes the owner's keys (secret: write with mode 0600, wipe after use).
    public static func encode(_ keys: FNNOwnerKeys) -> [UInt8] {
        var w = Writer(kind: .ownerKeys, publicKey: nil)
        keys.parameters.write(to: &w.bytes)
        w.bytes.writeBytes(keys.labelKey)
        w.bytes.writeBytes(keys.sharedMaster ?? [])
        if let sk = keys.paillierSecretKey, let base = keys.randomizerBase {
            w.bytes.write(UInt8(1)); w.bytes.writeBytes(sk.serialized()); w.bytes.write(base)
        } else {
            w.bytes.write(UInt8(0))
        }
        return w.bytes.bytes
    }

    /// Decodes the owner's keys.
    public static func decodeOwnerKeys(_ bytes: [UInt8]) throws(FNNError) -> FNNOwnerKeys {
        var r = try Reader(bytes, kind: .ownerKeys, publicKey: nil)
        let parameters = try FNNParameters.read(from: &r.bytes)
        let labelKey = try r.raw(), master = try r.raw()
        var secretKey: PaillierPrivateKey?
        var base: BigInt?
        if try r.u8() == 1 {
            let raw = try r.raw()
            do { secretKey = try PaillierPrivateKey(serialized: raw) } catch { throw .paillier("\(error)") }
            base = try r.wrap { try r.bytes.readBigInt(maxBytes: 2048) }
        }
        try r.end()
        guard labelKey.count == 32, master.isEmpty || master.count == 32 else { throw .malformed("bad key lengths") }
        return FNNOwnerKeys(parameters: parameters, labelKey: labelKey, sharedMaster: master.isEmpty ? nil : master,
                            paillierSecretKey: secretKey, randomizerBase: base)
    }
}

import MedSearchBFV
import MedSearchCore
import Testing
import _MedSearchTestSupport

@Suite struct BFVSerializationTests {
    @Test(arguments: [BFVParameters.insecureN512, .insecureN512Special])
    func roundTripsAndSeededHalfSize(parameters: BFVParameters) throws {
        var f = try Fixture(parameters, seed: 21)
        let context = f.context
        let a = f.randomSlots()
        let pkCt = try f.encrypt(a)
        let skCt = try f.encrypt(a, secret: true)
        let pkBytes = pkCt.serialized(context: context)
        let skBytes = skCt.serialized(context: context)
        #expect(skBytes.count * 2 < pkBytes.count + 200, "seeded ciphertext is about half size")
        #expect(try BFVCiphertext(serialized: pkBytes, context: context) == pkCt)
        #expect(try BFVCiphertext(serialized: skBytes, context: context) == skCt)
        #expect(try f.decrypt(BFVCiphertext(serialized: skBytes, context: context)) == a)
        let product = try context.multiply(pkCt, skCt)
        #expect(try BFVCiphertext(serialized: product.serialized(context: context), context: context) == product)
        let low = try context.modSwitchToNext(pkCt)
        #expect(try BFVCiphertext(serialized: low.serialized(context: context), context: context) == low)
        // Keys.
        let sk2 = try BFVSecretKey(serialized: f.sk.serialized(context: context), context: context)
        #expect(try context.decode(try context.decrypt(pkCt, secretKey: sk2)) == a)
        let pk2 = try BFVPublicKey(serialized: f.pk.serialized(context: context), context: context)
        #expect(pk2 == f.pk)
        let rk2 = try BFVRelinearizationKey(serialized: f.rk.serialized(context: context), context: context)
        #expect(rk2 == f.rk)
        let gk2 = try BFVGaloisKeys(serialized: f.gk.serialized(context: context), context: context)
        #expect(gk2 == f.gk)
        #expect(try f.decrypt(context.rotateRows(pkCt, by: 1, keys: gk2)) == rotated(a, by: 1))
        #expect(try f.decrypt(context.relinearize(product, key: rk2)) == f.decrypt(product))
        // The other N = 512 set (with / without a special prime) refuses these objects.
        let other = try BFVContext.cached(parameters == .insecureN512 ? .insecureN512Special : .insecureN512)
        #expect(throws: WireError.self) { try BFVCiphertext(serialized: pkBytes, context: other) }
        #expect(throws: WireError.self) { try BFVRelinearizationKey(serialized: f.rk.serialized(context: context), context: other) }
        #expect(throws: WireError.self) { try BFVGaloisKeys(serialized: f.gk.serialized(context: context), context: other) }
    }

    @Test func malformedAndMismatchedInputIsRejected() throws {
        var f = try Fixture(.insecureN256, seed: 22)
        let context = f.context
        let ct = try f.encrypt(f.randomSlots())
        let bytes = ct.serialized(context: context)
        // Every truncation is a typed error.
        for cut in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 40)) {
            #expect(throws: WireError.self) { try BFVCiphertext(serialized: Array(bytes.prefix(cut)), context: context) }
        }
        #expect(throws: WireError.self) { try BFVCiphertext(serialized: bytes + [0], context: context) }
        // Wrong tag, future version.
        var wrongTag = bytes; wrongTag[0] = UInt8(ascii: "X")
        #expect(throws: WireError.self) { try BFVCiphertext(serialized: wrongTag, context: context) }
        var future = bytes; future[4] = 9
        #expect(throws: WireError.self) { try BFVCiphertext(serialized: future, context: context) }
        // A residue at or above its prime (all-ones bits) is rejected.
        var tampered = bytes
        for i in (tampered.count - 64)..<tampered.count { tampered[i] = 0xFF }
        #expect(throws: WireError.self) { try BFVCiphertext(serialized: tampered, context: context) }
        // Objects of another parameter set.
        let other = try BFVContext.cached(.insecureN512)
        #expect(throws: WireError.self) { try BFVCiphertext(serialized: bytes, context: other) }
        #expect(throws: WireError.self) { try BFVPublicKey(serialized: f.pk.serialized(context: context), context: other) }
        #expect(throws: WireError.self) { try BFVSecretKey(serialized: f.sk.serialized(context: context), context: other) }
        #expect(throws: WireError.self) { try BFVRelinearizationKey(serialized: f.pk.serialized(context: context), context: context) }
        #expect(throws: WireError.self) { try BFVGaloisKeys(serialized: [], context: context) }
        // Out-of-range encodings.
        #expect(throws: BFVError.self) { try context.encode([f.t]) }
        #expect(throws: BFVError.self) { try context.encode([UInt64](repeating: 0, count: f.n + 1)) }
        _ = f.randomSlots()
    }
}

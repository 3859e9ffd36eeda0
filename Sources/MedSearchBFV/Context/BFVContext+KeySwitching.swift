import MedSearchModular

extension BFVContext {
    /// Key switching of `d` (coefficient form, `level` limbs) under the RNS gadget: returns `(u_0, u_1)` in
    /// coefficient form with `u_0 + u_1 s = d w + e` where the key encrypts `w`.
    func keySwitch(_ d: PolyRq, key: BFVKeySwitchKey) -> (PolyRq, PolyRq) {
        let level = d.limbCount
        let n = degree
        let qs = moduli(level: level)
        let tables = Array(nttTables[0..<level])
        var acc0 = PolyRq(degree: n, limbCount: level)
        var acc1 = PolyRq(degree: n, limbCount: level)
        let tmp = UnsafeMutablePointer<UInt64>.allocate(capacity: n)
        defer { tmp.deallocate() }
        d.data.withUnsafeBufferPointer { dp in
            acc0.data.withUnsafeMutableBufferPointer { r0 in
                acc1.data.withUnsafeMutableBufferPointer { r1 in
                    for i in 0..<level {
                        let k0 = key.k0[i].data, k1 = key.k1[i].data
                        k0.withUnsafeBufferPointer { k0p in
                            k1.withUnsafeBufferPointer { k1p in
                                for j in 0..<level {
                                    let m = qs[j]
                                    let src = dp.baseAddress! + i * n
                                    if i == j || m.value > moduli[i].value {
                                        tmp.update(from: src, count: n)
                                    } else {
                                        for c in 0..<n { tmp[c] = m.reduce(src[c]) }
                                    }
                                    tables[j].forward(tmp)
                                    let base = j * n
                                    for c in 0..<n {
                                        let v = tmp[c]
                                        r0[base + c] = m.multiplyAdd(v, k0p[base + c], r0[base + c])
                                        r1[base + c] = m.multiplyAdd(v, k1p[base + c], r1[base + c])
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        acc0.inverseNTT(tables)
        acc1.inverseNTT(tables)
        return (acc0, acc1)
    }

    /// Relinearises a three-polynomial ciphertext back to two (`c_2 s^2` switched to `s`).
    public func relinearize(_ a: BFVCiphertext, key: BFVRelinearizationKey) throws(BFVError) -> BFVCiphertext {
        try check(a)
        guard key.parameters == parameters else { throw .parameterMismatch("relinearisation key of \(key.parameters.name)") }
        guard a.size == 3 else {
            if a.size == 2 { return a }
            throw .shapeMismatch("cannot relinearise a ciphertext of \(a.size) polynomials")
        }
        let qs = moduli(level: a.level)
        let (u0, u1) = keySwitch(a.polys[2], key: key.key)
        var c0 = a.polys[0], c1 = a.polys[1]
        c0.add(u0, moduli: qs)
        c1.add(u1, moduli: qs)
        return BFVCiphertext(polys: [c0, c1])
    }

    /// Multiplies and relinearises.
    public func multiplyRelinearize(_ a: BFVCiphertext, _ b: BFVCiphertext,
                                    key: BFVRelinearizationKey) throws(BFVError) -> BFVCiphertext {
        try relinearize(multiply(a, b), key: key)
    }

    /// Applies the automorphism `X -> X^g` and switches the key back to `s` (needs the Galois key for `g`).
    public func applyGalois(_ a: BFVCiphertext, element g: Int, keys: BFVGaloisKeys) throws(BFVError) -> BFVCiphertext {
        try check(a)
        guard keys.parameters == parameters else { throw .parameterMismatch("Galois keys of \(keys.parameters.name)") }
        guard a.size == 2 else { throw .shapeMismatch("rotate a relinearised (two-polynomial) ciphertext") }
        guard let key = keys.keys[g] else { throw .missingGaloisKey(element: g) }
        let qs = moduli(level: a.level)
        var c0 = applyGalois(a.polys[0], element: g, moduli: qs)
        let c1 = applyGalois(a.polys[1], element: g, moduli: qs)
        let (u0, u1) = keySwitch(c1, key: key)
        c0.add(u0, moduli: qs)
        return BFVCiphertext(polys: [c0, u1])
    }

    /// Rotates both rows of the slot matrix left by `steps` (negative: right).
    public func rotateRows(_ a: BFVCiphertext, by steps: Int, keys: BFVGaloisKeys) throws(BFVError) -> BFVCiphertext {
        try applyGalois(a, element: galoisElement(rotatingRowsBy: steps), keys: keys)
    }

    /// Swaps the two rows of the slot matrix.
    public func swapRows(_ a: BFVCiphertext, keys: BFVGaloisKeys) throws(BFVError) -> BFVCiphertext {
        try applyGalois(a, element: galoisElementSwappingRows, keys: keys)
    }
}

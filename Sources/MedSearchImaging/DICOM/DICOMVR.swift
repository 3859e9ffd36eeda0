/// A DICOM value representation (PS3.5 section 6.2).
public enum DICOMVR: String, Sendable, CaseIterable {
    case AE, AS, AT, CS, DA, DS, DT, FL, FD, IS, LO, LT, OB, OD, OF, OL, OV, OW, PN, SH, SL, SQ, SS, ST, SV, TM,
         UC, UI, UL, UN, UR, US, UT, UV

    /// Parses the two VR bytes of an explicit-VR element.
    @inlinable public init?(byte0: UInt8, byte1: UInt8) {
        guard (65...90).contains(byte0), (65...90).contains(byte1) else { return nil }
        self.init(rawValue: String(decoding: [byte0, byte1], as: UTF8.self))
    }

    /// The two ASCII bytes of the VR.
    public var bytes: (UInt8, UInt8) {
        let utf8 = Array(rawValue.utf8)
        return (utf8[0], utf8[1])
    }

    /// Whether explicit-VR encoding uses 2 reserved bytes and a 32-bit length (PS3.5 7.1.2).
    public var usesLongLength: Bool {
        switch self {
        case .OB, .OD, .OF, .OL, .OV, .OW, .SQ, .UC, .UN, .UR, .UT, .SV, .UV: true
        default: false
        }
    }

    /// Whether the value is character data.
    public var isText: Bool {
        switch self {
        case .AE, .AS, .CS, .DA, .DS, .DT, .IS, .LO, .LT, .PN, .SH, .ST, .TM, .UC, .UI, .UR, .UT: true
        default: false
        }
    }

    /// The size in bytes of the numeric unit that changes order between little and big endian (1 if none).
    public var byteSwapUnit: Int {
        switch self {
        case .US, .SS, .OW, .AT: 2
        case .UL, .SL, .FL, .OF, .OL: 4
        case .FD, .OD, .SV, .UV, .OV: 8
        default: 1
        }
    }

    /// The byte that pads an odd-length value to even length.
    public var paddingByte: UInt8 {
        switch self {
        case .UI: 0
        default: isText ? 0x20 : 0
        }
    }
}

/// How stored sample values are mapped to the 0...1 range of a ``GrayImage``.
public enum GrayScaling: Sendable, Equatable {
    /// ``fullRange`` for data of at most 8 stored bits, ``minMax`` otherwise (12- and 16-bit radiographs rarely
    /// use their full range).
    case automatic
    /// Divide by the largest value the stored bits can hold (signed data: map the signed range to 0...1).
    case fullRange
    /// Stretch the frame's smallest value to 0 and its largest to 1 (a constant frame becomes all 0).
    case minMax
    /// A DICOM linear VOI window (PS3.3 C.11.2.1.2) applied to the rescaled values: values below
    /// `center - width/2` become 0, above `center + width/2` become 1.
    case window(center: Double, width: Double)
    /// Keep the (rescaled) values as they are, unscaled.
    case none
}

/// A modality LUT given as a linear rescale (DICOM Rescale Slope and Intercept): `value * slope + intercept`.
public struct LinearRescale: Sendable, Equatable {
    /// Rescale Slope (0028,1053).
    public var slope: Double = 1
    /// Rescale Intercept (0028,1052).
    public var intercept: Double = 0

    /// The identity rescale.
    public static let identity = LinearRescale()
}

/// What de-identification did to one file, and what a person must still check.
public struct DeidentificationReport: Sendable, Equatable {
    /// The Burned In Annotation attribute (0028,0301) as found.
    public enum BurnedInAnnotation: String, Sendable, Equatable {
        /// "YES": text is burned into the pixels; the pixels still identify the patient.
        case yes = "YES"
        /// "NO".
        case no = "NO"
        /// The attribute is absent or empty.
        case notStated = "NOT STATED"
    }

    /// The burned-in annotation flag of the source.
    public var burnedInAnnotation: BurnedInAnnotation
    /// Whether the pixels may carry identifying text (flag YES, or not stated for modalities that often do).
    public var pixelsNeedReview: Bool
    /// Attributes removed (including private ones).
    public var removed: Int
    /// Of those, private attributes removed.
    public var removedPrivate: Int
    /// Attributes emptied or replaced with dummies.
    public var replaced: Int
    /// UID values remapped.
    public var remappedUIDs: Int
    /// DA/DT values shifted.
    public var shiftedDates: Int
    /// The date shift applied to this patient, in days (negative: earlier).
    public var dateShiftDays: Int

    /// The report as a one-line JSON object.
    public func json() -> String {
        "{\"burnedInAnnotation\": \"\(burnedInAnnotation.rawValue)\", \"pixelsNeedReview\": \(pixelsNeedReview), "
            + "\"removed\": \(removed), \"removedPrivate\": \(removedPrivate), \"replaced\": \(replaced), "
            + "\"remappedUIDs\": \(remappedUIDs), \"shiftedDates\": \(shiftedDates), \"dateShiftDays\": \(dateShiftDays)}"
    }
}

extension DeidentificationReport {
    /// What was done and what a person must still check, as two lines.
    public var summary: String {
        "removed \(removed) attributes (\(removedPrivate) private), replaced \(replaced), remapped \(remappedUIDs) UIDs, "
            + "shifted \(shiftedDates) dates by \(dateShiftDays) days\n"
            + "burned-in annotation: \(burnedInAnnotation.rawValue)"
            + (pixelsNeedReview ? " -- the pixels may show identifying text: review before sharing" : "")
    }
}

import MedSearchCore
import MedSearchImaging

/// Runs QIDO-RS queries over a catalog of stored instances, each described by a data set of its attributes
/// (patient, study, series and instance level together, no pixel data).
///
/// Matching is relational: an instance matches when every match key matches its attributes (a study matches
/// `Modality=CT` when one of its instances does). Results are the distinct studies, series or instances of
/// the matching instances in catalog order, each with the returned attributes of its first matching instance
/// plus the computed ones: ModalitiesInStudy, NumberOfStudyRelatedSeries/-Instances,
/// NumberOfSeriesRelatedInstances (counted over the whole catalog, not only the matches) and RetrieveURL.
@MemberwiseInit(.public)
public struct QIDOSearch: Sendable {
    /// The instances, in catalog order.
    public let records: [DICOMDataset]

    /// One page of results: data sets ready for ``DICOMJSON/encode(_:bulkData:)``, and the number of results
    /// before `offset` and `limit` were applied.
    /// - Parameters:
    ///   - scope: attributes fixed by the resource path (`/studies/{study}/series` fixes StudyInstanceUID).
    ///   - retrieveURL: the RetrieveURL of a result at the query's level, given its study, series and instance UIDs
    ///     (nil: none written).
    public func run(_ query: QIDOQuery, scope: [DICOMTag: String] = [:],
                    retrieveURL: (@Sendable (_ study: String, _ series: String?, _ instance: String?) -> String)? = nil)
        -> (results: [DICOMDataset], total: Int) {
        let scoped = records.filter { record in scope.allSatisfy { record.string($0.key) == $0.value } }
        // Aggregates over the whole catalog.
        var modalities: [String: [String]] = [:]
        var seriesOfStudy: [String: Set<String>] = [:]
        var instancesOfStudy: [String: Int] = [:]
        var instancesOfSeries: [String: Int] = [:]
        for record in records {
            let study = record.string(.studyInstanceUID) ?? "", series = record.string(.seriesInstanceUID) ?? ""
            if let modality = record.string(.modality), !modality.isEmpty, !(modalities[study]?.contains(modality) ?? false) {
                modalities[study, default: []].append(modality)
            }
            seriesOfStudy[study, default: []].insert(series)
            instancesOfStudy[study, default: 0] += 1
            instancesOfSeries[series, default: 0] += 1
        }
        var seen = Set<String>()
        var results: [DICOMDataset] = []
        let returned = query.returnedTags()
        for record in scoped {
            let study = record.string(.studyInstanceUID) ?? ""
            var augmented = record
            if let list = modalities[study] {
                augmented.set(DICOMElement(tag: DICOMwebAttributes.modalitiesInStudy, vr: .CS,
                                           string: list.joined(separator: "\\")))
            }
            guard query.matches.allSatisfy({ match in
                match.matches(Self.values(match.tag, in: augmented), isPersonName: augmented[match.tag]?.vr == .PN
                              || DICOMwebAttributes.vr(of: match.tag) == .PN)
            }) else { continue }
            let key = augmented.string(query.level.uniqueKey) ?? ""
            guard seen.insert(key).inserted else { continue }
            var result = DICOMDataset(elements: augmented.elements.filter { element in
                let level = DICOMwebAttributes.level(of: element.tag)
                guard level <= query.level else { return false }
                return query.includeAll || returned.contains(element.tag)
            }, isLittleEndian: augmented.isLittleEndian)
            let series = augmented.string(.seriesInstanceUID) ?? ""
            switch query.level {
            case .study:
                result.set(Self.integer(DICOMwebAttributes.numberOfStudyRelatedSeries, seriesOfStudy[study]?.count ?? 0))
                result.set(Self.integer(DICOMwebAttributes.numberOfStudyRelatedInstances, instancesOfStudy[study] ?? 0))
            case .series:
                result.set(Self.integer(DICOMwebAttributes.numberOfSeriesRelatedInstances, instancesOfSeries[series] ?? 0))
            case .instance:
                break
            }
            for match in query.matches where match.rule == .universal && result[match.tag] == nil
                && DICOMwebAttributes.level(of: match.tag) <= query.level {
                // A universal key asks for the attribute: return it, empty when the instance lacks it.
                result.set(DICOMElement(tag: match.tag, vr: DICOMwebAttributes.vr(of: match.tag) ?? .UN, value: .bytes([])))
            }
            if let retrieveURL {
                let url = retrieveURL(study, query.level >= .series ? series : nil,
                                      query.level == .instance ? augmented.string(.sopInstanceUID) : nil)
                result.set(DICOMElement(tag: DICOMwebAttributes.retrieveURL, vr: .UR, string: url))
            }
            results.append(result)
        }
        let total = results.count
        let start = min(query.offset, total)
        let end = min(total, start + (query.limit ?? QIDOQuery.maximumLimit))
        return (Array(results[start..<end]), total)
    }

    static func integer(_ tag: DICOMTag, _ value: Int) -> DICOMElement {
        DICOMElement(tag: tag, vr: .IS, string: String(value))
    }

    /// The values of `tag` in `dataset` as text (binary integers in decimal).
    static func values(_ tag: DICOMTag, in dataset: DICOMDataset) -> [String] {
        guard let element = dataset[tag] else { return [] }
        switch element.vr {
        case .US, .SS, .UL, .SL: return ((try? dataset.integers(tag)) ?? []).map(String.init)
        default: return dataset.strings(tag)
        }
    }
}

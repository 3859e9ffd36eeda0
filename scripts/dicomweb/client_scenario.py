"""The dicomweb-client scenario: store, search (QIDO-RS), retrieve (WADO-RS) and search-similar against a running
MedSearch, parsing every answer with dicomweb-client and pydicom (not with MedSearch's code).

Usage: client_scenario.py DICOMWEB_URL TOKEN FILE.dcm [FILE.dcm ...]
Prints one JSON object with what it saw; exits non-zero when a check fails.
"""
import json
import sys

import pydicom
from dicomweb_client.api import DICOMwebClient


def main() -> int:
    url, token, paths = sys.argv[1], sys.argv[2], sys.argv[3:]
    client = DICOMwebClient(url=url, headers={"Authorization": f"Bearer {token}"})
    datasets = [pydicom.dcmread(path) for path in paths]
    failures = []

    stored = client.store_instances(datasets=datasets)
    referenced = [item.ReferencedSOPInstanceUID for item in stored.get("ReferencedSOPSequence", [])]
    if referenced != [ds.SOPInstanceUID for ds in datasets]:
        failures.append(f"store: referenced {referenced}")

    first = datasets[0]
    studies = client.search_for_studies(search_filters={"PatientID": first.PatientID})
    study_uids = [pydicom.Dataset.from_json(study).StudyInstanceUID for study in studies]
    if first.StudyInstanceUID not in study_uids:
        failures.append(f"search: {study_uids}")
    names = [str(pydicom.Dataset.from_json(study).PatientName) for study in studies]
    if str(first.PatientName) not in names:
        failures.append(f"search: patient names {names}")

    instances = client.search_for_instances(study_instance_uid=first.StudyInstanceUID)
    if len(instances) != sum(1 for ds in datasets if ds.StudyInstanceUID == first.StudyInstanceUID):
        failures.append(f"search instances: {len(instances)}")

    retrieved = client.retrieve_instance(first.StudyInstanceUID, first.SeriesInstanceUID, first.SOPInstanceUID)
    if retrieved.SOPInstanceUID != first.SOPInstanceUID or str(retrieved.PatientName) != str(first.PatientName):
        failures.append("retrieve: not the original instance")
    if retrieved.PixelData != first.PixelData:
        failures.append("retrieve: pixel data differs")

    response = client._http_post(
        url=f"{url}/studies/search-similar?engine=exact&k=3&instance={first.SOPInstanceUID}",
        data=b"", headers={"Accept": "application/dicom+json"})
    similar = [pydicom.Dataset.from_json(item) for item in response.json()]
    ranks = [int(item[0x00091001].value) for item in similar]
    if not similar or similar[0].SOPInstanceUID != first.SOPInstanceUID or ranks != list(range(1, len(similar) + 1)):
        failures.append(f"search-similar: {[item.SOPInstanceUID for item in similar]} ranks {ranks}")

    print(json.dumps({"stored": len(referenced), "studies": len(studies), "instances": len(instances),
                      "similar": [item.SOPInstanceUID for item in similar], "failures": failures}))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

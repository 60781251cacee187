#!/usr/bin/env bash
# System packages the tests use: DCMTK (real DICOM peers) and Debian's Orthanc (the oracle).
set -euo pipefail
need=()
command -v storescu >/dev/null || need+=(dcmtk)
command -v Orthanc >/dev/null || need+=(orthanc)
# The oracle of the DICOMweb tests: Orthanc's own DICOMweb plugin.
[ -e /usr/share/orthanc/plugins/libOrthancDicomWeb.so ] || need+=(orthanc-dicomweb)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
# The Debian package starts a system Orthanc on 8042/4242: the tests run their own.
if command -v systemctl >/dev/null 2>&1; then systemctl stop orthanc 2>/dev/null || true; fi
if [ -x /etc/init.d/orthanc ]; then /etc/init.d/orthanc stop >/dev/null 2>&1 || true; fi
pkill -x Orthanc 2>/dev/null || true

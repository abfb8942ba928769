#!/usr/bin/env bash
# Releases of sansrtc's modules (see tools/README.md, "Releases").
#
#   bash tools/release.sh check   # run by tools/test.sh: manifest, tags, pinned
#                                 # requirements, CHANGELOGs, API compatibility,
#                                 # and three consumers built through a file proxy
#   bash tools/release.sh plan    # the next version of every changed module
#   bash tools/release.sh tag     # release them: pin requirements, date the
#                                 # CHANGELOGs, commit, record, tag
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
	export PATH=/usr/local/go/bin:$PATH
fi
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
(cd tools && go build -o "$bin/release" ./cmd/release)
"$bin/release" "${1:-check}" -root . "${@:2}"

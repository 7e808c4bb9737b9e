#!/usr/bin/env bash
# Builds the one-folder desktop bundle into dist/perijove/ and checks that it starts.
# Usage: bash packaging/build.sh [DISTDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
dist="${1:-dist}"
python3 -m pip install -q --disable-pip-version-check "pyinstaller>=6.0"  # the project and its dependencies are already installed
rm -rf build/stage
python3 -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation --target build/stage .
PERIJOVE_STAGE="$PWD/build/stage" python3 -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath "$dist" --workpath build/pyinstaller packaging/perijove.spec
"$dist/perijove/perijove" --version
echo "bundle: $dist/perijove ($(du -sh "$dist/perijove" | cut -f1))"

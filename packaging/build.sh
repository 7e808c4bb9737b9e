#!/usr/bin/env bash
# Builds the desktop bundle for the platform it runs on and checks that it starts:
#   Linux: DISTDIR/perijove/perijove   Windows (Git Bash): DISTDIR/perijove/perijove.exe
#   macOS: DISTDIR/Perijove.app
# Usage: bash packaging/build.sh [DISTDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
dist="${1:-dist}"
python="$(command -v python3 || command -v python)"  # Windows' installer names it python
"$python" -m pip install -q --disable-pip-version-check "pyinstaller>=6.0"  # the project and its dependencies are already installed
rm -rf build/stage
"$python" -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation --target build/stage .
PERIJOVE_STAGE="$PWD/build/stage" "$python" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath "$dist" --workpath build/pyinstaller packaging/perijove.spec
case "$(uname -s)" in
  Darwin) exe="$dist/Perijove.app/Contents/MacOS/perijove"; bundle="$dist/Perijove.app" ;;
  MINGW* | MSYS* | CYGWIN*) exe="$dist/perijove/perijove.exe"; bundle="$dist/perijove" ;;
  *) exe="$dist/perijove/perijove"; bundle="$dist/perijove" ;;
esac
"$exe" --version
echo "bundle: $bundle ($(du -sh "$bundle" | cut -f1))"

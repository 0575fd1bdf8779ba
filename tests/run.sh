#!/usr/bin/env bash
# The test command (README). Installs what the suites need, runs every test project, then the fault suite (tests/faults.sh).
# Redis, anvil and the development TSA (deploy/dev-tsa.mjs) are started by the tests themselves, on free loopback
# ports, and stopped after.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

need_apt=()
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
# The development TSA and the cross-checks of time-stamp tokens are OpenSSL's `openssl ts`.
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)
# The verification page's browser tests drive Debian's chromium (playwright cannot download a browser here).
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
# anchor report: the fonts it embeds in a PDF (docs/report.md), and poppler, which reads the reports back in the tests.
[ -f /usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf ] || need_apt+=(fonts-droid-fallback)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] && [ -f /usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf ] || need_apt+=(fonts-dejavu-core)
command -v pdftoppm >/dev/null 2>&1 || need_apt+=(poppler-utils)
# zbar reads the report's QR code back, as a phone would.
command -v zbarimg >/dev/null 2>&1 || need_apt+=(zbar-tools)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing: ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
# A Debian install starts a system redis on 6379; the tests use their own instances.
# contracts/ (solc, anvil), the verification page's build (esbuild and the libraries it bundles), its browser test (playwright-core).
for dir in contracts src/Anchor.Verify.Web tests/browser; do
  if [ -f "$dir/package-lock.json" ]; then
    if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
      echo "npm ci in $dir/"
      (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    fi
  fi
done

export ANCHOR_REPO_ROOT="$root"
results=$(mktemp -d)
status=0
dotnet build Anchor.sln -c Release -nologo -v q || exit 1
dotnet test Anchor.sln -c Release --no-build -nologo --logger "trx" --results-directory "$results" "$@" || status=$?

passed=0; failed=0; skipped=0
for f in "$results"/*.trx; do
  [ -f "$f" ] || continue
  line=$(grep -o '<Counters [^>]*>' "$f" | head -1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$line"); passed=$((passed + ${p:-0}))
  x=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$line"); failed=$((failed + ${x:-0}))
  s=$(sed -n 's/.* notExecuted="\([0-9]*\)".*/\1/p' <<<"$line"); skipped=$((skipped + ${s:-0}))
done
rm -rf "$results"
if [ "$passed" -eq 0 ]; then echo "no test ran"; exit 1; fi
echo "xunit: $passed passed, $failed failed, $skipped skipped"

# The fault suite (docs/reliability.md): real stacks killed under load; a few minutes. It counts as one more test.
faults_failed=0
bash tests/faults.sh --no-build || { status=1; faults_failed=1; }
echo "tests: $((passed + 1 - faults_failed)) passed, $((failed + faults_failed)) failed, $skipped skipped"
exit $status

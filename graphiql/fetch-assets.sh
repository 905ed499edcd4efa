#!/usr/bin/env bash
# Reproduces graphiql/assets/ from the npm registry: the files gqlgen's
# GraphiQL page (v0.17.98) loads from a CDN, at the exact versions it pins,
# copied out of the packages' tarballs (npm checks their integrity), then
# prints each file's SRI hash for graphiql.go. Needs node and npm; leaves no
# node_modules behind.
#
# To move to other versions (say after upgrading gqlgen, whose defaults
# TestSameFilesAsGqlgen compares against): change the versions below, run
# this, put the printed hashes and paths in graphiql.go, go test ./graphiql/.
set -euo pipefail
cd "$(dirname "$0")"

GRAPHIQL=4.1.2  # graphiql: graphiql.min.js, graphiql.min.css
REACT=18.2.0    # react, react-dom: the UMD production builds
EXPLORER=4.0.6  # @graphiql/plugin-explorer: dist/index.umd.js, dist/style.css

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "graphiql@$GRAPHIQL" "react@$REACT" "react-dom@$REACT" \
  "@graphiql/plugin-explorer@$EXPLORER" >/dev/null)

# take PKG_TARBALL DIR FILE... copies FILEs (paths inside the package) to assets/DIR/.
take() {
  local tarball=$1 dir=$2; shift 2
  mkdir -p "$tmp/x/$dir" "assets/$dir"
  tar -xzf "$tmp/$tarball" -C "$tmp/x/$dir" --strip-components=1
  for f in "$@"; do cp "$tmp/x/$dir/$f" "assets/$dir/"; done
  # the license, where the package ships one (plugin-explorer: MIT, in its package.json)
  if [ -f "$tmp/x/$dir/LICENSE" ]; then cp "$tmp/x/$dir/LICENSE" "assets/$dir/"; fi
}

rm -rf assets
take "graphiql-$GRAPHIQL.tgz" "graphiql-$GRAPHIQL" graphiql.min.js graphiql.min.css
take "react-$REACT.tgz" "react-$REACT" umd/react.production.min.js
take "react-dom-$REACT.tgz" "react-dom-$REACT" umd/react-dom.production.min.js
# jsDelivr minifies style.css into the style.min.css gqlgen links to; npm has
# only style.css, which is served instead.
take "graphiql-plugin-explorer-$EXPLORER.tgz" "plugin-explorer-$EXPLORER" dist/index.umd.js dist/style.css

cd assets
find . -type f ! -name LICENSE | sed 's|^\./||' | sort | xargs node -e '
  const crypto = require("crypto"), fs = require("fs");
  for (const f of process.argv.slice(1))
    console.log(f, "sha256-" + crypto.createHash("sha256").update(fs.readFileSync(f)).digest("base64"));
'

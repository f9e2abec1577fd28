#!/bin/sh
# Copy the viewer's third-party files from node_modules into the Python package.
# Run at development time after `npm ci` in this folder; commit the result
# (src/samsim/web/static/vendor/), never node_modules.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
nm="$here/node_modules"
dst="$here/../../src/samsim/web/static/vendor"
rm -rf "$dst"
mkdir -p "$dst/leaflet/images" "$dst/topojson-client" "$dst/world-atlas"
cp "$nm/leaflet/dist/leaflet.js" "$nm/leaflet/dist/leaflet.css" "$nm/leaflet/LICENSE" "$dst/leaflet/"
cp "$nm/leaflet/dist/images/"*.png "$dst/leaflet/images/"
cp "$nm/topojson-client/dist/topojson-client.min.js" "$nm/topojson-client/LICENSE" "$dst/topojson-client/"
cp "$nm/world-atlas/countries-50m.json" "$nm/world-atlas/LICENSE" "$dst/world-atlas/"
for p in leaflet topojson-client world-atlas; do
  node -e "const p=require('$nm/$p/package.json'); console.log(p.name + ' ' + p.version + ' (' + p.license + ')')"
done > "$dst/VERSIONS.txt"
cat >> "$dst/VERSIONS.txt" <<'TXT'

world-atlas/countries-50m.json: Natural Earth 1:50m admin-0 countries and land as
TopoJSON, from the npm package world-atlas (ISC). Natural Earth data is in the public
domain (https://www.naturalearthdata.com/about/terms-of-use/).
TXT
echo "vendored into $dst"

# Sourced by scripts/dist and scripts/desktop-smoke (bash): keeps this checkout's better-sqlite3 built for Node.
#
# Packaging (electron-builder's npmRebuild) and running the app from the checkout (install-app-deps) rebuild
# better-sqlite3 for Electron's ABI in place, in node_modules; the tests and `apsis serve` need the Node build
# (STYLE.md section 5). save_node_build copies its build directory aside; restore_node_build puts it back and checks
# that Node loads it, rebuilding it for Node (`npm rebuild better-sqlite3`) when it does not. better-sqlite3 is the
# only dependency with native code (test/electron/builder-config.test.ts checks that).

NATIVE_MODULE=node_modules/better-sqlite3

# Whether Node loads better-sqlite3 and opens a database with it.
node_loads_sqlite() {
  node -e "new (require('better-sqlite3'))(':memory:').close()" >/dev/null 2>&1
}

# Copies the Node build aside (into a new temporary directory, NATIVE_SAVED); fails when Node cannot load it.
save_node_build() {
  if ! node_loads_sqlite; then
    echo "$NATIVE_TAG: better-sqlite3 does not load under Node; run npm ci (or npm rebuild better-sqlite3) first" >&2
    return 1
  fi
  NATIVE_SAVED="$(mktemp -d)"
  cp -a "$NATIVE_MODULE/build" "$NATIVE_SAVED/build"
}

# Puts the saved Node build back; if Node still cannot load the module, rebuilds it. Fails when nothing works.
restore_node_build() {
  if [ -n "${NATIVE_SAVED:-}" ] && [ -d "$NATIVE_SAVED/build" ]; then
    rm -rf "$NATIVE_MODULE/build" && cp -a "$NATIVE_SAVED/build" "$NATIVE_MODULE/build"
  fi
  [ -n "${NATIVE_SAVED:-}" ] && rm -rf "$NATIVE_SAVED"
  NATIVE_SAVED=
  if node_loads_sqlite; then
    echo "$NATIVE_TAG: better-sqlite3 is built for Node again"
    return 0
  fi
  echo "$NATIVE_TAG: the saved Node build of better-sqlite3 is missing or does not load; rebuilding it for Node" >&2
  if npm rebuild better-sqlite3 && node_loads_sqlite; then
    echo "$NATIVE_TAG: better-sqlite3 is built for Node again"
    return 0
  fi
  echo "$NATIVE_TAG: better-sqlite3 still does not load under Node: run npm rebuild better-sqlite3 (it needs the network or a C++ toolchain)" >&2
  return 1
}

# Fails, saying why, when this Node is older than what @electron/rebuild (electron-builder's rebuild of better-sqlite3
# for Electron) declares in its engines field (Node 22.12 for @electron/rebuild 4).
check_node_for_rebuild() {
  node -e '
    let want;
    try {
      want = JSON.parse(require("fs").readFileSync("node_modules/@electron/rebuild/package.json", "utf8")).engines.node;
    } catch {
      process.exit(0);
    }
    const m = /^>=\s*(\d+)\.(\d+)\.(\d+)$/.exec(want ?? "");
    if (m === null) process.exit(0);
    const have = process.versions.node.split(".").map(Number);
    const need = m.slice(1).map(Number);
    for (let i = 0; i < 3; i += 1) {
      if (have[i] > need[i]) process.exit(0);
      if (have[i] < need[i]) {
        console.error(`${process.argv[1]}: packaging needs Node ${want} (@electron/rebuild, which builds better-sqlite3 for Electron); this is Node ${process.versions.node}`);
        process.exit(1);
      }
    }
  ' "$NATIVE_TAG"
}

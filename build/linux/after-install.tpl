#!/bin/bash
# Post-install script of the Apsis Console .deb (electron-builder.yml `deb.afterInstall`). electron-builder fills
# in the executable and sanitizedProductName macros when packaging, so no other brace-expansion may appear here.
# Paths are under $DPKG_ROOT (empty unless dpkg installs into another root, or a test runs this script).
#
# Unlike electron-builder's default, chrome-sandbox is always made setuid root. Chromium sandboxes its renderers
# with unprivileged user namespaces when it can, and falls back on this helper when it cannot (kernel or sysctl
# settings, AppArmor's restriction on Ubuntu 23.10 and later); the default made it setuid only when `unshare --user`
# failed as root, which it never does, so such systems were left without a sandbox that works. Google Chrome's own
# package ships the helper setuid root in the same way. The AppArmor profile granting the app user namespaces
# (Ubuntu 24.04 and later) is installed as electron-builder's default does.

APP_DIR="$DPKG_ROOT"'/opt/${sanitizedProductName}'

# The command on PATH: /usr/bin/<executable>, through update-alternatives where there is one.
if type update-alternatives >/dev/null 2>&1; then
  link="$DPKG_ROOT/usr/bin/${executable}"
  # A plain symlink left by an older package is replaced by the alternative.
  if [ -L "$link" ] && [ "$(readlink "$link")" != '/etc/alternatives/${executable}' ]; then
    rm -f "$link"
  fi
  update-alternatives --install '/usr/bin/${executable}' '${executable}' '/opt/${sanitizedProductName}/${executable}' 100 ||
    ln -sf '/opt/${sanitizedProductName}/${executable}' "$link"
else
  ln -sf '/opt/${sanitizedProductName}/${executable}' "$DPKG_ROOT/usr/bin/${executable}"
fi

# Chromium's setuid sandbox helper: owned by root, mode 4755 (its own check refuses anything else).
if ! { chown root:root "$APP_DIR/chrome-sandbox" && chmod 4755 "$APP_DIR/chrome-sandbox"; }; then
  echo "Apsis Console: could not make $APP_DIR/chrome-sandbox setuid root; where user namespaces are restricted the app will not start" >&2
fi

if hash update-mime-database 2>/dev/null; then
  update-mime-database "$DPKG_ROOT/usr/share/mime" || true
fi
if hash update-desktop-database 2>/dev/null; then
  update-desktop-database "$DPKG_ROOT/usr/share/applications" || true
fi

# The AppArmor profile letting the app create user namespaces (Ubuntu 24.04 and later restrict them): installed and
# loaded when this system's AppArmor understands it (abi 4.0; older ones, e.g. Ubuntu 22.04, do not need it).
if apparmor_status --enabled >/dev/null 2>&1; then
  profile_source="$APP_DIR/resources/apparmor-profile"
  profile_target="$DPKG_ROOT/etc/apparmor.d/${executable}"
  if apparmor_parser --skip-kernel-load --debug "$profile_source" >/dev/null 2>&1; then
    cp -f "$profile_source" "$profile_target"
    # Loading into the running kernel means nothing in a chroot (image builds).
    if ! { [ -x /usr/bin/ischroot ] && /usr/bin/ischroot; } && hash apparmor_parser 2>/dev/null; then
      apparmor_parser --replace --write-cache --skip-read-cache "$profile_target" || true
    fi
  else
    echo "Apsis Console: this AppArmor does not support the bundled profile; skipped installing it"
  fi
fi

exit 0

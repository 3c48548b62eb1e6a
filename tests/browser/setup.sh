#!/bin/sh
# setup.sh - make sure the browser tests have what they run on: Debian's
# Chromium, Node.js 20 or later, and a pinned playwright-core.  Prints the
# playwright-core package directory (for $MOAT_PLAYWRIGHT) as the last line
# of its output; everything else goes to stderr.
#
# Usage: setup.sh [CACHE_DIR]
#   CACHE_DIR defaults to $MOAT_BROWSER_CACHE, else
#   ${XDG_CACHE_HOME:-$HOME/.cache}/moat-browser.  A finished install is
#   kept there under its version, so later runs need no network.
#
# Exit status: 0 ready; 77 something is missing and this user cannot
# install it (the test is skipped, and says why); 1 an install failed as
# root, or under CI, where a browser test that quietly skips is no test.

set -u

# playwright-core 1.64.1 drives Chromium 156, the version Debian 12 ships
# (bookworm-security).  Keep the two majors close when either moves: the
# DevTools protocol changes little between neighbours, much across many.
PW_VERSION=1.64.1
CHROMIUM=${MOAT_CHROMIUM:-/usr/bin/chromium}

say() { printf 'browser setup: %s\n' "$*" >&2; }

# missing WHAT: skip or fail, as the header says.
missing() {
	if [ "$(id -u)" = 0 ] || [ -n "${CI:-}" ]; then
		say "FAILED: $*"
		exit 1
	fi
	say "SKIP: $* (run as root, this script installs what is missing)"
	exit 77
}

apt_install() {
	[ "$(id -u)" = 0 ] || return 1
	say "installing Debian packages: $*"
	apt-get update -q >&2 &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		    --no-install-recommends "$@" >&2
}

if [ ! -x "$CHROMIUM" ]; then
	apt_install chromium || missing "no Chromium at $CHROMIUM (apt-get install chromium)"
	[ -x "$CHROMIUM" ] || missing "the chromium package gave no $CHROMIUM"
fi
if ! command -v node >/dev/null 2>&1; then
	apt_install nodejs || missing "no node (apt-get install nodejs)"
fi
major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null)
if [ "${major:-0}" -lt 20 ]; then
	# Debian 12's own nodejs is 18: no package of it can help here.
	say "SKIP: playwright-core $PW_VERSION needs Node.js 20 or later, this is $(node --version 2>&1)"
	exit 77
fi

if [ $# -gt 0 ]; then
	CACHE=$1
elif [ -n "${MOAT_BROWSER_CACHE:-}" ]; then
	CACHE=$MOAT_BROWSER_CACHE
else
	CACHE=${XDG_CACHE_HOME:-${HOME:-/nonexistent}/.cache}/moat-browser
fi
DIR=$CACHE/playwright-core-$PW_VERSION
PKG=$DIR/node_modules/playwright-core

installed() {
	[ -f "$PKG/package.json" ] &&
		[ "$(node -p 'require(process.argv[1]).version' "$PKG/package.json" 2>/dev/null)" = "$PW_VERSION" ]
}

if ! installed; then
	if ! command -v npm >/dev/null 2>&1; then
		apt_install npm || missing "no npm (apt-get install npm)"
	fi
	mkdir -p "$CACHE" || missing "cannot create $CACHE"
	# Into a fresh directory first, so that a broken download is never
	# taken for a finished install by the next run.
	tmp=$(mktemp -d "$CACHE/.install.XXXXXX") || missing "cannot write in $CACHE"
	chmod 755 "$tmp"
	say "npm install playwright-core@$PW_VERSION into $DIR"
	if ! PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --prefix "$tmp" \
	    --cache "$CACHE/.npm" --no-update-notifier \
	    --no-audit --no-fund --no-package-lock --loglevel=error \
	    "playwright-core@$PW_VERSION" >&2; then
		rm -rf "$tmp"
		missing "npm could not install playwright-core@$PW_VERSION (no network to the npm registry?)"
	fi
	rm -rf "$DIR"
	mv "$tmp" "$DIR" || missing "cannot move the install into $DIR"
	installed || missing "playwright-core $PW_VERSION is not in $PKG after npm install"
fi
say "$($CHROMIUM --version 2>/dev/null | head -n 1), node $(node --version), playwright-core $PW_VERSION"
printf '%s\n' "$PKG"

#!/bin/sh
# setup.sh - make sure the browser tests have what they run on: Debian's
# Chromium, Node.js 18 or later, and a pinned playwright-core.  Prints the
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

# playwright-core 1.61 is the last line that runs on Node.js 18, which is
# what Debian 12 ships (1.62 and later need 20).  It was built for Chromium
# 149 and drives Debian's 156 (bookworm-security) through every call
# xss-check.mjs makes: its positive control finds exactly what 1.64.1
# finds there.  When Debian's Chromium moves on, run the control again
# before trusting a pass: the DevTools protocol changes little between
# neighbours, much across many.
PW_VERSION=1.61.1
NODE_MIN=18
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

updated=
apt_install() {
	[ "$(id -u)" = 0 ] || return 1
	say "installing Debian packages: $*"
	if [ -z "$updated" ]; then
		apt-get update -q >&2 9>&- || return 1
		updated=yes
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    --no-install-recommends "$@" >&2 9>&-
}

if [ $# -gt 0 ]; then
	CACHE=$1
elif [ -n "${MOAT_BROWSER_CACHE:-}" ]; then
	CACHE=$MOAT_BROWSER_CACHE
else
	CACHE=${XDG_CACHE_HOME:-${HOME:-/nonexistent}/.cache}/moat-browser
fi
DIR=$CACHE/playwright-core-$PW_VERSION
PKG=$DIR/node_modules/playwright-core

# Browser tests run side by side under make -j: one at a time here, or
# two apt-get runs trip over dpkg's lock and two npm runs over the cache.
# (apt-get gets no copy of the lock: a service a package starts would
# keep it.)
mkdir -p "$CACHE" || missing "cannot create $CACHE"
if command -v flock >/dev/null 2>&1; then
	exec 9>>"$CACHE/.lock" || missing "cannot write in $CACHE"
	flock -w 900 9 || missing "another setup.sh held $CACHE/.lock for 15 minutes"
fi

if [ ! -x "$CHROMIUM" ]; then
	apt_install chromium || missing "no Chromium at $CHROMIUM (apt-get install chromium)"
	[ -x "$CHROMIUM" ] || missing "the chromium package gave no $CHROMIUM"
fi
if ! command -v node >/dev/null 2>&1; then
	apt_install nodejs || missing "no node (apt-get install nodejs)"
fi
command -v node >/dev/null 2>&1 || missing "the nodejs package gave no node command"
major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null)
case $major in
''|*[!0-9]*) major=0 ;;
esac
if [ "$major" -lt "$NODE_MIN" ]; then
	missing "playwright-core $PW_VERSION needs Node.js $NODE_MIN or later, this is $(node --version 2>&1)"
fi

installed() {
	[ -f "$PKG/package.json" ] &&
		[ "$(node -p 'require(process.argv[1]).version' "$PKG/package.json" 2>/dev/null)" = "$PW_VERSION" ]
}

if ! installed; then
	# Debian's nodejs comes without npm, NodeSource's with it (and then
	# conflicts with Debian's npm package): install it only when missing.
	if ! command -v npm >/dev/null 2>&1; then
		apt_install npm || missing "no npm (apt-get install npm)"
		command -v npm >/dev/null 2>&1 || missing "the npm package gave no npm command"
	fi
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

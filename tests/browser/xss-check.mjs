#!/usr/bin/env node
// xss-check.mjs - visit pages in headless Chromium and fail if any of them
// runs, loads or even carries markup that came from a payload.
//
// curl can show that a payload comes back escaped; only a browser shows
// that nothing in the page runs.  Each page is visited twice: once with
// its Content-Security-Policy ignored, so that escaping alone has to hold
// (the policy is a second wall, not the first), and once with the policy
// in force, where a violation report means injected markup reached the DOM
// and only the policy stopped it.
//
// Usage:
//   node xss-check.mjs --base URL [options] --payloads FILE --template PATH
//   node xss-check.mjs --base URL [options] --pages FILE.json
//   node xss-check.mjs --base URL [options] PATH...
//
//   --payloads FILE   one payload a line (# comments, blank lines skipped);
//                     each becomes a page: --template with every {}
//                     replaced by the percent-encoded payload, and the
//                     payload must show as text
//   --template PATH   e.g. '/greet?name={}&site={}'
//   --pages FILE      JSON: [ "PATH", { "url": PATH, "text": "must show",
//                     "label": "..." }, ... ]  (stored payloads: the pages
//                     that show them, and the text each must show; "text"
//                     may be a list, for a page that shows many)
//   --cookie N=V      a cookie for the base URL's host, set as the app sets
//                     its session: Secure, HttpOnly, SameSite=Lax, Path=/
//   --user-agent UA   the browser's User-Agent (a session may be bound to
//                     the agent that signed in)
//   --allow-origin O  another origin pages may load from (repeatable)
//   --csp MODE        bypass, enforce or both (default both)
//   --control         positive control: serve each page from a built-in
//                     server that reflects the query string unescaped, and
//                     require that every payload is caught there, by more
//                     than the text check (a payload nobody could catch, or
//                     a blind detector, fails the run)
//   --chromium PATH   default $MOAT_CHROMIUM or /usr/bin/chromium
//   --settle MS       wait after load for timers and focus (default 120)
//   --timeout MS      per page (default 10000)
//   -v                also print console messages
//
// playwright-core is loaded from $MOAT_PLAYWRIGHT (its package directory,
// as tests/browser/setup.sh prints it) or else from node's usual places.
//
// Output: one line a page, "PASS: label (times)" or "FAIL: label" followed
// by one indented line a finding; then a summary.  Exit 0 when every page
// passed, 1 when any failed, 2 when the check itself could not run.

import { createRequire } from 'node:module';
import fs from 'node:fs';
import http from 'node:http';
import process from 'node:process';

const require = createRequire(import.meta.url);

function usage(msg) {
	process.stderr.write(`xss-check: ${msg}\n` +
	    'usage: xss-check.mjs --base URL [--cookie N=V] [--user-agent UA] ' +
	    '[--allow-origin O]... [--csp bypass|enforce|both] [--control] ' +
	    '(--payloads FILE --template PATH | --pages FILE.json | PATH...)\n');
	process.exit(2);
}

function parseArgs(argv) {
	const o = { allow: [], paths: [], csp: 'both', settle: 120,
	    timeout: 10000, verbose: false, control: false,
	    chromium: process.env.MOAT_CHROMIUM || '/usr/bin/chromium' };
	const need = (i) => {
		if (i + 1 >= argv.length)
			usage(`${argv[i]} needs a value`);
		return argv[i + 1];
	};
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		switch (a) {
		case '--base': o.base = need(i++); break;
		case '--cookie': o.cookie = need(i++); break;
		case '--user-agent': o.userAgent = need(i++); break;
		case '--allow-origin': o.allow.push(need(i++)); break;
		case '--csp': o.csp = need(i++); break;
		case '--payloads': o.payloads = need(i++); break;
		case '--template': o.template = need(i++); break;
		case '--pages': o.pages = need(i++); break;
		case '--chromium': o.chromium = need(i++); break;
		case '--settle': o.settle = Number(need(i++)); break;
		case '--timeout': o.timeout = Number(need(i++)); break;
		case '--control': o.control = true; break;
		case '-v': o.verbose = true; break;
		default:
			if (a.startsWith('-'))
				usage(`unknown option ${a}`);
			o.paths.push(a);
		}
	}
	if (!o.base)
		usage('--base is required');
	if (!['bypass', 'enforce', 'both'].includes(o.csp))
		usage('--csp is bypass, enforce or both');
	if ((o.payloads === undefined) !== (o.template === undefined))
		usage('--payloads and --template go together');
	if (!Number.isFinite(o.settle) || !Number.isFinite(o.timeout))
		usage('--settle and --timeout take milliseconds');
	return o;
}

// A label safe to print on one line.
function show(s, max = 70) {
	const j = JSON.stringify(String(s));
	return j.length > max ? j.slice(0, max - 3) + '..."' : j;
}

function readPayloads(file) {
	return fs.readFileSync(file, 'utf8').split('\n')
	    .filter((l) => l.trim() !== '' && !l.startsWith('#'));
}

// The list of pages: { url (a path or absolute URL), text, label }.
function loadPages(o) {
	const pages = [];
	if (o.payloads !== undefined) {
		if (!o.template.includes('{}'))
			usage('--template has no {} for the payload');
		readPayloads(o.payloads).forEach((p, i) => pages.push({
			url: o.template.split('{}').join(encodeURIComponent(p)),
			text: p,
			label: `payload ${i + 1} ${show(p, 60)}`,
		}));
	}
	if (o.pages !== undefined) {
		const list = JSON.parse(fs.readFileSync(o.pages, 'utf8'));
		if (!Array.isArray(list))
			usage(`${o.pages}: not a JSON array`);
		for (const e of list) {
			const p = typeof e === 'string' ? { url: e } : e;
			if (typeof p.url !== 'string')
				usage(`${o.pages}: an entry without "url"`);
			if (p.text !== undefined && p.text !== null &&
			    ![].concat(p.text).every((t) => typeof t === 'string'))
				usage(`${o.pages}: "text" is a string or a list of strings`);
			pages.push({ url: p.url, text: p.text,
			    label: p.label || show(p.url) });
		}
	}
	for (const u of o.paths)
		pages.push({ url: u, label: show(u) });
	if (pages.length === 0)
		usage('no pages to visit');
	return pages;
}

// Runs in every frame before any of the page's own script.  The wrappers
// call through, so a real dialog still opens and is caught a second way.
function pageProbe() {
	const report = (kind, detail) => {
		try {
			window.__moatXssReport(kind, String(detail).slice(0, 160));
		} catch (e) { /* the binding is always there; nothing to do */ }
	};
	for (const name of ['alert', 'confirm', 'prompt']) {
		const orig = window[name];
		window[name] = function (...args) {
			report('call', `${name}(${args.map(String).join(', ')})`);
			return orig.apply(this, args);
		};
	}
	// print() would open a print preview; record it and go no further.
	window.print = () => report('call', 'print()');
	Object.defineProperty(window, '__xss', {
		configurable: false,
		get() { return undefined; },
		set(v) { report('sentinel', `window.__xss = ${String(v)}`); },
	});
	document.addEventListener('securitypolicyviolation', (e) => {
		report('csp', `${e.effectiveDirective} blocked ` +
		    `${e.blockedURI || 'inline'}` +
		    (e.sample ? ` (${e.sample})` : ''));
	}, true);
}

// Markup that only an injection puts in a Moat page: handlers, script
// URLs, inline scripts, frames, <base>.  Runs in each frame after load.
function domScan() {
	const out = [];
	const urlAttrs = ['href', 'src', 'action', 'formaction', 'xlink:href',
	    'data', 'poster', 'background', 'codebase', 'cite'];
	const frameLike = /^(base|object|embed|iframe|frame|frameset|applet)$/;
	const dataBad = /^(a|area|iframe|frame|object|embed|form|button|input|base)$/;
	const cut = (s) => JSON.stringify(s.length > 60 ? s.slice(0, 57) + '...' : s);
	for (const el of document.querySelectorAll('*')) {
		const tag = el.localName;
		for (const a of el.attributes) {
			const n = a.name.toLowerCase();
			if (n.startsWith('on')) {
				out.push(`event handler <${tag} ${n}=${cut(a.value)}>`);
				continue;
			}
			if (n === 'srcdoc') {
				out.push(`<${tag} srcdoc> attribute`);
				continue;
			}
			if (!urlAttrs.includes(n))
				continue;
			let proto;
			try {
				proto = new URL(a.value, document.baseURI).protocol;
			} catch (e) {
				continue;
			}
			if (proto === 'javascript:' || proto === 'vbscript:' ||
			    (proto === 'data:' && dataBad.test(tag)))
				out.push(`script URL <${tag} ${n}=${cut(a.value)}>`);
		}
		if (frameLike.test(tag))
			out.push(`<${tag}> element`);
		else if (tag === 'script' && !el.hasAttribute('src'))
			out.push(`inline <script> element ${cut(el.textContent)}`);
		else if (tag === 'meta' &&
		    /refresh/i.test(el.getAttribute('http-equiv') || ''))
			out.push('<meta http-equiv=refresh>');
	}
	return out;
}

// Findings that do not show a payload ran or reached the DOM.
const notCaught = new Set(['text', 'load', 'status']);

const norm = (s) => String(s).replace(/\s+/g, ' ').trim();

// A frame whose document never got a script context (a javascript: URL
// the policy refused, say) leaves evaluate() waiting forever: bound it.
function bounded(promise, ms, fallback) {
	let timer;
	const late = new Promise((resolve) => {
		timer = setTimeout(() => resolve(fallback), ms);
	});
	return Promise.race([promise.catch(() => fallback), late])
	    .finally(() => clearTimeout(timer));
}

// A tab that reports into whichever visit is current.  One tab serves
// every visit of its mode: opening a tab costs more than loading a page.
async function openTab(ctx, o, allowed) {
	const tab = await ctx.newPage();
	const note = (kind, what) => {
		if (tab.__moatNote)
			tab.__moatNote(kind, what);
	};
	tab.on('dialog', (d) => {
		note('dialog', `${d.type()} dialog opened: ${show(d.message(), 50)}`);
		d.dismiss().catch(() => {});
	});
	tab.on('pageerror', (e) => note('pageerror', `script error: ${show(e.message, 80)}`));
	tab.on('console', (m) => {
		if (m.type() === 'error')
			note('console', `console error: ${show(m.text(), 100)}`);
		else if (o.verbose)
			process.stdout.write(`      console ${m.type()}: ${show(m.text(), 100)}\n`);
	});
	tab.on('request', (r) => {
		const u = r.url();
		if (!/^(data|about|blob):/.test(u) && !allowed.has(new URL(u).origin))
			note('request', `request to another origin: ${show(u, 60)}`);
	});
	return tab;
}

// One visit of one page in one mode; returns its findings.
async function visit(v, url, page, o, allowed) {
	const found = [];
	if (v.tab === null)
		v.tab = await openTab(v.ctx, o, allowed);
	const tab = v.tab;
	const note = (kind, what) => found.push({ kind, text: `${v.mode}: ${what}` });
	tab.__moatNote = note;
	let res;
	try {
		res = await tab.goto(url, { waitUntil: 'load', timeout: o.timeout });
	} catch (e) {
		note('load', `did not load: ${e.message.split('\n')[0]}`);
	}
	if (res && (res.status() < 200 || res.status() > 299))
		note('status', `answered ${res.status()}, so nothing was shown`);
	// Timers, focus and toggle events fire just after load.
	await new Promise((resolve) => setTimeout(resolve, o.settle));
	for (const f of tab.frames()) {
		// The main frame always gets a script context, only late on a
		// loaded machine: give it the page's whole timeout.  A child
		// frame may never get one (see bounded), so it gets a second.
		const main = f === tab.mainFrame();
		const marks = await bounded(f.evaluate(domScan),
		    main ? o.timeout : 1000, null);
		if (marks === null) {
			if (main)
				note('load', 'the page could not be inspected');
			continue;
		}
		for (const m of marks)
			note('markup', m);
	}
	const here = tab.url();
	if (!/^(about|data):/.test(here) && !allowed.has(new URL(here).origin))
		note('request', `the page went to ${show(here, 60)}`);
	// A page the probe never reached would pass without being looked at.
	const seen = await bounded(tab.evaluate(() => {
		const d = Object.getOwnPropertyDescriptor(window, '__xss');
		return { probe: Boolean(d && d.set),
		    text: document.body ? document.body.innerText : '' };
	}), o.timeout, { probe: false, text: '' });
	if (!seen.probe)
		note('load', 'the detectors were not in the page');
	const want = page.text === undefined || page.text === null ? [] :
	    [].concat(page.text);
	const shown = norm(seen.text);
	const lost = want.filter((t) => !shown.includes(norm(t)));
	if (lost.length > 0)
		note('text', 'the payload does not show as text (dropped, ' +
		    'mangled or parsed as markup)' + (want.length > 1 ?
		    `: ${lost.length} of ${want.length}, first ${show(lost[0], 50)}` : ''));
	// Leave the page before the next visit so that nothing it still
	// does is counted against that one; a page that will not let go
	// (a dialog loop, say) loses its tab.
	const left = await bounded(tab.goto('about:blank', { timeout: 3000 })
	    .then(() => true), 4000, false);
	tab.__moatNote = null;
	if (!left) {
		await bounded(tab.close(), 5000, null);
		v.tab = null;
	}
	return found;
}

// The positive control: every query value reflected raw into the contexts
// an app's templates use (text, title, quoted attributes).  It sends a
// Content-Security-Policy like Moat's, so the enforcing pass can catch too.
function controlServer() {
	const srv = http.createServer((req, res) => {
		const q = new URL(req.url, 'http://x').searchParams;
		let body = '<!doctype html>\n';
		for (const [k, v] of q) {
			body += `<title>${v}</title>\n<p id="${k}">${v}</p>\n` +
			    `<a href="${v}">${k}</a> <a href='${v}'>${k}</a>\n`;
		}
		res.writeHead(200, {
			'Content-Type': 'text/html; charset=utf-8',
			'Content-Security-Policy': "default-src 'self'",
		});
		res.end(body);
	});
	return new Promise((resolve, reject) => {
		srv.once('error', reject);
		srv.listen(0, '127.0.0.1', () => resolve(srv));
	});
}

async function newContext(browser, o, base, allowed, mode) {
	const ctx = await browser.newContext({
		bypassCSP: mode === 'bypass',
		userAgent: o.userAgent,
	});
	await ctx.exposeBinding('__moatXssReport', (src, kind, detail) => {
		const note = src.page && src.page.__moatNote;
		if (note)
			note(kind, kind === 'csp' ? `policy blocked: ${detail}` :
			    `injected script ran: ${detail}`);
	});
	await ctx.addInitScript(pageProbe);
	// Nothing leaves the machine: other origins are refused here, and
	// the 'request' listener has already counted them.
	await ctx.route('**/*', (route) => {
		const u = route.request().url();
		if (/^(data|about|blob):/.test(u) || allowed.has(new URL(u).origin))
			return route.continue();
		return route.abort('blockedbyclient');
	});
	// A window that a page opened (our own tabs have no opener).
	ctx.on('page', (p) => {
		p.opener().then((op) => {
			if (op && op.__moatNote) {
				op.__moatNote('popup', 'a window opened');
				p.close().catch(() => {});
			}
		}).catch(() => {});
	});
	if (o.cookie !== undefined) {
		const eq = o.cookie.indexOf('=');
		if (eq < 1)
			usage('--cookie is NAME=VALUE');
		// Playwright's {url} form gives the cookie a Domain, which a
		// __Host- cookie may not have; host and path are accepted.
		await ctx.addCookies([{
			name: o.cookie.slice(0, eq), value: o.cookie.slice(eq + 1),
			domain: new URL(base).hostname, path: '/',
			secure: true, httpOnly: true, sameSite: 'Lax',
		}]);
	}
	return ctx;
}

// Visit one page in every mode, print its line; true if it went as
// expected (clean, or on the control, caught in every mode).
async function checkPage(visitors, url, page, o, allowed) {
	// The modes run side by side, each in its own context.
	const runs = await Promise.all(visitors.map(async (v) => {
		const t = Date.now();
		const f = await visit(v, url, page, o, allowed);
		return { mode: v.mode, f, ms: Date.now() - t };
	}));
	const times = runs.map((r) => `${r.mode} ${r.ms} ms`).join(', ');
	const found = runs.flatMap((r) => r.f);
	let ok;
	if (o.control) {
		// The text check alone proves nothing here (nor does a page
		// that failed to load): a live payload must trip a detector
		// of its own, in each mode.
		const missed = runs.filter((r) =>
		    !r.f.some((x) => !notCaught.has(x.kind))).map((r) => r.mode);
		ok = missed.length === 0;
		process.stdout.write(ok ? `PASS: caught ${page.label} (${times})\n` :
		    `FAIL: missed ${page.label} in ${missed.join(' and ')} mode\n`);
	} else {
		ok = found.length === 0;
		process.stdout.write(`${ok ? 'PASS' : 'FAIL'}: ${page.label} (${times})\n`);
	}
	if (!ok || o.control)
		for (const f of found)
			process.stdout.write(`      ${f.text}\n`);
	return ok;
}

function loadPlaywright() {
	const where = process.env.MOAT_PLAYWRIGHT || 'playwright-core';
	try {
		return require(where);
	} catch (e) {
		process.stderr.write(`xss-check: cannot load playwright-core from ` +
		    `${where} (run tests/browser/setup.sh): ${e.message}\n`);
		process.exit(2);
	}
}

async function main() {
	const o = parseArgs(process.argv.slice(2));
	const pages = loadPages(o);
	const { chromium } = loadPlaywright();
	const t0 = Date.now();
	let srv;
	// Paths are taken relative to --base; on the control, to our server.
	let base = o.base;
	if (o.control) {
		srv = await controlServer();
		base = `http://127.0.0.1:${srv.address().port}`;
	}
	const allowed = new Set([new URL(base).origin,
	    ...o.allow.map((a) => new URL(a).origin)]);
	const modes = o.csp === 'both' ? ['bypass', 'enforce'] : [o.csp];
	const args = ['--disable-dev-shm-usage'];
	// Chromium's own sandbox cannot start as root.
	if (process.getuid && process.getuid() === 0)
		args.push('--no-sandbox');
	let browser;
	try {
		browser = await chromium.launch({ executablePath: o.chromium,
		    headless: true, args, timeout: 30000 });
	} catch (e) {
		process.stderr.write(`xss-check: cannot start ${o.chromium}: ` +
		    `${e.message.split('\n')[0]}\n`);
		process.exit(2);
	}
	const visitors = [];
	for (const mode of modes)
		visitors.push({ mode, tab: null,
		    ctx: await newContext(browser, o, base, allowed, mode) });
	let failed = 0;
	for (const page of pages) {
		let url = new URL(page.url, base);
		if (o.control)
			url = new URL(url.pathname + url.search, base);
		if (!await checkPage(visitors, url.href, page, o, allowed))
			failed++;
	}
	await browser.close();
	if (srv)
		srv.close();
	process.stdout.write(`xss-check: ${pages.length - failed} of ` +
	    `${pages.length} pages as expected${o.control ? ' (control)' : ''}, ` +
	    `${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
	process.exit(failed === 0 ? 0 : 1);
}

main().catch((e) => {
	process.stderr.write(`xss-check: ${e.stack || e}\n`);
	process.exit(2);
});

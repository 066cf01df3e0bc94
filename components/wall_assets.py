"""Static CSS and script of the wall board (no user data in them, ever: only our own translated texts)."""
import html
import json

from nicegui import ui

from app import i18n
from app.config import get_settings
from app.i18n import _

WALL_CSS = '''
:root { --u: min(1vw, 1.77778vh); }   /* 1 u = 1 % of a 16:9 stage (components/wall_layout.py) */
body { background: #0b0d10; color: #e8e8e8; overflow: hidden; }
.ctp-stage { position: fixed; left: calc((100vw - var(--u) * 100) / 2); top: calc((100vh - var(--u) * 56.25) / 2);
  width: calc(var(--u) * 100); height: calc(var(--u) * 56.25); box-sizing: border-box;
  padding: calc(var(--u) * 0.4) calc(var(--u) * 1); display: flex; flex-direction: column; gap: calc(var(--u) * 0.6); }
.ctp-wall-header { height: calc(var(--u) * 3.2); flex: none; display: flex; align-items: center;
  gap: calc(var(--u) * 2); font-size: calc(var(--u) * 1.8); line-height: 1.15; white-space: nowrap; overflow: hidden; }
.ctp-plant { font-weight: 700; }
.ctp-screen-name { color: #c8c8c8; font-size: calc(var(--u) * 1.5); flex: 1 1 0; min-width: 0; overflow: hidden;
  text-overflow: ellipsis; }
.ctp-clock-box { align-items: baseline; gap: calc(var(--u) * 0.6); flex-wrap: nowrap; }
.ctp-clock { font-size: calc(var(--u) * 2.2); font-weight: 800; font-variant-numeric: tabular-nums; }
.ctp-zone { font-size: calc(var(--u) * 1.5); color: #c8c8c8; }
.ctp-wall-grid { height: calc(var(--u) * 48.4); flex: none; display: flex; flex-direction: column;
  gap: calc(var(--u) * 0.8); animation: ctp-drift 30s step-end infinite; }
/* a few pixels of drift against burn-in, a step every 10 s, drawn by the browser: no server update for it */
@keyframes ctp-drift { 0% { transform: translate(0, 2px); } 33.333% { transform: translate(1px, 1px); }
  66.667% { transform: translate(2px, 0); } }
.ctp-section { display: grid; gap: calc(var(--u) * 0.8); flex: none; --s: 1; --pad: 0.5; }
.ctp-section-small { --pad: 0.4; }
.ctp-tile { border-radius: calc(var(--u) * 0.8); box-sizing: border-box; color: #fff;
  padding: calc(var(--u) * var(--pad) * var(--s)) calc(var(--u) * 0.6 * var(--s));
  border: calc(var(--u) * 0.35) solid transparent; display: flex; flex-direction: column;
  gap: calc(var(--u) * 0.2 * var(--s)); overflow: hidden; min-width: 0; min-height: 0; line-height: 1.15; }
.ctp-tile > * { flex-shrink: 0; min-width: 0; max-width: 100%; }
.ctp-tile-head { display: flex; flex-wrap: nowrap; align-items: center; gap: calc(var(--u) * 0.4 * var(--s)); }
.ctp-tile-icon { font-size: calc(var(--u) * 2 * var(--s)); }
.ctp-tile-word { font-size: calc(var(--u) * 2 * var(--s)); font-weight: 800; letter-spacing: 0.03em;
  white-space: nowrap; }
.ctp-section-small .ctp-tile-icon, .ctp-section-small .ctp-tile-word { font-size: calc(var(--u) * 1.5 * var(--s)); }
.ctp-tile-name { font-size: calc(var(--u) * 2 * var(--s)); font-weight: 700; white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis; }
.ctp-section-small .ctp-tile-name { font-size: calc(var(--u) * 1.7 * var(--s)); }
.ctp-counter { font-size: calc(var(--u) * 2.6 * var(--s)); font-weight: 800; font-variant-numeric: tabular-nums;
  white-space: nowrap; }
.ctp-tile-who { display: flex; flex-wrap: nowrap; align-items: center; gap: calc(var(--u) * 0.6 * var(--s));
  font-size: calc(var(--u) * 1.5 * var(--s)); white-space: nowrap; }
.ctp-who { overflow: hidden; text-overflow: ellipsis; min-width: 0; font-weight: 700; }
.ctp-tile-cause { font-size: calc(var(--u) * 1.5 * var(--s)); display: -webkit-box; -webkit-line-clamp: 2;
  -webkit-box-orient: vertical; overflow: hidden; overflow-wrap: anywhere; }
.ctp-badge { white-space: nowrap; font-weight: 700; background: rgba(0,0,0,.35); border-radius: calc(var(--u) * .3);
  padding: 0 calc(var(--u) * .4); flex: none; }
.ctp-badge-alert { background: #fff; color: #b71c1c; }
.ctp-flash { animation: ctp-flash 1s steps(2, start) infinite; }   /* one flash per second (WCAG 2.3.1) */
@keyframes ctp-flash { to { border-color: #ffeb3b; } }
.ctp-wall-footer { height: calc(var(--u) * 2.6); flex: none; display: flex; align-items: center;
  gap: calc(var(--u) * 2); font-size: calc(var(--u) * 1.5); line-height: 1.15; color: #c8c8c8; white-space: nowrap;
  overflow: hidden; }
.ctp-footer-list { display: flex; flex-wrap: wrap; column-gap: calc(var(--u) * 1); height: 1.15em; overflow: hidden;
  flex: 1 1 auto; min-width: min-content; }  /* never narrower than its title with its first item (German runs long) */
.ctp-footer-lead { display: flex; column-gap: calc(var(--u) * 1); }
.ctp-footer-fixed { flex: none; }
.ctp-footer-title { color: #fff; font-weight: 700; }
#ctp-stale { display: none; position: fixed; top: 0; left: 0; right: 0; z-index: 9999; padding: calc(var(--u) * 0.6);
  background: #ffeb3b; color: #000; font-size: calc(var(--u) * 2.2); font-weight: 800; text-align: center; }
body.ctp-stale #ctp-stale { display: block; }
body.ctp-stale .ctp-tile { filter: grayscale(1) brightness(.6); }
'''

# Counters tick in the browser from the server's down_at; the board is stale when the socket is down for 5 s (a
# shorter blip, or a socket still connecting after the page loads, is not) or no server update arrived for 60 s;
# a chime sounds when the server says a tile turned red.
# Self-healing (nobody touches a wall screen): NiceGUI reloads the page itself when its socket reconnects to a server
# that no longer knows it (restarted, or it dropped the board after CTP_WALL_RECONNECT_SECONDS). A board cut off for
# longer than that window also asks /healthz every few seconds and reloads as soon as the server answers, so it never
# reloads into an error page and never waits on the socket's back-off alone.
WALL_SCRIPT = '''
<div id="ctp-stale">{stale_before}<span id="ctp-stale-since"></span>{stale_after}</div>
<script>
(function () {
  const WORDS = {words};  // the board's language: duration units ('{0} h') and the locale of its clock
  const LOST_GRACE = 5;  // seconds without the server's socket before the board says it is stale
  const RELOAD_AFTER = {reload_after};  // seconds without the socket after which the server has dropped this board
  const PROBE_EVERY = 5;  // seconds between two questions to the server while it does not answer
  let staleSince = null, lostAt = null, probing = false;
  async function reloadWhenServerAnswers() {
    if (probing) return;
    probing = true;
    try {
      const answer = await fetch((window.path_prefix || '') + '/healthz', {cache: 'no-store'});
      if (answer.ok) { window.location.reload(); return; }
    } catch (e) { /* not reachable yet */ }
    setTimeout(() => { probing = false; }, PROBE_EVERY * 1000);
  }
  function plantTime(date) {  // the plant's zone (data-zone of the clock), never the browser's
    const clock = document.querySelector('[data-zone]');
    const zone = clock ? clock.dataset.zone : undefined;
    return new Intl.DateTimeFormat(WORDS.locale, {hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: zone})
      .format(date) + (zone ? ` (${zone})` : '');
  }
  function tick() {
    const now = Date.now() / 1000;
    document.querySelectorAll('[data-since]').forEach(el => {
      const m = Math.max(0, Math.floor((now - Number(el.dataset.since)) / 60));
      const d = Math.floor(m / 1440), h = Math.floor((m % 1440) / 60), mm = m % 60;
      const unit = (key, n) => WORDS.units[key].replace('{0}', n.toLocaleString(WORDS.locale));
      el.textContent = d ? `${unit('day', d)} ${unit('hour', h)}`
        : (h ? `${unit('hour', h)} ${unit('minute', mm)}` : unit('minute', mm));
    });
    const clock = document.querySelector('[data-zone]');
    if (clock) clock.textContent = plantTime(new Date()).split(' ')[0];
    const grid = document.querySelector('[data-updated]');
    const updated = grid ? Number(grid.dataset.updated) : now;
    const connected = window.socket ? window.socket.connected : true;
    if (connected) lostAt = null; else if (lostAt === null) lostAt = now;
    if (!connected && now - lostAt >= RELOAD_AFTER) reloadWhenServerAnswers();
    // a socket still connecting after the page loads, or a blip shorter than LOST_GRACE, is not stale
    const stale = (!connected && now - lostAt >= LOST_GRACE) || now - updated > 60;
    if (stale && staleSince === null) {
      const t = connected ? new Date(updated * 1000) : new Date(lostAt * 1000);
      staleSince = plantTime(t);
      document.getElementById('ctp-stale-since').textContent = staleSince;
    }
    if (!stale) staleSince = null;
    document.body.classList.toggle('ctp-stale', stale);
  }
  setInterval(tick, 1000);
  // NiceGUI's Vue app keeps a null entry among its refs for every element it ever removed (a rebuilt tile leaves
  // about seven): a board that runs for weeks lets them go (docs/BENCHMARKS.md, Soak).
  setInterval(function forgetRemovedElements() {
    const refs = typeof mounted_app !== 'undefined' && mounted_app ? mounted_app.$.refs : null;
    for (const key of Object.keys(refs || {})) if (refs[key] === null) delete refs[key];
  }, 5000);
  window.ctpChime = function () {
    try {
      const ctx = new (window.AudioContext || window.webkitAudioContext)();
      [880, 660].forEach((f, i) => {
        const o = ctx.createOscillator(), g = ctx.createGain();
        o.frequency.value = f; o.connect(g); g.connect(ctx.destination);
        g.gain.setValueAtTime(0.2, ctx.currentTime + i * 0.35);
        o.start(ctx.currentTime + i * 0.35); o.stop(ctx.currentTime + i * 0.35 + 0.3);
      });
    } catch (e) { /* audio may be blocked until the kiosk allows it */ }
  };
})();
</script>
'''


def add_wall_assets() -> None:
    """The board's CSS and script, its texts in the current language."""
    ui.add_css(WALL_CSS)
    ui.add_body_html(wall_script())


def wall_script() -> str:
    """The script with the banner and the counters' units in the current language."""
    before, _marker, after = _('DATA STALE since {time} — reconnecting').partition('{time}')
    units = i18n.duration_units()
    if i18n.current_language() == i18n.PSEUDO_LANGUAGE:  # the counters' units are marked like every other text
        units = {key: f'{i18n.OPEN}{unit}{i18n.CLOSE}' for key, unit in units.items()}
    words = {'units': units, 'locale': 'en-GB' if i18n.locale_tag() == 'en' else i18n.locale_tag()}
    script_json = json.dumps(words).replace('<', '\\u003c')  # never ends the script element
    return (WALL_SCRIPT.replace('{stale_before}', html.escape(before)).replace('{stale_after}', html.escape(after))
            .replace('{words}', script_json).replace('{reload_after}', f'{get_settings().wall_reconnect_seconds:g}'))

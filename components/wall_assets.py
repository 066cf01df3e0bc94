"""Static CSS and script of the wall board (no user data in them, ever)."""
from nicegui import ui

WALL_CSS = '''
body { background: #0b0d10; color: #e8e8e8; overflow: hidden; }
.ctp-wall-grid { display: grid; gap: 1vw; height: 84vh; grid-auto-rows: minmax(0, 1fr); }
.ctp-tile { border-radius: 1vw; padding: 1.2vw 1.6vw; color: #fff; border: 0.6vw solid transparent;
  display: flex; flex-direction: column; gap: 0.2vw; overflow: hidden; min-width: 0; }
.ctp-tile > * { flex-shrink: 0; }
.ctp-tile-icon { font-size: 3.4vw; }
.ctp-tile-word { font-size: 3vw; font-weight: 800; letter-spacing: 0.05em; line-height: 1; }
.ctp-tile-name { font-size: 2.2vw; font-weight: 700; line-height: 1.1; white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis; max-width: 100%; }
.ctp-counter { font-size: 3.6vw; font-weight: 800; font-variant-numeric: tabular-nums; line-height: 1; }
.ctp-tile-line { font-size: 1.5vw; line-height: 1.2; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.ctp-wide { grid-column: span 2; }
.ctp-badge { white-space: nowrap; font-size: 1.5vw; font-weight: 700; background: rgba(0,0,0,.35); border-radius: .4vw;
  padding: .1vw .6vw; align-self: flex-start; }
.ctp-badge-alert { background: #fff; color: #b71c1c; }
.ctp-flash { animation: ctp-flash 1s steps(2, start) infinite; }   /* one flash per second (WCAG 2.3.1) */
@keyframes ctp-flash { to { border-color: #ffeb3b; } }
.ctp-wall-footer { min-height: 6vh; font-size: 1.1vw; color: #b0b0b0; }
.ctp-footer-title { color: #fff; font-weight: 700; }
.ctp-wall-header { height: 6vh; font-size: 1.6vw; }
#ctp-stale { display: none; position: fixed; top: 0; left: 0; right: 0; z-index: 9999; padding: 1vw;
  background: #ffeb3b; color: #000; font-size: 2.4vw; font-weight: 800; text-align: center; }
body.ctp-stale #ctp-stale { display: block; }
body.ctp-stale .ctp-tile { filter: grayscale(1) brightness(.6); }
'''

# Counters tick in the browser from the server's down_at; the board is stale when the socket is down or no
# server update arrived for 60 s; a chime sounds when the server says a tile turned red.
WALL_SCRIPT = '''
<div id="ctp-stale">DATA STALE since <span id="ctp-stale-since"></span> — reconnecting</div>
<script>
(function () {
  let staleSince = null;
  const pad = n => String(n).padStart(2, '0');
  function tick() {
    const now = Date.now() / 1000;
    document.querySelectorAll('[data-since]').forEach(el => {
      const m = Math.max(0, Math.floor((now - Number(el.dataset.since)) / 60));
      const d = Math.floor(m / 1440), h = Math.floor((m % 1440) / 60), mm = m % 60;
      el.textContent = d ? `${d} d ${h} h` : (h ? `${h} h ${mm} min` : `${mm} min`);
    });
    const grid = document.querySelector('[data-updated]');
    const updated = grid ? Number(grid.dataset.updated) : now;
    const connected = window.socket ? window.socket.connected : true;
    const stale = !connected || now - updated > 60;
    if (stale && staleSince === null) {
      const t = connected ? new Date(updated * 1000) : new Date();
      staleSince = `${pad(t.getHours())}:${pad(t.getMinutes())}`;
      document.getElementById('ctp-stale-since').textContent = staleSince;
    }
    if (!stale) staleSince = null;
    document.body.classList.toggle('ctp-stale', stale);
  }
  setInterval(tick, 1000);
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
    ui.add_css(WALL_CSS)
    ui.add_body_html(WALL_SCRIPT)

// The overview's live board (issue 24): the newest view of the screen's scope by `seq`, from the summary note's `view`
// prop (board_note.js) or from the scope's socket.io room ("ctp_scope", components/scope_rooms.py). A view is applied
// field by field, so a message re-renders only what it changed: a card's place, status and newest sent card
// (`place`, `status`, `cards` by machine id), the summary and the recent rows. `filter` is the status filter. The
// notes, the cards (machine_card.js) and the recent list (recent_list.js) draw from it (imported by name: NiceGUI maps
// this library in the page's importmap).
export const live = Vue.reactive({
  seq: 0, ids: [], place: {}, status: {}, cards: {}, summary: "", recent: [], filter: "all",
});

function same(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function offer(view) {
  if (!view || view.seq <= live.seq) return;
  live.seq = view.seq;
  // the changed cards first (their colour is the andon's signal); the board's order, notes and recent rows a task
  // later, so the browser draws the cards without waiting for the rest
  for (const [id, card] of Object.entries(view.cards)) {
    if (!live.cards[id] || card.seq > live.cards[id].seq) live.cards[id] = card;
  }
  if (Object.keys(view.cards).length) setTimeout(() => arrange(view));
  else arrange(view);
}

function arrange(view) {
  if (view.seq !== live.seq) return; // a newer view came meanwhile: it arranges the board
  if (!same(view.order, live.ids)) live.ids = view.order;
  view.order.forEach((id, index) => {
    if (live.place[id] !== index) live.place[id] = index;
    if (live.status[id] !== view.status[id]) live.status[id] = view.status[id];
  });
  if (live.summary !== view.summary) live.summary = view.summary;
  if (!same(view.recent, live.recent)) live.recent = view.recent;
}

// Whether the filter shows a card of this machine (the status of its newest card, else the view's).
export function shows(id, status) {
  const current = status || live.status[id];
  return live.filter === "all" || live.filter === current;
}

let listening = false;
export function listen() {
  if (listening) return;
  if (window.socket) {
    window.socket.on("ctp_scope", offer);
    listening = true;
  } else setTimeout(listen, 20);
}

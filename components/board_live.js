// The overview's live board (issue 24): the newest view of the screen's scope by `seq`, from the summary note's `view`
// prop (board_note.js) or from the scope's socket.io room ("ctp_scope", components/scope_rooms.py), and the newest
// card of each machine from the machine's room ("ctp_card", components/card_rooms.py). A view is applied field by
// field, so a message re-renders only what it changed: a card's place and status (`place`, `status` by machine id),
// the summary and the recent rows. `filter` is the status filter. The notes, the cards (machine_card.js) and the
// recent list (recent_list.js) draw from it (imported by name: NiceGUI maps this library in the page's importmap).
export const live = Vue.reactive({
  seq: 0, ids: [], place: {}, status: {}, cards: {}, summary: "", recent: [], filter: "all",
});

function same(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function offer(view) {
  if (!view || view.seq <= live.seq) return;
  live.seq = view.seq;
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

function offerCard(message) {
  const known = message && live.cards[message.id];
  if (message && (!known || message.card.seq > known.seq)) live.cards[message.id] = message.card;
}

let listening = false;
export function listen() {
  if (listening) return;
  if (window.socket) {
    window.socket.on("ctp_card", offerCard);
    window.socket.on("ctp_scope", offer);
    listening = true;
  } else setTimeout(listen, 20);
}

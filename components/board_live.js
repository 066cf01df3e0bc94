// The overview's live board (issue 24): `live.view` is the newest view of the screen's scope by `seq`, from the
// summary note's `view` prop (board_note.js) or from the scope's socket.io room ("ctp_scope",
// components/scope_rooms.py); `live.filter` is the status filter. The notes, the cards (machine_card.js) and the
// recent list (recent_list.js) draw from it (imported by name: NiceGUI maps this library in the page's importmap).
export const live = Vue.reactive({ view: null, filter: "all" });

export function offer(view) {
  if (view && (!live.view || view.seq > live.view.seq)) live.view = view;
}

// Whether the filter shows a card of this machine (its status in the view, else the card's own).
export function shows(id, status) {
  const current = (live.view && live.view.status[id]) || status;
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

// The wall board's live state (issue 24): the newest tiles and footer from the walls' socket.io room ("ctp_wall",
// components/wall_rooms.py), by machine id. Each tile (wall_tile.js) and the footer (wall_footer.js) show the newer
// (by `seq`) of this and their own prop. Imported by name: NiceGUI maps this library in the page's importmap.
export const wall = Vue.reactive({ seq: 0, tiles: {}, footer: null });

function offer(view) {
  if (!view || view.seq <= wall.seq) return;
  wall.seq = view.seq;
  for (const [id, tile] of Object.entries(view.tiles)) wall.tiles[id] = tile;
  wall.footer = view.footer;
}

// The newer of a component's own prop and the room's.
export function newer(sent, own) {
  return sent && own && sent.seq > own.seq ? sent : own;
}

let listening = false;
export function listen() {
  if (listening) return;
  if (window.socket) {
    window.socket.on("ctp_wall", offer);
    listening = true;
  } else setTimeout(listen, 20);
}

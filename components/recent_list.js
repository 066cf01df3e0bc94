// The overview's recent problems, newest first, from the newest view of the screen's scope (board_live.js): one
// element for the whole list, so a new problem reaches every screen of a scope in its room's one message.
// Each row is a link to its problem, in a list item (the list's role requires its children to be items).
import { live } from "board_live";

export default {
  template: `
    <div>
      <div v-if="live.recent.length" role="list" class="q-list q-list--bordered q-list--separator w-full rounded">
        <div v-for="item in live.recent" :key="item.id" v-memo="[item.row.title, item.row.badge, item.row.colour, item.row.description, item.row.when]" role="listitem" class="q-item-type">
          <a :href="prefixed(item.href)" class="ctp-recent-row">
            <div class="font-bold text-sm break-words">{{ item.row.title }}</div>
            <div :class="'q-badge flex inline items-center no-wrap q-badge--single-line text-sm px-2 py-1 justify-self-end bg-' + item.row.colour">{{ item.row.badge }}</div>
            <div class="text-xs text-gray-600 line-clamp-2 break-words">{{ item.row.description }}</div>
            <div class="text-xs text-gray-600 text-right whitespace-nowrap">{{ item.row.when }}</div>
          </a>
        </div>
      </div>
      <div v-else-if="live.seq" class="text-gray-500">{{ empty }}</div>
    </div>`,
  props: {
    empty: String,
  },
  data() {
    return { live };
  },
  methods: {
    prefixed(path) {
      return (window.path_prefix || "") + path;
    },
  },
};

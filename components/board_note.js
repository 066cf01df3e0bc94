// The overview's two notes: the summary line above the cards ("8 machines · 2 down") and the message when no card is
// shown, from the newest view of the screen's scope (board_live.js). The summary note brings the page's view and the
// status filter to that store.
import { listen, live, offer, shows } from "board_live";

export default {
  template: `
    <div v-if="part === 'summary'" class="text-sm text-gray-500">{{ live.summary }}</div>
    <div v-else-if="empty" class="text-gray-500">{{ empty }}</div>`,
  props: {
    part: String,
    view: Object,
    filter: String,
    texts: Object,
  },
  data() {
    return { live };
  },
  computed: {
    empty() {
      if (!live.seq) return "";
      if (!live.ids.length) return this.texts.none;
      return live.ids.some((id) => shows(id)) ? "" : this.texts.filtered;
    },
  },
  watch: {
    view: { handler: offer, immediate: true },
    filter: {
      handler(value) {
        if (value) live.filter = value;
      },
      immediate: true,
    },
  },
  mounted() {
    listen();
  },
};

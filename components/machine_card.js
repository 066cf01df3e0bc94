// One machine card of the overview, drawn from one `card` prop (see machine_card.py).
// NiceGUI re-renders every element of a page on every update message; `v-memo` keeps this card's inner tree
// as it was unless the shown card changed, so an update of one card costs the other cards nothing.
// A change's card also arrives once for every screen of a scope in its board message (`cards` of the newest view of
// the screen's scope, board_live.js; components/scope_rooms.py): the card shows the newest (by `seq`) of those and
// its prop. Its place on the board and whether the status filter shows it come from that view too.
import { live, shows } from "board_live";

export default {
  template: `
    <div v-show="visible" class="q-card nicegui-card" :class="shown.cls" :style="place">
      <a v-memo="[shown]" :href="prefixed(shown.href)" class="ctp-card-link">
        <div class="ctp-icon ctp-status text-2xl font-black tracking-wide" :data-icon="shown.icon">{{ shown.word }}</div>
        <div class="text-lg font-bold leading-tight">{{ shown.name }}</div>
        <div v-for="line in shown.lines" :key="line[0]" :class="line[2]">{{ line[1] }}</div>
      </a>
      <a v-if="report" :href="prefixed(report.href)" :class="report.cls" data-icon="report">{{ report.label }}</a>
      <slot></slot>
    </div>`,
  props: {
    card: Object,
    report: Object,
  },
  data() {
    return { live: null, board: live };
  },
  computed: {
    shown() {
      return this.live && this.live.seq > this.card.seq ? this.live : this.card;
    },
    place() {
      const index = live.view ? live.view.order.indexOf(this.card.id) : -1;
      return index < 0 ? null : { order: index };
    },
    visible() {
      return shows(this.card.id, this.shown.status);
    },
  },
  watch: {
    // a board message carries the cards that changed since the one before: each card keeps the newest it was sent
    "board.view": {
      handler(view) {
        const sent = view && view.cards[this.card.id];
        if (sent && (!this.live || sent.seq > this.live.seq)) this.live = sent;
      },
      immediate: true,
    },
  },
  methods: {
    prefixed(path) {
      return (window.path_prefix || "") + path;
    },
  },
};
